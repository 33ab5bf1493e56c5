/** The kit's data folder: where it is, whether a kit is running on it, and the mark that says it is a kit's folder at all. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KitConfig } from '../../config/schema.js';
import { lockHolder } from '../dataLock.js';
import { ensurePrivateDir, writePrivateFile } from '../privateFiles.js';
import { EXIT } from './exitCodes.js';
import { CommandError, text } from './text.js';

/**
 * Wipe empties a folder whole; this file says the folder is a kit's, so that a dataDir mistyped as `/home/pi` is
 * refused instead of emptied.
 */
export const DATA_MARK = '.minotake-data';

/** Relative dataDir resolves against the folder the command runs in, as the kit does. */
export function dataFolderOf(config: KitConfig, baseDir = process.cwd()): string {
  return resolve(baseDir, config.dataDir);
}

export function markDataFolder(dir: string): void {
  ensurePrivateDir(dir);
  const mark = join(dir, DATA_MARK);
  if (!existsSync(mark)) writePrivateFile(mark, 'Minotake kit data folder: everything here belongs to the current loan.\n');
}

export const isKitDataFolder = (dir: string) => existsSync(join(dir, DATA_MARK));

/** Empty or missing: nothing of an earlier loan is in it. */
export function isEmptyFolder(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).every((name) => name === DATA_MARK);
}

export function runningKitPid(dir: string): number | undefined {
  return existsSync(dir) ? lockHolder(dir) : undefined;
}

/** Commands that change or remove the data refuse while a kit is writing it. */
export function requireKitStopped(dir: string): void {
  const pid = runningKitPid(dir);
  if (pid === undefined) return;
  throw new CommandError(
    EXIT.refused,
    text(
      `キットが動いています（pid ${pid}）。先に止めてください: sudo systemctl stop minotake`,
      `the kit is running (pid ${pid}): stop it first: sudo systemctl stop minotake`,
    ),
  );
}

/** Reads and rewrites the kit file as a YAML document (comments kept), validated by the config schema, written atomically. */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Document, parseDocument } from 'yaml';
import { parseKitYaml } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';

export function readKitDocument(file: string): Document {
  return parseDocument(readFileSync(file, 'utf8'), { keepSourceTokens: false });
}

/**
 * Writes a file so that a power cut leaves the old content or the new, never half: a temp file beside it, fsync,
 * rename over the old one, fsync of the folder so the rename itself is on the card.
 */
export function writeFileAtomically(file: string, content: string, mode = 0o600): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Validates the document as the kit would load it (every problem named) and only then replaces the file. */
export function saveKitDocument(file: string, doc: Document): KitConfig {
  const content = doc.toString({ lineWidth: 0 });
  const config = parseKitYaml(content, file);
  writeFileAtomically(file, content);
  return config;
}

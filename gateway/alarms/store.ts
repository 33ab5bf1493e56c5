/** The engine's state on disk (<dataDir>/alarms/state.json), written whole to a temp file and renamed, so a crash leaves the old or the new. */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../privateFiles.js';
import type { CoreState } from './core.js';

const VERSION = 1;

export class AlarmStateFile {
  readonly file: string;

  constructor(dataDir: string) {
    const dir = join(dataDir, 'alarms');
    ensurePrivateDir(dir);
    this.file = join(dir, 'state.json');
  }

  /** The saved state; undefined when there is none. A damaged file is moved aside (kept for a person to look at) and reported. */
  load(onDamaged: (reason: string, movedTo: string) => void): CoreState | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      const json = JSON.parse(readFileSync(this.file, 'utf8')) as { version?: number; state?: CoreState };
      const state = json.state;
      if (json.version !== VERSION || !state?.memory?.rules || !Array.isArray(state.book?.open))
        throw new Error(`unexpected content (version ${json.version})`);
      return state;
    } catch (error) {
      const aside = `${this.file}.damaged-${Date.now()}`;
      renameSync(this.file, aside);
      onDamaged((error as Error).message, aside);
      return undefined;
    }
  }

  save(state: CoreState): void {
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: VERSION, state }));
      // An alarm a person must see again after a power cut: worth one fsync per transition (they are rare).
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
  }
}

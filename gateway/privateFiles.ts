/** Folders and files only the kit's own user may read: password hashes, sessions, the setup code, the data itself. */
import { chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

/** Creates the folder (and its parents) owner-only, and narrows it to 0700 if it was there already with wider rights. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was: one made by an older kit, or restored from a backup, may be world-readable.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o700);
}

/**
 * Writes the file owner-only (0600) and atomically: a temporary file, fsynced, renamed over the old one, so that a power cut
 * leaves the old content or the new, never half. The mode is set on the open file, so no other user can open it in between.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    // A temporary file left by a crash keeps its old mode when reopened: narrow it before anything is written.
    fchmodSync(fd, 0o600);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

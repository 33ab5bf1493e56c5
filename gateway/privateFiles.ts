/** Folders and files only the kit's own user may read: password hashes, sessions, the setup code, the data itself. */
import { chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The mode of a file only the kit's own user may read, for files opened directly (appended to, written in place). */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder (and its parents) owner-only, and narrows it to 0700 if it was there already with wider rights. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was: one made by an older kit, or restored from a backup, may be world-readable.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o700);
}

/**
 * Writes the file owner-only (0600) and atomically: a temporary file, fsynced, renamed over the old one, the folder fsynced,
 * so that a power cut leaves the old content or the new, never half. The temporary file's name is the process's own, so that
 * another process (`minotake admin add` beside the running gateway) writing the same file never shares it.
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
  try {
    const folder = openSync(dirname(path), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch {
    // Not every file system lets a folder be fsynced; the rename itself is still atomic.
  }
}

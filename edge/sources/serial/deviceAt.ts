/** Which device a serial path leads to right now, so that a re-plugged node is told apart from the one that was pulled. */
import { stat } from 'node:fs/promises';

/**
 * The device behind `path` (links followed) as a comparable key, or null when nothing is there. A by-id link
 * re-pointed at a new tty gives a new key; a device recreated under the same name usually does too (a new
 * inode), and when it does not, its old port has hung up anyway. Undefined when the path cannot be checked
 * (no permission on a folder, say): that says nothing about the device.
 */
export async function deviceAt(path: string): Promise<string | null | undefined> {
  try {
    const info = await stat(path);
    return `${info.rdev}:${info.dev}:${info.ino}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

/** One kit per data folder: a second gateway on the same spool and InfluxDB files would corrupt both. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from './privateFiles.js';

export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(dir: string, pid: number) {
    super(
      `${dir} is used by another running kit (pid ${pid}); stop it first, or give this kit its own dataDir / ` +
        `${dir} は別のキット（pid ${pid}）が使用中です。先に止めるか、dataDir を分けてください`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live kit holding the folder, if one does. */
export function lockHolder(dir: string): number | undefined {
  let holder = 0;
  try {
    holder = Number(readFileSync(join(dir, 'kit.pid'), 'utf8'));
  } catch {}
  return holder && alive(holder) ? holder : undefined;
}

/** Takes the folder for this process; a lock left by a process that died (a power cut, SIGKILL) is taken over. */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'kit.pid');
  let holder = 0;
  try {
    holder = Number(readFileSync(file, 'utf8'));
  } catch {}
  if (holder && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dir, holder);
  writePrivateFile(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

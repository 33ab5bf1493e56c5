import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../../gateway/dataLock.js';
import { tempDir } from '../../helpers/services.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

describe('one kit per data folder', () => {
  it('refuses a folder held by another running process, naming it', () => {
    const dir = tempDir('lock');
    dirs.push(dir);
    writeFileSync(join(dir.path, 'kit.pid'), String(process.ppid)); // a live process that is not us
    expect(() => lockDataDir(dir.path)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir.path)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that died, and releases it', () => {
    const dir = tempDir('lock');
    dirs.push(dir);
    writeFileSync(join(dir.path, 'kit.pid'), '2147483646');
    const unlock = lockDataDir(dir.path);
    expect(existsSync(join(dir.path, 'kit.pid'))).toBe(true);
    unlock();
    expect(existsSync(join(dir.path, 'kit.pid'))).toBe(false);
  });
});

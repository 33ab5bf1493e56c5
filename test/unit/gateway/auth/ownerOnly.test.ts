import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sessions } from '../../../../gateway/auth/sessions.js';
import { AuthStore } from '../../../../gateway/auth/store.js';
import { tempDir } from '../../../helpers/services.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the auth files on disk', () => {
  it('are readable by the kit user only: the folder 0700, users, tokens and sessions 0600', () => {
    const dir = tempDir('owner-only');
    dirs.push(dir);
    const auth = join(dir.path, 'var', 'auth');
    const store = new AuthStore(auth);
    store.addUser('admin', 'admin-password-1', 'admin');
    store.createToken('kiosk', 'line 1');
    const sessions = new Sessions({ file: join(auth, 'sessions.json') });
    sessions.create({ username: 'admin', role: 'admin', kiosk: false, stamp: 's' });
    sessions.flush();

    expect(modeOf(auth)).toBe(0o700);
    expect(readdirSync(auth).sort()).toEqual(['sessions.json', 'tokens.json', 'users.json']);
    for (const file of readdirSync(auth)) expect(modeOf(join(auth, file)), file).toBe(0o600);
  });

  it('narrows a folder and files that an older kit or a backup left world-readable', () => {
    const dir = tempDir('owner-only');
    dirs.push(dir);
    const auth = join(dir.path, 'auth');
    mkdirSync(auth, { mode: 0o755 });
    writeFileSync(join(auth, 'users.json'), JSON.stringify({ version: 1, users: [] }), { mode: 0o644 });
    // A temporary file left by a crash mid-write, world-readable.
    writeFileSync(join(auth, `sessions.json.${process.pid}.tmp`), '[]', { mode: 0o644 });

    const store = new AuthStore(auth);
    expect(store.hasUsers()).toBe(false);
    const sessions = new Sessions({ file: join(auth, 'sessions.json') });
    sessions.create({ username: 'kiosk:a', role: 'viewer', kiosk: true, tokenId: 't' });
    sessions.flush();

    expect(modeOf(auth)).toBe(0o700);
    expect(modeOf(join(auth, 'users.json'))).toBe(0o600);
    expect(modeOf(join(auth, 'sessions.json'))).toBe(0o600);
  });
});

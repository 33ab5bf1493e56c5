import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { offerSetupCode, SETUP_CODE_FILE } from '../../../../gateway/auth/setupCode.js';
import { AuthStore, SETUP_CODE_TTL_MS } from '../../../../gateway/auth/store.js';
import { tempDir } from '../../../helpers/services.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

/** A store over a fresh data folder, with a clock the test moves, and a logger whose lines the test reads. */
function kit() {
  const dir = tempDir('setup-code');
  dirs.push(dir);
  const clock = { now: Date.now() };
  const store = new AuthStore(join(dir.path, 'auth'), { now: () => clock.now });
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { dataDir: dir.path, file: join(dir.path, SETUP_CODE_FILE), store, clock, lines, log };
}

const codeIn = (file: string) => /^([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';

describe('the one-time setup code', () => {
  it('goes to an owner-only file when nobody watches the console, and the log says where, not what', () => {
    const { dataDir, file, store, lines, log } = kit();
    const offer = offerSetupCode(store, { dataDir, onConsole: false, log });
    expect(offer).toEqual({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const code = codeIn(file);
    expect(code).not.toBe('');
    expect(readFileSync(file, 'utf8')).toContain('初期設定コード');
    expect(lines.join('')).toContain(file);
    expect(lines.join('')).not.toContain(code);
    expect(lines.join('')).not.toContain(code.replaceAll('-', ''));

    // Used: the admin exists and the file is gone.
    store.setupFirstAdmin(code, 'center', 'center-password-1');
    expect(store.listUsers().map((u) => u.username)).toEqual(['center']);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps the file while wrong codes are tried, and deletes it once the code has expired', () => {
    const { dataDir, file, store, clock, log } = kit();
    offerSetupCode(store, { dataDir, onConsole: false, log });
    const code = codeIn(file);
    expect(store.consumeSetupCode('AAAA-BBBB-CCCC')).toBe(false);
    expect(existsSync(file)).toBe(true);
    clock.now += SETUP_CODE_TTL_MS;
    expect(store.consumeSetupCode(code)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('is shown on an interactive console only, with no file written', () => {
    const { dataDir, file, store, lines, log } = kit();
    const offer = offerSetupCode(store, { dataDir, onConsole: true, log });
    expect(offer.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(offer.file).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    expect(lines.join('')).not.toContain(offer.code);
    expect(store.setupFirstAdmin(offer.code as string, 'center', 'center-password-1').role).toBe('admin');
  });

  it('is not offered once the kit has a user, and a file left from an earlier start is removed', () => {
    const { dataDir, file, store, log } = kit();
    writeFileSync(file, 'OLD0-CODE-LEFT\n');
    store.addUser('admin', 'admin-password-1', 'admin');
    expect(offerSetupCode(store, { dataDir, onConsole: false, log })).toEqual({});
    expect(existsSync(file)).toBe(false);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../../../gateway/auth/errors.js';
import { type AuthChange, AuthStore, AuthStoreCorruptError, addAdminFromCli } from '../../../../gateway/auth/store.js';
import * as password from '../../../../gateway/broker/password.js';

vi.mock('../../../../gateway/broker/password.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../../gateway/broker/password.js')>();
  return { ...original, verifyPasswordAsync: vi.fn(original.verifyPasswordAsync) };
});

const HOUR = 60 * 60 * 1000;

function thrown(action: () => unknown): AuthError {
  try {
    action();
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected an AuthError');
}

describe('AuthStore', () => {
  let root: string;
  let dir: string;
  const clock = { now: Date.UTC(2025, 5, 2) };
  const open = () => new AuthStore(dir, { now: () => clock.now });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'minotake-store-'));
    dir = join(root, 'auth');
    clock.now = Date.UTC(2025, 5, 2);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('starts empty, creates its folder, and has no default user', async () => {
    const store = open();
    expect(store.hasUsers()).toBe(false);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(await store.verifyLogin('admin', 'admin')).toBeUndefined();
    expect(await store.verifyLogin('admin', '')).toBeUndefined();
  });

  it('keeps users in users.json (mode 0600, atomically, scrypt hash only) and finds them again after a reload', async () => {
    const store = open();
    store.addUser('tanaka', 'kojo-no-pasuwado', 'manager');
    const file = join(dir, 'users.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('kojo-no-pasuwado');
    expect(text).toContain('scrypt$');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const again = open();
    expect(again.listUsers()).toEqual([{ username: 'tanaka', role: 'manager', createdAt: clock.now }]);
    expect(await again.verifyLogin('tanaka', 'kojo-no-pasuwado')).toMatchObject({ username: 'tanaka', role: 'manager' });
    expect(await again.verifyLogin('tanaka', 'kojo-no-pasuwadO')).toBeUndefined();
  });

  it('runs the same scrypt for an unknown name as for a wrong password, so that timing does not tell who exists', async () => {
    const store = open();
    store.addUser('tanaka', 'kojo-no-pasuwado', 'viewer');
    const stored = JSON.parse(readFileSync(join(dir, 'users.json'), 'utf8')).users[0].passwordHash as string;
    const verify = vi.mocked(password.verifyPasswordAsync);
    verify.mockClear();
    expect(await store.verifyLogin('nobody', 'kojo-no-pasuwado')).toBeUndefined();
    expect(await store.verifyLogin('tanaka', 'wrong-password!')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(2);
    const [unknown, wrong] = verify.mock.calls.map((call) => call[1]);
    expect(wrong).toBe(stored);
    // The same parameters (N, r, p) and key length: the same work, not merely "a" hash.
    const shape = (hash = '') => hash.split('$').map((part, i) => (i < 4 ? part : Buffer.from(part, 'base64').length));
    expect(shape(unknown)).toEqual(shape(stored));
    // A second unknown name makes no hash of its own first: one scrypt each, no more.
    expect(await store.verifyLogin('nobody-else', 'kojo-no-pasuwado')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('refuses a login whose password was changed while its scrypt ran', async () => {
    const store = open();
    store.addUser('tanaka', 'kojo-no-pasuwado', 'viewer');
    const pending = store.verifyLogin('tanaka', 'kojo-no-pasuwado');
    // `minotake admin` or another request changes it in the meantime (open() is another reader of the same files).
    open().setPassword('tanaka', 'atarashii-pasuwado');
    expect(await pending).toBeUndefined();
    expect(await store.verifyLogin('tanaka', 'atarashii-pasuwado')).toMatchObject({ username: 'tanaka' });
  });

  it('asks for 10 characters, in English and Japanese, counting characters not bytes', async () => {
    const store = open();
    const short = thrown(() => store.addUser('sato', 'short-pw', 'viewer'));
    expect(short.code).toBe('PASSWORD_TOO_SHORT');
    expect(short.status).toBe(400);
    expect(short.message).toContain('at least 10 characters');
    expect(short.messageJa).toContain('10 文字以上');
    expect(thrown(() => store.addUser('sato', '工場の見える化です', 'viewer')).code).toBe('PASSWORD_TOO_SHORT');
    expect(store.addUser('sato', '工場の見える化ですね', 'viewer').username).toBe('sato');
    expect(await store.verifyLogin('sato', '工場の見える化ですね')).toBeDefined();
    expect(thrown(() => store.setPassword('sato', '123456789')).code).toBe('PASSWORD_TOO_SHORT');
  });

  it('refuses bad and duplicate user names', () => {
    const store = open();
    store.addUser('suzuki', 'password-0001', 'viewer');
    expect(thrown(() => store.addUser('suzuki', 'password-0002', 'viewer')).code).toBe('USER_EXISTS');
    expect(thrown(() => store.addUser('token:x', 'password-0002', 'viewer')).code).toBe('USERNAME_INVALID');
    expect(thrown(() => store.addUser('has space', 'password-0002', 'viewer')).code).toBe('USERNAME_INVALID');
    expect(thrown(() => store.addUser('', 'password-0002', 'viewer')).code).toBe('USERNAME_INVALID');
    expect(store.addUser('山田', 'password-0002', 'viewer').username).toBe('山田');
  });

  it('never removes or demotes the last admin', () => {
    const store = open();
    store.addUser('boss', 'password-0001', 'admin');
    store.addUser('worker', 'password-0002', 'operator');
    const removal = thrown(() => store.removeUser('boss'));
    expect(removal.code).toBe('LAST_ADMIN');
    expect(removal.status).toBe(409);
    expect(removal.messageJa).toContain('最後の管理者');
    expect(thrown(() => store.setRole('boss', 'manager')).code).toBe('LAST_ADMIN');
    expect(store.getUser('boss')?.role).toBe('admin');

    store.setRole('worker', 'admin');
    store.setRole('boss', 'manager');
    expect(thrown(() => store.removeUser('worker')).code).toBe('LAST_ADMIN');
    store.removeUser('boss');
    expect(store.listUsers().map((u) => u.username)).toEqual(['worker']);
    expect(thrown(() => store.removeUser('boss')).code).toBe('USER_NOT_FOUND');
  });

  it("changes a user's stamp with the password or role, and tells listeners", async () => {
    const store = open();
    const changes: AuthChange[] = [];
    store.onChange((change) => changes.push(change));
    store.addUser('boss', 'password-0001', 'admin');
    store.addUser('worker', 'password-0002', 'operator');
    const first = store.userStamp('worker');
    store.setPassword('worker', 'password-0003');
    const second = store.userStamp('worker');
    store.setRole('worker', 'manager');
    const third = store.userStamp('worker');
    store.setRole('worker', 'manager');
    expect(new Set([first, second, third]).size).toBe(3);
    expect(await store.verifyLogin('worker', 'password-0002')).toBeUndefined();
    expect((await store.verifyLogin('worker', 'password-0003'))?.stamp).toBe(third);
    store.removeUser('worker');
    expect(store.userStamp('worker')).toBeUndefined();
    expect(changes).toEqual([
      { kind: 'user', username: 'worker' },
      { kind: 'user', username: 'worker' },
      { kind: 'user', username: 'worker' },
    ]);
  });

  it('stores only the sha256 of a token secret, shows the secret once, and stops accepting it when revoked', () => {
    const store = open();
    const changes: AuthChange[] = [];
    store.onChange((change) => changes.push(change));
    const { token, secret } = store.createToken('api', 'Node-RED', 'manager');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(token).toEqual({ id: token.id, name: 'Node-RED', role: 'manager', kind: 'api', createdAt: clock.now });

    const file = join(dir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
    expect(JSON.stringify(store.listTokens())).not.toMatch(/hash/);

    expect(store.verifyToken(secret)).toEqual({ tokenId: token.id, name: 'Node-RED', role: 'manager', kind: 'api' });
    expect(store.verifyToken(secret, 'kiosk')).toBeUndefined();
    expect(store.verifyToken(`${secret}x`)).toBeUndefined();
    expect(store.verifyToken('')).toBeUndefined();

    store.revokeToken(token.id);
    expect(store.verifyToken(secret)).toBeUndefined();
    expect(store.isTokenActive(token.id)).toBe(false);
    expect(store.listTokens()[0]?.revokedAt).toBe(clock.now);
    expect(changes).toEqual([{ kind: 'token', tokenId: token.id }]);
    expect(thrown(() => store.revokeToken('nope')).code).toBe('TOKEN_NOT_FOUND');
  });

  it('binds kiosk tokens to viewer', () => {
    const store = open();
    expect(thrown(() => store.createToken('kiosk', 'line 1', 'operator')).code).toBe('KIOSK_ROLE');
    const { token, secret } = store.createToken('kiosk', 'line 1');
    expect(token.role).toBe('viewer');
    expect(store.verifyToken(secret, 'kiosk')?.role).toBe('viewer');
    expect(store.verifyToken(secret, 'api')).toBeUndefined();
  });

  it('writes lastUsedAt at most every 10 minutes, not on every request', () => {
    const store = open();
    const { token, secret } = store.createToken('api', 'poller', 'viewer');
    const onDisk = () => (JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')).tokens[0] as { lastUsedAt?: number }).lastUsedAt;
    const start = clock.now;
    store.verifyToken(secret);
    expect(onDisk()).toBe(start);
    clock.now += 60_000;
    store.verifyToken(secret);
    expect(onDisk()).toBe(start);
    expect(store.listTokens().find((t) => t.id === token.id)?.lastUsedAt).toBe(start + 60_000);
    clock.now += 10 * 60_000;
    store.verifyToken(secret);
    expect(onDisk()).toBe(start + 11 * 60_000);
  });

  it('exchanges a setup code for the first admin exactly once, and only within the hour', () => {
    const store = open();
    const code = store.createSetupCode();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(store.consumeSetupCode('WRONG-CODE-0000')).toBe(false);
    // A weak password is refused before the code is spent.
    expect(thrown(() => store.setupFirstAdmin(code, 'boss', 'short')).code).toBe('PASSWORD_TOO_SHORT');
    const admin = store.setupFirstAdmin(code.toLowerCase().replaceAll('-', ' '), 'boss', 'password-0001');
    expect(admin).toMatchObject({ username: 'boss', role: 'admin' });
    expect(thrown(() => store.setupFirstAdmin(code, 'boss2', 'password-0001')).code).toBe('SETUP_DONE');
    expect(store.consumeSetupCode(code)).toBe(false);
    expect(thrown(() => store.createSetupCode()).code).toBe('SETUP_DONE');
  });

  it('lets a setup code expire after an hour, and a new code replace the old one', () => {
    const store = open();
    const old = store.createSetupCode();
    const code = store.createSetupCode();
    expect(store.consumeSetupCode(old)).toBe(false);
    clock.now += HOUR;
    expect(thrown(() => store.setupFirstAdmin(code, 'boss', 'password-0001')).code).toBe('SETUP_CODE_INVALID');
    expect(store.hasUsers()).toBe(false);
  });

  it('adds an admin from the command line, seen at once by a store that is already running', () => {
    const running = open();
    running.createToken('api', 'grafana', 'viewer');
    expect(running.hasUsers()).toBe(false);
    const cli = open();
    expect(addAdminFromCli(cli, 'center', 'password-0001')).toMatchObject({ username: 'center', role: 'admin' });
    expect(thrown(() => addAdminFromCli(cli, 'center', 'password-0002')).code).toBe('USER_EXISTS');
    expect(running.hasUsers()).toBe(true);
    // The running gateway's next write keeps what the command line added.
    running.addUser('worker', 'password-0002', 'operator');
    expect(
      open()
        .listUsers()
        .map((u) => u.username),
    ).toEqual(['center', 'worker']);
    expect(
      open()
        .listTokens()
        .map((t) => t.name),
    ).toEqual(['grafana']);
  });

  it('refuses a damaged file instead of starting over without its admins', () => {
    open().addUser('boss', 'password-0001', 'admin');
    writeFileSync(join(dir, 'users.json'), '{"version":1,"users":[{"username":"boss"');
    expect(() => open()).toThrow(AuthStoreCorruptError);
    writeFileSync(join(dir, 'users.json'), '{"version":1,"users":[{"username":"boss","role":"root","passwordHash":"x","createdAt":1}]}');
    expect(() => open()).toThrow(/users\[0\]: bad role/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { addRoleUsers, type Kit, type Login, login, makeKit, PASSWORDS, withSession } from '../auth/harness.js';

let kit: Kit;
afterEach(async () => kit?.close());

/** Adds one user per role to the current kit and signs in as its admin. */
async function asAdmin(): Promise<Login> {
  addRoleUsers(kit.store);
  return login(kit.app, 'admin', PASSWORDS.admin);
}

function call(
  admin: Login,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) {
  const session = withSession(admin);
  return kit.app.inject({
    method,
    url,
    cookies: session.cookies,
    headers: { ...session.headers, ...headers },
    ...(payload ? { payload } : {}),
  });
}

describe('admin: users', () => {
  it('lists, adds, re-roles, resets and removes users', async () => {
    kit = await makeKit();
    const admin = await asAdmin();
    const added = await call(admin, 'POST', '/api/admin/users', { username: 'yamada', password: 'yamada-pass-01', role: 'operator' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ username: 'yamada', role: 'operator', createdAt: kit.clock.now });
    const list = await call(admin, 'GET', '/api/admin/users');
    expect(list.json().map((u: { username: string }) => u.username)).toEqual(['viewer', 'operator', 'manager', 'admin', 'yamada']);
    expect(list.body).not.toContain('scrypt');

    expect(
      (await call(admin, 'POST', '/api/admin/users', { username: 'yamada', password: 'yamada-pass-01', role: 'viewer' })).json().code,
    ).toBe('USER_EXISTS');
    const role = await call(admin, 'PUT', '/api/admin/users/yamada/role', { role: 'manager' });
    expect(role.json()).toMatchObject({ username: 'yamada', role: 'manager' });

    const short = await call(admin, 'PUT', '/api/admin/users/yamada/password', { password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toEqual({
      code: 'PASSWORD_TOO_SHORT',
      message: 'The password must be at least 10 characters long.',
      messageJa: 'パスワードは 10 文字以上にしてください。',
    });
    expect((await call(admin, 'PUT', '/api/admin/users/yamada/password', { password: 'yamada-pass-02' })).statusCode).toBe(204);
    expect((await login(kit.app, 'yamada', 'yamada-pass-02')).response.json()).toMatchObject({ role: 'manager' });

    expect((await call(admin, 'DELETE', '/api/admin/users/yamada')).statusCode).toBe(204);
    const gone = await call(admin, 'DELETE', '/api/admin/users/yamada');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('USER_NOT_FOUND');
  });

  it('keeps the last admin', async () => {
    kit = await makeKit();
    const admin = await asAdmin();
    const removal = await call(admin, 'DELETE', '/api/admin/users/admin');
    expect(removal.statusCode).toBe(409);
    expect(removal.json()).toMatchObject({ code: 'LAST_ADMIN', messageJa: expect.stringContaining('最後の管理者') });
    expect((await call(admin, 'PUT', '/api/admin/users/admin/role', { role: 'viewer' })).statusCode).toBe(409);
    expect(kit.store.getUser('admin')?.role).toBe('admin');
  });

  it('answers schema errors as a bilingual ErrorBody', async () => {
    kit = await makeKit();
    const admin = await asAdmin();
    const bad = await call(admin, 'POST', '/api/admin/users', { username: 'x', password: 'long-enough-pass', role: 'root' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION', message: expect.any(String), messageJa: expect.any(String) });
  });

  it('is for admins only', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const manager = await login(kit.app, 'manager', PASSWORDS.manager);
    for (const [method, url] of [
      ['GET', '/api/admin/users'],
      ['POST', '/api/admin/users'],
      ['GET', '/api/admin/tokens'],
      ['POST', '/api/admin/tokens'],
      ['DELETE', '/api/admin/tokens/x'],
      ['PUT', '/api/admin/users/viewer/role'],
    ] as const) {
      const response = await call(manager, method, url, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json().code).toBe('FORBIDDEN');
    }
    expect((await kit.app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401);
  });
});

describe('admin: tokens', () => {
  it('creates an API token whose secret is shown once and never listed', async () => {
    kit = await makeKit();
    const admin = await asAdmin();
    const created = await call(admin, 'POST', '/api/admin/tokens', { kind: 'api', name: 'Grafana', role: 'manager' });
    expect(created.statusCode).toBe(201);
    const { token, secret, url } = created.json();
    expect(url).toBeUndefined();
    expect(token).toEqual({ id: token.id, name: 'Grafana', role: 'manager', kind: 'api', createdAt: kit.clock.now });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const listed = await call(admin, 'GET', '/api/admin/tokens');
    expect(listed.json()).toEqual([token]);
    expect(listed.body).not.toContain(secret);
    expect(listed.body).not.toMatch(/hash/);

    const used = await kit.app.inject({ method: 'GET', url: '/test/manager', headers: { authorization: `Bearer ${secret}` } });
    expect(used.statusCode).toBe(200);
    const revoked = await call(admin, 'DELETE', `/api/admin/tokens/${token.id}`);
    expect(revoked.json()).toMatchObject({ id: token.id, revokedAt: kit.clock.now });
    expect((await kit.app.inject({ method: 'GET', url: '/test/viewer', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(
      401,
    );
    expect((await call(admin, 'DELETE', '/api/admin/tokens/unknown')).json().code).toBe('TOKEN_NOT_FOUND');
  });

  it('creates a kiosk token with its full link, from the Host header and the proxy scheme, under the base path', async () => {
    kit = await makeKit({ basePath: '/minotake/' });
    const admin = await asAdmin();
    const created = await call(
      admin,
      'POST',
      '/api/admin/tokens',
      { kind: 'kiosk', name: 'line 2 tablet' },
      {
        host: 'kit-07.local:8080',
        'x-forwarded-proto': 'https',
      },
    );
    expect(created.statusCode).toBe(201);
    const { token, secret, url } = created.json();
    expect(token).toMatchObject({ kind: 'kiosk', role: 'viewer', name: 'line 2 tablet' });
    expect(url).toBe(`https://kit-07.local:8080/minotake/api/auth/kiosk/${secret}`);

    const plain = await call(admin, 'POST', '/api/admin/tokens', { kind: 'kiosk', name: 'office' }, { host: '192.168.1.20' });
    expect(plain.json().url).toMatch(/^http:\/\/192\.168\.1\.20\/minotake\/api\/auth\/kiosk\/[A-Za-z0-9_-]{43}$/);

    const opened = await kit.app.inject({ method: 'GET', url: new URL(url).pathname.replace('/minotake', '') });
    expect(opened.statusCode).toBe(303);

    const elevated = await call(admin, 'POST', '/api/admin/tokens', { kind: 'kiosk', name: 'x', role: 'operator' });
    expect(elevated.statusCode).toBe(400);
    expect(elevated.json().code).toBe('KIOSK_ROLE');
  });
});

describe('the store files', () => {
  it('survive a restart: users log in and tokens work again; sessions kept only in memory do not (the kit keeps them in a file)', async () => {
    kit = await makeKit();
    const admin = await asAdmin();
    await call(admin, 'POST', '/api/admin/users', { username: 'kato', password: 'kato-pass-0001', role: 'operator' });
    const { secret } = (await call(admin, 'POST', '/api/admin/tokens', { kind: 'api', name: 'mes', role: 'operator' })).json();
    kit = await kit.restart();
    expect((await kit.app.inject({ method: 'GET', url: '/test/viewer', ...withSession(admin) })).statusCode).toBe(401);
    expect((await login(kit.app, 'kato', 'kato-pass-0001')).response.statusCode).toBe(200);
    expect(
      (await kit.app.inject({ method: 'GET', url: '/test/operator', headers: { authorization: `Bearer ${secret}` } })).statusCode,
    ).toBe(200);
    expect(kit.store.listUsers().map((u) => u.username)).toContain('kato');
  });
});

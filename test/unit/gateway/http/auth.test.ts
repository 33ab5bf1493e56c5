import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_DEFAULTS } from '../../../../gateway/auth/sessions.js';
import { defaultAccess } from '../../../../gateway/http/plugins/auth.js';
import { LOGIN_LIMITS } from '../../../../gateway/http/routes/auth.js';
import { ROLE_ORDER } from '../../../../gateway/http/schemas.js';
import { ACCESS_LEVELS, addRoleUsers, type Kit, login, makeKit, PASSWORDS, ROLES, withSession } from '../auth/harness.js';

const HOUR = 60 * 60 * 1000;
let kit: Kit;
afterEach(async () => kit?.close());

describe('login and logout', () => {
  it('signs in with an httpOnly SameSite=Strict cookie and answers Me', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const { response, cookie, csrf } = await login(kit.app, 'operator', PASSWORDS.operator);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'operator', role: 'operator', kiosk: false, csrfToken: csrf });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^minotake_session=${cookie};`));
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(setCookie).not.toMatch(/; Secure/i);

    const me = await kit.app.inject({ method: 'GET', url: '/api/auth/me', ...withSession({ response, cookie, csrf }, false) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ username: 'operator', role: 'operator', kiosk: false, csrfToken: csrf });
  });

  it('sets Path to the base path and Secure under TLS', async () => {
    kit = await makeKit({ basePath: '/minotake/', secureCookies: true });
    addRoleUsers(kit.store);
    const { response } = await login(kit.app, 'viewer', PASSWORDS.viewer);
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies[0];
    expect(cookie).toMatchObject({ name: 'minotake_session', path: '/minotake/', secure: true, httpOnly: true, sameSite: 'Strict' });
  });

  it('answers a wrong password and an unknown user alike with 401', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const wrong = await login(kit.app, 'admin', 'not-the-password');
    const unknown = await login(kit.app, 'nobody', 'not-the-password');
    expect(wrong.response.statusCode).toBe(401);
    expect(unknown.response.statusCode).toBe(401);
    expect(wrong.response.json()).toEqual(unknown.response.json());
    expect(wrong.response.json()).toEqual({
      code: 'BAD_CREDENTIALS',
      message: 'Wrong user name or password.',
      messageJa: 'ユーザー名またはパスワードが違います。',
    });
    expect(wrong.response.cookies).toEqual([]);
    expect(kit.sessions.size).toBe(0);
  });

  it('rate-limits login attempts per address over all names, even with the right password', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    for (let attempt = 1; attempt <= LOGIN_LIMITS.perAddress; attempt++) {
      const { response } = await login(kit.app, `guess${attempt}`, 'not-the-password', '192.0.2.7');
      expect(response.statusCode, `attempt ${attempt}`).toBe(401);
    }
    const blocked = await login(kit.app, 'admin', PASSWORDS.admin, '192.0.2.7');
    expect(blocked.response.statusCode).toBe(429);
    expect(blocked.response.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(blocked.response.json().messageJa).toMatch(/秒後/);
    expect(Number(blocked.response.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.cookie).toBe('');
    // Another address is not affected.
    expect((await login(kit.app, 'admin', PASSWORDS.admin, '192.0.2.8')).response.statusCode).toBe(200);
  });

  it("rate-limits a user name per address: an attacker's wrong guesses cannot lock the real admin out", async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    for (let attempt = 1; attempt <= LOGIN_LIMITS.perUserAndAddress; attempt++) {
      const { response } = await login(kit.app, 'admin', 'not-the-password', '198.51.100.66');
      expect(response.statusCode, `attempt ${attempt}`).toBe(401);
    }
    // The attacker's address is done with that name, even holding the right password (or a name written in other case)...
    expect((await login(kit.app, 'admin', PASSWORDS.admin, '198.51.100.66')).response.statusCode).toBe(429);
    expect((await login(kit.app, 'ADMIN', 'not-the-password', '198.51.100.66')).response.statusCode).toBe(429);
    // ...but the admin at their own desk signs in at once, and so does a colleague behind the attacker's address.
    expect((await login(kit.app, 'admin', PASSWORDS.admin, '198.51.100.10')).response.statusCode).toBe(200);
    expect((await login(kit.app, 'viewer', PASSWORDS.viewer, '198.51.100.66')).response.statusCode).toBe(200);
    // Still so after ten more wrong guesses from each of ten other addresses.
    for (let host = 1; host <= 10; host++) {
      for (let attempt = 1; attempt <= LOGIN_LIMITS.perUserAndAddress; attempt++)
        await login(kit.app, 'admin', 'wrong-again', `203.0.113.${host}`);
    }
    expect((await login(kit.app, 'admin', PASSWORDS.admin, '198.51.100.10')).response.statusCode).toBe(200);
  });

  it('ends the session on logout', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const session = await login(kit.app, 'viewer', PASSWORDS.viewer);
    const logout = await kit.app.inject({ method: 'POST', url: '/api/auth/logout', ...withSession(session) });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/minotake_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(kit.sessions.size).toBe(0);
    const me = await kit.app.inject({ method: 'GET', url: '/api/auth/me', ...withSession(session) });
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe('AUTH_REQUIRED');
  });

  it('ends a session after 2 idle hours and 12 hours in all', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const me = (session: Awaited<ReturnType<typeof login>>) =>
      kit.app.inject({ method: 'GET', url: '/api/auth/me', ...withSession(session, false) }).then((r) => r.statusCode);
    const idle = await login(kit.app, 'viewer', PASSWORDS.viewer);
    const busy = await login(kit.app, 'manager', PASSWORDS.manager);
    kit.clock.now += 2 * HOUR - 60_000;
    expect(await me(busy)).toBe(200);
    kit.clock.now += 60_000;
    expect(await me(idle)).toBe(401);
    // Used every hour from 3:00 to 11:00, then once more at 11:59: never idle, yet over at 12:00.
    for (let hour = 3; hour <= 11; hour++) {
      kit.clock.now += HOUR;
      expect(await me(busy), `${hour}:00`).toBe(200);
    }
    kit.clock.now += HOUR - 60_000;
    expect(await me(busy)).toBe(200);
    kit.clock.now += 60_000;
    expect(await me(busy)).toBe(401);
  });
});

describe('access by role', () => {
  it('lets each role reach its own level and the ones below, and no higher', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    for (const access of ACCESS_LEVELS) {
      const anonymous = await kit.app.inject({ method: 'GET', url: `/test/${access}` });
      expect(anonymous.statusCode, `anonymous → ${access}`).toBe(access === 'public' ? 200 : 401);
      if (access !== 'public') expect(anonymous.json()).toMatchObject({ code: 'AUTH_REQUIRED', messageJa: expect.any(String) });
    }
    for (const role of ROLES) {
      const session = await login(kit.app, role, PASSWORDS[role]);
      for (const access of ACCESS_LEVELS) {
        const allowed = access === 'public' || ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(access);
        const response = await kit.app.inject({ method: 'GET', url: `/test/${access}`, ...withSession(session, false) });
        expect(response.statusCode, `${role} → ${access}`).toBe(allowed ? 200 : 403);
        if (!allowed)
          expect(response.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String), messageJa: expect.any(String) });
        else if (access !== 'public') {
          expect(response.json().principal).toEqual({ username: role, role, kiosk: false, via: 'session' });
        }
      }
    }
  });

  it('treats a route without access as admin-only', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    expect((await kit.app.inject({ method: 'GET', url: '/test/unmarked' })).statusCode).toBe(401);
    const manager = await login(kit.app, 'manager', PASSWORDS.manager);
    expect((await kit.app.inject({ method: 'GET', url: '/test/unmarked', ...withSession(manager) })).statusCode).toBe(403);
    const admin = await login(kit.app, 'admin', PASSWORDS.admin);
    expect((await kit.app.inject({ method: 'GET', url: '/test/unmarked', ...withSession(admin) })).statusCode).toBe(200);
    expect((await kit.app.inject({ method: 'POST', url: '/test/unmarked', ...withSession(admin) })).statusCode).toBe(200);
  });

  it('lets a scope give its unmarked routes another default (defaultAccess), e.g. public static files', async () => {
    kit = await makeKit({
      extra: async (app) => {
        await app.register(async (scope) => {
          defaultAccess(scope, 'public');
          scope.get('/assets/app.js', async () => 'ok');
          scope.get('/assets/private', { config: { access: 'manager' } }, async () => 'ok');
        });
      },
    });
    expect((await kit.app.inject({ method: 'GET', url: '/assets/app.js' })).statusCode).toBe(200);
    expect((await kit.app.inject({ method: 'GET', url: '/assets/private' })).statusCode).toBe(401);
    expect((await kit.app.inject({ method: 'GET', url: '/test/unmarked' })).statusCode).toBe(401);
  });

  it('answers 404, not 401, for a URL that does not exist', async () => {
    kit = await makeKit();
    expect((await kit.app.inject({ method: 'GET', url: '/api/no/such/thing' })).statusCode).toBe(404);
  });
});

describe('CSRF', () => {
  it('requires x-csrf-token on a cookie-authenticated write, not on a read', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const session = await login(kit.app, 'operator', PASSWORDS.operator);
    const cookieOnly = withSession(session, false);
    expect((await kit.app.inject({ method: 'GET', url: '/test/operator', ...cookieOnly })).statusCode).toBe(200);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const missing = await kit.app.inject({ method, url: '/test/operator', ...cookieOnly });
      expect(missing.statusCode, method).toBe(403);
      expect(missing.json()).toMatchObject({ code: 'CSRF', messageJa: expect.stringContaining('CSRF') });
    }
    const wrong = await kit.app.inject({
      method: 'POST',
      url: '/test/operator',
      cookies: cookieOnly.cookies,
      // One character off (never the same character: the token is random and may already end in A).
      headers: { 'x-csrf-token': `${session.csrf.slice(0, -1)}${session.csrf.endsWith('A') ? 'B' : 'A'}` },
    });
    expect(wrong.statusCode).toBe(403);
    expect((await kit.app.inject({ method: 'POST', url: '/test/operator', ...withSession(session) })).statusCode).toBe(200);
    const logout = await kit.app.inject({ method: 'POST', url: '/api/auth/logout', ...cookieOnly });
    expect(logout.statusCode).toBe(403);
    expect(kit.sessions.size).toBe(1);
  });
});

describe('API tokens', () => {
  it('work as Bearer without a CSRF token, at their own role, until revoked', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const { token, secret } = kit.store.createToken('api', 'Node-RED', 'manager');
    const bearer = { authorization: `Bearer ${secret}` };
    const read = await kit.app.inject({ method: 'GET', url: '/test/manager', headers: bearer });
    expect(read.statusCode).toBe(200);
    expect(read.json().principal).toEqual({ username: 'token:Node-RED', role: 'manager', kiosk: false, via: 'token', tokenId: token.id });
    expect((await kit.app.inject({ method: 'POST', url: '/test/manager', headers: bearer })).statusCode).toBe(200);
    expect((await kit.app.inject({ method: 'GET', url: '/test/admin', headers: bearer })).statusCode).toBe(403);
    const me = await kit.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer });
    expect(me.json()).toEqual({ username: 'token:Node-RED', role: 'manager', kiosk: false, csrfToken: '' });

    kit.store.revokeToken(token.id);
    const revoked = await kit.app.inject({ method: 'GET', url: '/test/viewer', headers: bearer });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('AUTH_REQUIRED');
  });

  it('refuses a bad Bearer token even beside a good cookie, and a kiosk secret as Bearer', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const session = await login(kit.app, 'admin', PASSWORDS.admin);
    const bad = await kit.app.inject({
      method: 'GET',
      url: '/test/viewer',
      cookies: withSession(session).cookies,
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(bad.statusCode).toBe(401);
    const { secret } = kit.store.createToken('kiosk', 'line 1');
    expect((await kit.app.inject({ method: 'GET', url: '/test/viewer', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(
      401,
    );
  });
});

describe('kiosk link', () => {
  it('gives a viewer session and sends the tablet to the dashboard; revoking the token ends it', async () => {
    kit = await makeKit({ basePath: '/minotake/' });
    addRoleUsers(kit.store);
    const { token, secret } = kit.store.createToken('kiosk', 'line 1');
    const open = await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${secret}` });
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe('/minotake/');
    expect(open.headers['referrer-policy']).toBe('no-referrer');
    const cookie = open.cookies.find((c) => c.name === 'minotake_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/minotake/' });
    expect(cookie?.maxAge).toBeGreaterThanOrEqual(30 * 24 * 60 * 60);
    const cookies = { minotake_session: cookie!.value };

    const me = await kit.app.inject({ method: 'GET', url: '/api/auth/me', cookies });
    expect(me.json()).toMatchObject({ username: 'kiosk:line 1', role: 'viewer', kiosk: true });
    expect((await kit.app.inject({ method: 'GET', url: '/test/viewer', cookies })).statusCode).toBe(200);
    expect((await kit.app.inject({ method: 'GET', url: '/test/operator', cookies })).statusCode).toBe(403);

    // Opening the link again on the same tablet keeps its session.
    const again = await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${secret}`, cookies });
    expect(again.statusCode).toBe(303);
    expect(again.cookies).toEqual([]);
    expect(kit.sessions.size).toBe(1);

    // Still signed in after three weeks of daily use.
    for (let day = 0; day < 21; day++) {
      kit.clock.now += 24 * HOUR;
      expect((await kit.app.inject({ method: 'GET', url: '/api/auth/me', cookies })).statusCode).toBe(200);
    }

    const admin = await login(kit.app, 'admin', PASSWORDS.admin);
    const revoke = await kit.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${token.id}`, ...withSession(admin) });
    expect(revoke.statusCode).toBe(200);
    expect(kit.sessions.size).toBe(1);
    expect((await kit.app.inject({ method: 'GET', url: '/api/auth/me', cookies })).statusCode).toBe(401);
    expect((await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${secret}` })).statusCode).toBe(401);
  });

  it('survives 1,010 cookie-less visits to the kiosk link: the admin and the manager stay signed in', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const admin = await login(kit.app, 'admin', PASSWORDS.admin);
    const manager = await login(kit.app, 'manager', PASSWORDS.manager);
    const { secret } = kit.store.createToken('kiosk', 'line 1');
    const wallTablet = { minotake_session: (await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${secret}` })).cookies[0]!.value };
    const tabletSignedIn = async () =>
      (await kit.app.inject({ method: 'GET', url: '/api/auth/me', cookies: wallTablet })).statusCode === 200;
    kit.clock.now += 1000;
    expect(await tabletSignedIn()).toBe(true);
    kit.clock.now += 60_000;
    // Each from its own address, as when every client could claim one: the per-address limit is not what saves the day here.
    for (let visit = 0; visit < 1010; visit++) {
      const address = `10.${visit >> 8}.${visit & 255}.1`;
      const response = await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${secret}`, remoteAddress: address });
      expect(response.statusCode).toBe(303);
    }
    for (const person of [admin, manager]) {
      expect((await kit.app.inject({ method: 'GET', url: '/api/auth/me', ...withSession(person, false) })).statusCode).toBe(200);
    }
    // The flood only ever pushed out its own link's sessions, and those it made itself first: the tablet that uses the link stays.
    expect(await tabletSignedIn()).toBe(true);
    expect(kit.sessions.size).toBe(2 + SESSION_DEFAULTS.maxPerKioskLink);
  });

  it('refuses an invalid link with JSON, or a bilingual page for a browser', async () => {
    kit = await makeKit();
    const json = await kit.app.inject({ method: 'GET', url: '/api/auth/kiosk/nonsense' });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toMatchObject({ code: 'KIOSK_LINK_INVALID', messageJa: expect.stringContaining('キオスク') });
    expect(json.cookies).toEqual([]);
    const page = await kit.app.inject({ method: 'GET', url: '/api/auth/kiosk/nonsense', headers: { accept: 'text/html,*/*' } });
    expect(page.statusCode).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('キオスク用リンクが無効です');
    expect(page.body).toContain('Kiosk link invalid');
  });
});

describe('first admin by setup code', () => {
  it('creates the first admin exactly once and signs them in', async () => {
    kit = await makeKit();
    expect((await kit.app.inject({ method: 'GET', url: '/api/auth/setup' })).json()).toEqual({ setupRequired: true });
    const code = kit.store.createSetupCode();
    const setup = (body: object) => kit.app.inject({ method: 'POST', url: '/api/auth/setup', payload: body });

    const wrong = await setup({ code: 'AAAA-BBBB-CCCC', username: 'center', password: 'center-pass-01' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('SETUP_CODE_INVALID');
    const weak = await setup({ code, username: 'center', password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ code: 'PASSWORD_TOO_SHORT', messageJa: expect.stringContaining('10 文字以上') });

    const done = await setup({ code, username: 'center', password: 'center-pass-01' });
    expect(done.statusCode).toBe(201);
    const me = done.json();
    expect(me).toMatchObject({ username: 'center', role: 'admin', kiosk: false });
    const cookies = { minotake_session: done.cookies[0]!.value };
    const admin = await kit.app.inject({ method: 'GET', url: '/test/admin', cookies });
    expect(admin.statusCode).toBe(200);

    const twice = await setup({ code, username: 'intruder', password: 'intruder-pass' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('SETUP_DONE');
    expect(kit.store.listUsers().map((u) => u.username)).toEqual(['center']);
    expect((await kit.app.inject({ method: 'GET', url: '/api/auth/setup' })).json()).toEqual({ setupRequired: false });
  });
});

describe('changes to a user end their sessions', () => {
  it('on a new password, a new role, and removal', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const admin = await login(kit.app, 'admin', PASSWORDS.admin);
    const targets = await Promise.all(['viewer', 'operator', 'manager'].map((u) => login(kit.app, u, PASSWORDS[u as 'viewer'])));
    const alive = (s: (typeof targets)[number]) =>
      kit.app.inject({ method: 'GET', url: '/test/viewer', ...withSession(s, false) }).then((r) => r.statusCode === 200);
    for (const s of targets) expect(await alive(s)).toBe(true);

    const as = withSession(admin);
    expect(
      (await kit.app.inject({ method: 'PUT', url: '/api/admin/users/viewer/password', payload: { password: 'new-pass-0001' }, ...as }))
        .statusCode,
    ).toBe(204);
    expect(
      (await kit.app.inject({ method: 'PUT', url: '/api/admin/users/operator/role', payload: { role: 'manager' }, ...as })).statusCode,
    ).toBe(200);
    expect((await kit.app.inject({ method: 'DELETE', url: '/api/admin/users/manager', ...as })).statusCode).toBe(204);
    expect(await Promise.all(targets.map(alive))).toEqual([false, false, false]);
    expect(await alive(admin)).toBe(true);
  });

  it('also when the change comes from another process writing the files', async () => {
    kit = await makeKit();
    addRoleUsers(kit.store);
    const session = await login(kit.app, 'operator', PASSWORDS.operator);
    const { AuthStore } = await import('../../../../gateway/auth/store.js');
    new AuthStore(kit.store.dir).setPassword('operator', 'changed-elsewhere');
    expect((await kit.app.inject({ method: 'GET', url: '/test/viewer', ...withSession(session) })).statusCode).toBe(401);
  });
});

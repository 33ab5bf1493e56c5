import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { authLogSerializers, redactUrl } from '../../../../gateway/http/plugins/auth.js';
import { type Kit, login, makeKit, withSession } from '../auth/harness.js';

let kit: Kit;
afterEach(async () => kit?.close());

describe('secrets stay out of logs and files', () => {
  it('logs no password, token secret, setup code, session id or CSRF token, even at trace with request logging on', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'trace', serializers: authLogSerializers }, { write: (line: string) => lines.push(line) });
    kit = await makeKit({ log, requestLogging: true });
    const secrets: string[] = [];

    const code = kit.store.createSetupCode();
    secrets.push(code, code.replaceAll('-', ''));
    const adminPassword = 'Setup-Passw0rd-Admin';
    secrets.push(adminPassword);
    expect(
      (await kit.app.inject({ method: 'POST', url: '/api/auth/setup', payload: { code, username: 'boss', password: adminPassword } }))
        .statusCode,
    ).toBe(201);

    const wrongPassword = 'Wrong-Passw0rd-Guess';
    secrets.push(wrongPassword);
    expect((await login(kit.app, 'boss', wrongPassword)).response.statusCode).toBe(401);
    // A password typed into the user name field must not reach the log either.
    expect((await login(kit.app, 'Mistyped-Passw0rd-AsName', wrongPassword)).response.statusCode).toBe(401);
    secrets.push('Mistyped-Passw0rd-AsName');

    const admin = await login(kit.app, 'boss', adminPassword);
    secrets.push(admin.cookie, admin.csrf);
    const userPassword = 'Operator-Passw0rd-New';
    secrets.push(userPassword);
    const as = withSession(admin);
    await kit.app.inject({
      method: 'POST',
      url: '/api/admin/users',
      payload: { username: 'op', password: userPassword, role: 'operator' },
      ...as,
    });
    await kit.app.inject({ method: 'PUT', url: '/api/admin/users/op/password', payload: { password: `${userPassword}2` }, ...as });

    const api = (
      await kit.app.inject({ method: 'POST', url: '/api/admin/tokens', payload: { kind: 'api', name: 'n', role: 'viewer' }, ...as })
    ).json();
    const kiosk = (await kit.app.inject({ method: 'POST', url: '/api/admin/tokens', payload: { kind: 'kiosk', name: 'k' }, ...as })).json();
    secrets.push(api.secret, kiosk.secret);
    expect(
      (await kit.app.inject({ method: 'GET', url: '/test/viewer', headers: { authorization: `Bearer ${api.secret}` } })).statusCode,
    ).toBe(200);
    expect(
      (await kit.app.inject({ method: 'GET', url: '/test/viewer', headers: { authorization: `Bearer ${api.secret}x` } })).statusCode,
    ).toBe(401);
    const tablet = await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${kiosk.secret}` });
    expect(tablet.statusCode).toBe(303);
    secrets.push(tablet.cookies[0]!.value);
    expect((await kit.app.inject({ method: 'GET', url: `/api/auth/kiosk/${kiosk.secret}x` })).statusCode).toBe(401);

    const output = lines.join('');
    // The log did record these requests: the test would see a leak.
    expect(output).toContain('incoming request');
    expect(output).toContain('/api/auth/kiosk/[redacted]');
    expect(output).toContain('"msg":"login failed"');
    expect(output).toContain('"msg":"login"');
    for (const secret of secrets) expect(output, secret).not.toContain(secret);
    expect(output).not.toContain('scrypt$');

    const files = ['users.json', 'tokens.json'].map((name) => readFileSync(join(kit.store.dir, name), 'utf8')).join('\n');
    expect(files).toContain('boss');
    for (const secret of secrets) expect(files, secret).not.toContain(secret);
  });

  it('redacts the kiosk secret from a URL', () => {
    expect(redactUrl('/api/auth/kiosk/abcDEF_-123?x=1')).toBe('/api/auth/kiosk/[redacted]?x=1');
    expect(redactUrl('/minotake/api/auth/kiosk/abc')).toBe('/minotake/api/auth/kiosk/[redacted]');
    expect(redactUrl('/api/auth/me')).toBe('/api/auth/me');
  });
});

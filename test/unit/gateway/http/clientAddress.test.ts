import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { LOGIN_LIMITS } from '../../../../gateway/http/routes/auth.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

const PROXY = '192.0.2.50';
let app: FastifyInstance;
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await app?.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

function start(trustProxy?: string[]) {
  const dir = tempDir('client-address');
  dirs.push(dir);
  const config = parseKitConfig({
    kit: { id: 'k1', site: 'proxy' },
    sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
    machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    http: trustProxy ? { trustProxy } : {},
  });
  const built = buildTestApp(config, dir.path);
  app = built.app;
  built.auth.addUser('admin', 'admin-password-1', 'admin');
}

/** One failed login from `remoteAddress` (the socket), claiming to be `forwardedFor`. */
const guess = (remoteAddress: string, forwardedFor: string, username = `guess-${forwardedFor}`) =>
  app
    .inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { username, password: 'not-the-password' },
    })
    .then((r) => r.statusCode);

describe('the client address behind the per-address limits', () => {
  it('ignores X-Forwarded-For unless the kit file names a proxy: a client cannot claim new addresses', async () => {
    start();
    for (let i = 1; i <= LOGIN_LIMITS.perAddress; i++) expect(await guess('198.51.100.9', `10.0.0.${i}`)).toBe(401);
    // Every "new" address was the same socket address: its limit bites.
    expect(await guess('198.51.100.9', '10.0.1.1')).toBe(429);
  });

  it('believes X-Forwarded-For from the named proxy, so each client behind it has its own allowance', async () => {
    start([PROXY]);
    for (let i = 1; i <= LOGIN_LIMITS.perAddress; i++) expect(await guess(PROXY, '10.0.0.1', `name-${i}`)).toBe(401);
    expect(await guess(PROXY, '10.0.0.1')).toBe(429);
    // Another client through the same proxy is not held up by the first one.
    expect(await guess(PROXY, '10.0.0.2')).toBe(401);
  });

  it('still ignores the header from anybody but the named proxy', async () => {
    start([PROXY]);
    for (let i = 1; i <= LOGIN_LIMITS.perAddress; i++) expect(await guess('198.51.100.9', `10.0.0.${i}`)).toBe(401);
    expect(await guess('198.51.100.9', '10.0.1.1')).toBe(429);
  });

  it('takes a CIDR range of proxies', async () => {
    start(['192.0.2.0/28']);
    for (let i = 1; i <= LOGIN_LIMITS.perAddress; i++) expect(await guess('192.0.2.14', '10.0.0.1', `name-${i}`)).toBe(401);
    expect(await guess('192.0.2.14', '10.0.0.1')).toBe(429);
    expect(await guess('192.0.2.3', '10.0.0.2')).toBe(401);
  });
});

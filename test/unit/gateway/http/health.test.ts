import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { SESSION_COOKIE } from '../../../../gateway/http/plugins/auth.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

const config = parseKitConfig({
  kit: { id: 'k1', site: 'health' },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
  machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
});
/** What a real kit reports: which machines run, which nodes are silent — nothing an anonymous visitor should read. */
const report = { ok: true, kit: 'k1', edge: { nodes: { n1: { online: false } } }, storage: { state: 'direct' } };

let app: FastifyInstance;
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await app?.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

function start(health: () => Record<string, unknown> & { ok: boolean } = () => report) {
  const dir = tempDir('health');
  dirs.push(dir);
  const built = buildTestApp(config, dir.path, undefined, health);
  app = built.app;
  built.auth.addUser('viewer', 'viewer-password-1', 'viewer');
  return built;
}

const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('GET /api/health', () => {
  it('tells an anonymous caller only whether the kit is alive, and its version', async () => {
    start();
    const response = await app.inject('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, version });
    expect(response.body).not.toContain('n1');
  });

  it('answers 503 when a part is down, still without details', async () => {
    start(() => ({ ...report, ok: false, failures: { schema: 'connection refused' } }));
    const response = await app.inject('/api/health');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ ok: false, version });
  });

  it('gives the counters to a viewer session and to an API token', async () => {
    const { auth } = start();
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'viewer', password: 'viewer-password-1' },
    });
    const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
    const bySession = await app.inject({ url: '/api/health', cookies: { [SESSION_COOKIE]: cookie } });
    expect(bySession.json()).toEqual({ ...report, version });
    const { secret } = auth.createToken('api', 'monitor', 'viewer');
    const byToken = await app.inject({ url: '/api/health', headers: { authorization: `Bearer ${secret}` } });
    expect(byToken.json()).toEqual({ ...report, version });
    expect(byToken.headers['cache-control']).toBe('no-store');
  });

  it('falls back to liveness, not an error, for a bad token or an ended session', async () => {
    start();
    const badToken = await app.inject({ url: '/api/health', headers: { authorization: 'Bearer not-a-token' } });
    expect(badToken.statusCode).toBe(200);
    expect(badToken.json()).toEqual({ ok: true, version });
    const ended = await app.inject({ url: '/api/health', cookies: { [SESSION_COOKIE]: 'ended-long-ago' } });
    expect(ended.json()).toEqual({ ok: true, version });
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

/** What may be reached without signing in: login, health, static assets and the doors that lead to a session. */
const PUBLIC = new Set([
  'GET /api/health',
  'POST /api/auth/login',
  'GET /api/auth/setup',
  'POST /api/auth/setup',
  'GET /api/auth/kiosk/:secret',
]);
const isStatic = (url: string) => !url.startsWith('/api/');

const config = parseKitConfig({
  kit: { id: 'k1', site: 'sweep' },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
  machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
  zones: [{ id: 'z1', name: 'Z1', source: { node: 'n1', channel: 'env1' } }],
});

let app: FastifyInstance;
const routes: { method: string; url: string; access: string }[] = [];
const seen: { method: string | string[]; url: string; config?: { access?: string } }[] = [];
const dir = tempDir('sweep');

beforeAll(async () => {
  app = buildTestApp(config, dir.path).app;
  // Kept as objects and read after ready(): a child scope's own onRoute hook may set access after this one ran.
  app.addHook('onRoute', (route) => {
    seen.push(route as (typeof seen)[number]);
  });
  await app.ready();
  for (const route of seen) {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access: String(route.config?.access ?? 'admin') });
    }
  }
});
afterAll(async () => {
  await app.close();
  dir.remove();
});

describe('every API route refuses anonymous requests (walks the whole route table)', () => {
  it('found the routes', () => {
    expect(routes.filter((r) => r.url.startsWith('/api/')).length).toBeGreaterThan(20);
  });

  it('marks public only login, health, setup, the kiosk door and static assets', () => {
    const publicRoutes = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    for (const route of publicRoutes) expect(PUBLIC.has(route) || isStatic(route.split(' ')[1] as string), route).toBe(true);
  });

  it('answers 401 to an anonymous request on every other route', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const url = route.url.replace(/:(\w+)/g, 'x').replace('*', 'x');
      const response = await app.inject({ method: route.method as 'GET', url, payload: route.method === 'GET' ? undefined : {} });
      if (response.statusCode !== 401) refused.push(`${route.method} ${route.url} → ${response.statusCode}`);
      else expect(response.json()).toMatchObject({ code: 'AUTH_REQUIRED', messageJa: expect.any(String) });
    }
    expect(refused).toEqual([]);
  });

  it('serves the OpenAPI document only to a signed-in user, listing the routes', async () => {
    expect((await app.inject('/api/openapi.json')).statusCode).toBe(401);
    const spec = app.swagger() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/api/live');
    expect(Object.keys(spec.paths)).toContain('/api/utilization');
  });
});

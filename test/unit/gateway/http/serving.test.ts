import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { buildTestApp } from '../../../helpers/app.js';
import { requireCommand, tempDir } from '../../../helpers/services.js';

const apps: FastifyInstance[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

function appWith(http: Record<string, unknown>) {
  const dir = tempDir('serving');
  dirs.push(dir);
  const config = parseKitConfig({
    kit: { id: 'k1', site: 'serving' },
    sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
    machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    http,
  });
  const dashboard = join(dir.path, 'dashboard');
  mkdirSync(join(dashboard, 'assets'), { recursive: true });
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>Minotake</title>');
  writeFileSync(join(dashboard, 'assets', 'index-abc123.js'), 'console.log(1)');
  const { app, auth } = buildTestApp(config, dir.path, dashboard);
  auth.addUser('admin', 'admin-password-1', 'admin');
  apps.push(app);
  return { app, dir: dir.path };
}

describe('serving the kit', () => {
  it('serves everything under a base path behind a reverse proxy, and redirects the bare path', async () => {
    const { app } = appWith({ basePath: '/kit-a01/' });
    expect((await app.inject('/kit-a01/api/health')).statusCode).toBe(200);
    expect((await app.inject('/api/health')).statusCode).toBe(404);
    const bare = await app.inject('/kit-a01');
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/kit-a01/');
    const page = await app.inject('/kit-a01/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Minotake</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject('/kit-a01/assets/index-abc123.js');
    expect(asset.headers['cache-control']).toContain('immutable');
    const login = await app.inject({
      method: 'POST',
      url: '/kit-a01/api/auth/login',
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    expect(login.statusCode).toBe(200);
    expect(String(login.headers['set-cookie'])).toContain('Path=/kit-a01/');
  });

  it('serves HTTPS with a given certificate and marks the session cookie Secure', async () => {
    requireCommand('openssl', 'apt-get install openssl');
    const dir = tempDir('tls');
    dirs.push(dir);
    const key = join(dir.path, 'kit.key');
    const cert = join(dir.path, 'kit.crt');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1'],
      {
        stdio: 'ignore',
      },
    );
    const { app } = appWith({ host: '127.0.0.1', port: 0, tls: { cert, key } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const response = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const body = JSON.stringify({ username: 'admin', password: 'admin-password-1' });
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/auth/login',
          method: 'POST',
          ca: [cert],
          servername: '127.0.0.1',
          rejectUnauthorized: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']) });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(response.status).toBe(200);
    expect(response.cookie).toMatch(/Secure/);
    expect(response.cookie).toMatch(/HttpOnly/i);
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

let app: FastifyInstance;
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await app?.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

function start() {
  const dir = tempDir('headers');
  dirs.push(dir);
  const config = parseKitConfig({
    kit: { id: 'k1', site: 'headers' },
    sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
    machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
  });
  const dashboard = join(dir.path, 'dashboard');
  mkdirSync(dashboard, { recursive: true });
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>Minotake</title>');
  app = buildTestApp(config, dir.path, dashboard).app;
}

/** The policy as a map of directive → sources. */
function policy(header: unknown): Map<string, string[]> {
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

describe('browser security headers', () => {
  it('serve the dashboard with a strict policy: own scripts and styles only, no framing, no sniffing, no referrer', async () => {
    start();
    for (const url of ['/', '/api/health', '/api/no/such/thing', '/api/live']) {
      const { headers } = await app.inject(url);
      const csp = policy(headers['content-security-policy']);
      expect(csp.get('default-src'), url).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      // A kit on plain HTTP must not send its own page off to https.
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      // HSTS would make a self-signed certificate's warning impossible to get past.
      expect(headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('lets the invalid-kiosk-link page keep its large type through a hash, not unsafe-inline', async () => {
    start();
    const page = await app.inject({ url: '/api/auth/kiosk/nonsense', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(401);
    const csp = policy(page.headers['content-security-policy']);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    const [hash] = csp.get('style-src') ?? [];
    const style = /<style>(.*)<\/style>/.exec(page.body)?.[1] ?? '';
    expect(hash).toBe(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(page.body).not.toMatch(/style="/);
  });
});

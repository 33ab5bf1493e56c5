import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { SESSION_COOKIE } from '../../../../gateway/http/plugins/auth.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

const config = parseKitConfig({
  kit: { id: 'k1', site: 'storage away' },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
  machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
});

const lines: string[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  }),
);
const dir = tempDir('storage-failures');
// The real InfluxDB client, pointed at a port where nothing answers.
const { app, auth } = buildTestApp(config, dir.path, undefined, undefined, log);
let cookie = '';
beforeAll(async () => {
  auth.addUser('tablet', 'tablet-password-1', 'manager');
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'tablet', password: 'tablet-password-1' },
  });
  cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)?.value ?? '';
});
afterAll(async () => {
  await app.close();
  dir.remove();
});

describe('history while InfluxDB is away', () => {
  it('answers every chart 503 but logs the failure once, as message and code, not 40 stacks', async () => {
    const now = Date.now();
    const urls = [
      `/api/history/current?machine=m1&from=${now - 3_600_000}&to=${now}`,
      `/api/export/readings.csv?from=${now - 3_600_000}&to=${now}`,
    ];
    for (let i = 0; i < 20; i++) {
      for (const url of urls) {
        const response = await app.inject({ url, cookies: { [SESSION_COOKIE]: cookie } });
        expect(response.statusCode).toBe(503);
      }
    }
    const errors = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50);
    expect(errors.map((entry) => entry.msg)).toEqual(['history query failed', 'CSV export failed']);
    for (const entry of errors) {
      expect(entry.error).toMatchObject({ message: expect.stringMatching(/ECONNREFUSED|No host available|connect/i) });
      expect(JSON.stringify(entry)).not.toMatch(/stack|node_modules/);
    }
  });
});

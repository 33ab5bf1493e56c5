/** A kit loads only what its kit file uses (docs/memory.md): `minotake run` as a service starts it, its modules are listed. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../gateway/storage/managedInfluxd.js';
import { stopProcess, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Run first in the kit's process: lists every module it has loaded, CommonJS and ESM, into a file twice a second, and
// \`Intl.DateTimeFormat\` once one is made (ICU's date formatting keeps ~7 MB; the kit reads the tz database instead).
const LISTER = `
import { register, createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const esm = new MessageChannel();
const urls = new Set();
esm.port1.on('message', (url) => urls.add(url));
esm.port1.unref();
register('data:text/javascript,' + encodeURIComponent(
  'let port; export function initialize(data) { port = data.port; }' +
  'export async function load(url, context, next) { port.postMessage(url); return next(url, context); }'),
  { data: { port: esm.port2 }, transferList: [esm.port2] });
const cjs = createRequire(import.meta.url).cache;
const DateTimeFormat = Intl.DateTimeFormat;
Intl.DateTimeFormat = function (...args) { urls.add('Intl.DateTimeFormat'); return new DateTimeFormat(...args); };
setInterval(() => writeFileSync(process.env.MODULE_LIST, [...urls, ...Object.keys(cjs)].join('\\n')), 500).unref();
`;

/** Libraries of capabilities the kit file below does not use: each must be imported where the capability starts. */
const NOT_IN_THIS_KIT = [
  'nodemailer', // e-mail notifications
  'mqtt', // the MQTT client of an edge on its own device, and of `minotake doctor`
  'pino-pretty', // a person at a terminal
  'modbus-serial', // Modbus RTU sources
  'pdfkit', // the PDF reports, at the first one
  '@tensorflow/tfjs-core', // the inspection trial's network: in its worker thread, when a trial is fitted or judged
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-layers',
  'nsfwjs',
  'qrcode-generator', // the loan label of `minotake init`
];

describe('modules a kit does not use are not loaded', () => {
  it('a kit with serial CT and the inspection trial on (as by default) but no trial, no e-mail, Modbus or terminal loads none of their libraries', async () => {
    const cli = join(import.meta.dirname, '../../dist/gateway/cli.js');
    if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first');
    const dir = tempDir('lazy-modules');
    cleanups.push(() => dir.remove());
    const httpPort = await freePort();
    const file = join(dir.path, 'kit.yaml');
    writeFileSync(
      file,
      stringify({
        kit: { id: 'lazy', site: 'lazy' },
        dataDir: join(dir.path, 'var'),
        sources: { serial: [{ id: 'node-a', path: join(dir.path, 'no-such-port') }] },
        machines: [{ id: 'm1', name: 'm1', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
        // InfluxDB away: the kit starts all the same, with its spool.
        storage: { influx: { url: `http://127.0.0.1:${await freePort()}` } },
        broker: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: httpPort },
      }),
    );
    const tablet = { username: 'tablet', password: 'lazy-modules-1' };
    const admin = spawnSync(process.execPath, [cli, 'admin', 'add', tablet.username, '--role', 'viewer', '--config', file], {
      input: tablet.password,
      cwd: dir.path,
    });
    expect(admin.status, String(admin.stderr)).toBe(0);
    const lister = join(dir.path, 'lister.mjs');
    writeFileSync(lister, LISTER);
    const list = join(dir.path, 'modules.txt');
    const kit: ChildProcess = spawn(process.execPath, ['--import', lister, cli, 'run', '--config', file], {
      cwd: dir.path,
      stdio: 'ignore',
      env: { ...process.env, MODULE_LIST: list, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    });
    cleanups.push(() => stopProcess(kit));

    await waitFor(
      'the kit serving its dashboard',
      () => fetch(`http://127.0.0.1:${httpPort}/api/health`).then((r) => r.status > 0), // 503 too: InfluxDB is away
      60_000,
    );
    // A served page, a failed and a good sign-in, and the tablet's live view (today's 稼働率 in the kit's time zone):
    // the routes compiled at their first request load nothing more either.
    await fetch(`http://127.0.0.1:${httpPort}/`);
    const signIn = (body: object) =>
      fetch(`http://127.0.0.1:${httpPort}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await signIn({ username: 'nobody', password: 'not-a-password' });
    const cookie = (await signIn(tablet)).headers.get('set-cookie')?.split(';')[0] ?? '';
    expect((await fetch(`http://127.0.0.1:${httpPort}/api/live`, { headers: { cookie } })).status).toBe(200);
    const loaded = await waitFor('the module list after start', () => {
      const text = existsSync(list) ? readFileSync(list, 'utf8') : '';
      return text.includes('/gateway/http/app.js') ? text.split('\n') : undefined;
    });
    const packages = new Set(loaded.flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []));
    // The lister sees what the kit uses (else this test could not fail)…
    expect(packages).toContain('aedes');
    expect(packages).toContain('fastify');
    // …and none of what this kit file does not ask for.
    expect([...packages].filter((name) => NOT_IN_THIS_KIT.includes(name))).toEqual([]);
    // Today in the kit's time zone was worked out for the live view, from the tz database.
    expect(loaded).not.toContain('Intl.DateTimeFormat');
  });
});

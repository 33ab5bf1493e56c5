/**
 * The gateway's memory (docs/memory.md): what each module costs, and the RSS of the demo kit and of the 8-CT kit at
 * 1,000 readings/s, each started as `minotake run` is (its own process, the environment of `npm run demo`) with one
 * tablet on the dashboard. With MINOTAKE_BASELINE=<a built checkout> (say `git worktree add /tmp/base main && cd
 * /tmp/base && npm ci && npm run build`), the same runs of that checkout are printed beside, from the same bench run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { loadKitConfig } from '../config/load.js';
import { topics } from '../edge/mqtt/topics.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import { MALLOC_ENV } from '../gateway/memorySettings.js';
import { freePort, startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { LoopFigures } from './loopWatch.js';
import { influxAuth, log, percentile, report, sleep } from './report.js';
import { eightCtParts, timedNode } from './timedNode.js';

const MB = 1024 * 1024;
const beside = (values: string[]) => values.join('  ·  ');
const labels = (checkouts: [string, string][]) => checkouts.map(([label]) => label).join(' · ');
const mb = (v: number) => `${v.toFixed(0)} MB`;
const TABLET = { username: 'bench', password: 'bench-password-1' };
const READER = { username: 'bench-reader', password: 'bench-reader-password' };

/** Modules in the order the gateway loads them; each line is what it adds to those before it. */
const MODULES: [string, string][] = [
  ['pino (logging)', 'pino'],
  ['yaml (kit file)', 'yaml'],
  ['@sinclair/typebox (schemas)', '@sinclair/typebox'],
  ['ajv (payload and config validation)', 'ajv'],
  ['aedes (MQTT broker)', 'aedes'],
  ['fastify', 'fastify'],
  ['@fastify/static', '@fastify/static'],
  ['@fastify/swagger', '@fastify/swagger'],
  ['@fastify/helmet, cookie, rate-limit', '@fastify/helmet @fastify/cookie @fastify/rate-limit'],
  ['influx', 'influx'],
  ['serialport', 'serialport'],
  ['project: config/load', 'dist/config/load.js'],
  ['project: edge', 'dist/edge/edge.js'],
  ['project: gateway/kit (the rest)', 'dist/gateway/kit.js'],
  ['Modbus kits only: modbus-serial', 'modbus-serial'],
  ['inspection child process only: TensorFlow.js', '@tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-wasm'],
  ['at the first PDF report: pdfkit', 'pdfkit'],
  ['not in a demo kit: nodemailer (e-mail)', 'nodemailer'],
  ['not in a demo kit: mqtt client (separate edge)', 'mqtt'],
  ['not in a gateway: the first fetch()', 'fetch'],
];

/** One fresh process imports the modules in order and prints heap (after GC) and RSS after each. */
function moduleCosts(checkout: string, steps: [string, string][]): { label: string; heap: number; rss: number }[] {
  const flags = join(checkout, 'dist', 'gateway', 'v8MemoryFlags.js');
  const script = `
    ${existsSync(flags) ? `await import(${JSON.stringify(`file://${flags}`)});` : ''}
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(join(checkout, 'package.json'))});
    const at = () => { gc(); gc(); const m = process.memoryUsage(); return [m.heapUsed, m.rss]; };
    const out = [at()];
    for (const spec of ${JSON.stringify(steps.map(([, spec]) => spec))}) {
      for (const one of spec.split(' ')) {
        if (one === 'fetch') {
          const server = (await import('node:http')).createServer((_q, r) => r.end('ok')).listen(0, '127.0.0.1');
          await new Promise((r) => server.once('listening', r));
          await (await fetch('http://127.0.0.1:' + server.address().port)).text();
          server.close();
        }
        else if (one.startsWith('dist/')) await import(${JSON.stringify(`file://${checkout}/`)} + one);
        else await import('file://' + require.resolve(one));
      }
      out.push(at());
    }
    process.stdout.write(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: checkout, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`module costs failed: ${run.stderr}`);
  const points = JSON.parse(run.stdout) as [number, number][];
  return points.map(([heap, rss], i) => ({
    label: i === 0 ? 'bare node' : (steps[i - 1]?.[0] ?? ''),
    heap: heap / MB,
    rss: rss / MB,
  }));
}

interface KitRun {
  /** Highest RSS from the start until the tablet shows the dashboard, 5 s later. */
  startPeak: number;
  /** Median and highest RSS over the last 30 s. */
  steady: number;
  steadyMax: number;
  load?: LoadResult;
  /** The kit's event loop and GC while `drive` ran (bench/loopWatch.ts). */
  loop?: LoopFigures;
}

interface LoadResult {
  readings: number;
  stored: number;
  readingsPerSecond: number;
  publishP50: number;
  publishP99: number;
}

const rssOf = (child: ChildProcess) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

/** The tablet: signs in, loads the page and its assets, keeps the live event stream open. */
async function openTablet(origin: string): Promise<AbortController> {
  const login = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(TABLET),
  });
  if (!login.ok) throw new Error(`the tablet could not sign in: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const page = await (await fetch(`${origin}/`, { headers: { cookie } })).text();
  for (const [, asset] of page.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)) {
    await (await fetch(`${origin}/${asset}`, { headers: { cookie } })).arrayBuffer();
  }
  for (const api of ['/api/auth/me', '/api/live', '/api/alarms']) await (await fetch(`${origin}${api}`, { headers: { cookie } })).text();
  const events = new AbortController();
  void fetch(`${origin}/api/events`, { headers: { cookie }, signal: events.signal })
    .then(async (response) => {
      for await (const _ of response.body as unknown as AsyncIterable<Uint8Array>);
    })
    .catch(() => {});
  return events;
}

/** Runs a kit as `minotake run` does, with one tablet (`again`: a later start, the tablet's account is there); `drive` puts load on it while the steady RSS is sampled. */
async function runKit(
  checkout: string,
  dir: string,
  config: Record<string, unknown> & { http: { port: number } },
  seconds: number,
  options: { simulators: boolean; again?: boolean; until?: () => boolean; drive?: () => Promise<LoadResult>; watchLoop?: boolean },
): Promise<KitRun> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kit.yaml');
  writeFileSync(file, stringify(config));
  const cli = join(checkout, 'dist', 'gateway', 'cli.js');
  const env = { ...process.env, ...MALLOC_ENV, LOG_LEVEL: 'warn' };
  if (!options.again) {
    const admin = spawnSync(process.execPath, [cli, 'admin', 'add', TABLET.username, '--role', 'viewer', '--config', file], {
      input: TABLET.password,
      cwd: dir,
      env,
    });
    if (admin.status !== 0) throw new Error(`admin add failed: ${admin.stderr}`);
  }
  const loopFile = join(dir, 'loop.json');
  const watch = options.watchLoop ? ['--import', new URL('./loopWatch.js', import.meta.url).href] : [];
  const args = [...watch, cli, 'run', '--config', file, ...(options.simulators ? [] : ['--no-sim'])];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: 'ignore', env: { ...env, MINOTAKE_LOOP_WATCH: loopFile } });
  const samples: { at: number; rss: number }[] = [];
  const sampler = setInterval(() => samples.push({ at: performance.now(), rss: rssOf(child) }), 100);
  const origin = `http://127.0.0.1:${config.http.port}`;
  let tablet: AbortController | undefined;
  try {
    for (let i = 0; ; i++) {
      if (i > 1200) throw new Error('the kit did not serve its dashboard within 120 s');
      if (child.exitCode !== null) throw new Error(`the kit exited with ${child.exitCode}`);
      const up = await fetch(`${origin}/api/health`).then(
        (r) => r.status < 500,
        () => false,
      );
      if (up) break;
      await sleep(100);
    }
    tablet = await openTablet(origin);
    await sleep(5000);
    const startPeak = Math.max(...samples.map((s) => s.rss));
    // The steady RSS is taken while the load runs, over the last 30 s of the window.
    if (options.watchLoop) child.kill('SIGUSR2');
    const driving = options.drive?.();
    const from = performance.now();
    await sleep(seconds * 1000);
    const last = samples.filter((s) => s.at >= from + (seconds - 30) * 1000).map((s) => s.rss);
    const load = await driving;
    await sleep(options.watchLoop ? 1500 : 0);
    const loop = options.watchLoop ? (JSON.parse(readFileSync(loopFile, 'utf8')) as LoopFigures) : undefined;
    // Kept running until its first-start work is done (history filled, demo trial fitted): a later start shows the everyday kit.
    for (let i = 0; options.until && !options.until() && i < 1800; i++) await sleep(1000);
    return { startPeak, steady: percentile(last, 50), steadyMax: Math.max(...last), ...(load ? { load } : {}), ...(loop ? { loop } : {}) };
  } finally {
    tablet?.abort();
    clearInterval(sampler);
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

/** The bench's own simulated 8-CT node on a pty: every line timed to its MQTT publish, every reading counted back in InfluxDB. */
async function drive8ct(
  root: string,
  links: { nodeLink: string; edgeLink: string },
  brokerPort: number,
  count: () => Promise<number>,
  linesPerSecond: number,
  lines: number,
): Promise<LoadResult> {
  const scenario = await loadScenario(join(root, 'bench', 'bench-8ct.yaml'));
  const pair = await openPtyPair(links);
  const { node, writtenAt, readings } = timedNode(pair.nodeLink, scenario, linesPerSecond, lines);
  const latency: number[] = [];
  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, READER);
  try {
    watcher.on('message', (_topic, payload) => {
      const at = writtenAt.get((JSON.parse(payload.toString()) as { seq: number }).seq);
      if (at !== undefined) latency.push(performance.now() - at);
    });
    await watcher.subscribeAsync(topics.nodeCurrent('bench', 'node-a'), { qos: 0 });
    const before = await count();
    const started = performance.now();
    node.start();
    await node.finished;
    let stored = 0;
    for (let i = 0; i < 600 && stored < readings(); i++) {
      stored = (await count()) - before;
      if (stored < readings()) await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    await node.stop();
    return {
      readings: readings(),
      stored,
      readingsPerSecond: stored / seconds,
      publishP50: percentile(latency, 50),
      publishP99: percentile(latency, 99),
    };
  } finally {
    await watcher.endAsync();
    await pair.close();
  }
}

/** BENCH_MEMORY_PARTS=modules,demo,8ct,flat,dom runs some of them (all by default). */
const part = (name: string) => (process.env.BENCH_MEMORY_PARTS ?? 'modules,demo,8ct,flat,dom').split(',').includes(name);

export async function memoryBench(dir: string, root: string): Promise<void> {
  const baseline = process.env.MINOTAKE_BASELINE;
  const checkouts: [string, string][] = [['now', root]];
  if (baseline) checkouts.push(['before', baseline]);

  // Per-module cost, in the order the gateway loads them.
  if (part('modules')) await modulesTable(root, checkouts);
  if (part('demo')) await demoKit(dir, root, checkouts);
  if (part('8ct') || part('flat')) await eightCtKit(dir, root, checkouts);
  // Line → DOM of the baseline, beside this checkout's from bench/dashboard.ts (both run in the bench's own process).
  if (baseline && part('dom')) {
    const dashboard = join(baseline, 'dist', 'bench', 'dashboard.js');
    process.stdout.write('  the baseline checkout, for comparison with the line → DOM figure above:\n');
    await ((await import(`file://${dashboard}`)) as { domLatency: (dir: string) => Promise<void> }).domLatency(join(dir, 'dom-before'));
  }
}

async function modulesTable(root: string, checkouts: [string, string][]): Promise<void> {
  const costs = moduleCosts(root, MODULES);
  for (let i = 1; i < costs.length; i++) {
    const [previous, cost] = [costs[i - 1], costs[i]] as [(typeof costs)[0], (typeof costs)[0]];
    report(
      `  module: ${cost.label}`,
      `+${(cost.heap - previous.heap).toFixed(1)} MB heap, +${(cost.rss - previous.rss).toFixed(1)} MB RSS`,
      'imported after the lines above, fresh process, after GC',
    );
  }
  const kitModules = (checkout: string) => {
    const [bare, gateway] = moduleCosts(checkout, [['gateway', 'dist/gateway/kit.js']]) as { heap: number; rss: number }[];
    if (!bare || !gateway) return '?';
    return `+${(gateway.heap - bare.heap).toFixed(1)} MB heap, +${(gateway.rss - bare.rss).toFixed(1)} MB RSS`;
  };
  report(
    `gateway modules over bare node (${labels(checkouts)})`,
    beside(checkouts.map(([, c]) => kitModules(c))),
    'dist/gateway/kit.js, after GC',
  );
}

async function demoKit(dir: string, root: string, checkouts: [string, string][]): Promise<void> {
  // The demo kit as `npm run demo` starts it (simulators: serial node at 1 line/s, Modbus meter, inspection camera every
  // 10 s), one tablet; and the same kit with the inspection trial off. Each started twice on the same data folder: the
  // first start also fills 7 days of history and fits the demo trial, every later start only runs.
  const demo = loadKitConfig(join(root, 'config', 'kits', 'demo.yaml'));
  const variants = [
    ['demo kit', demo.inspection],
    ['demo kit, inspection off', { ...demo.inspection, enabled: false }],
  ] as const;
  const seconds = Number(process.env.BENCH_MEMORY_SECONDS ?? 60);
  for (const [name, inspection] of variants) {
    const runs: { first: KitRun; later: KitRun }[] = [];
    for (const [label, checkout] of checkouts) {
      const kitDir = join(dir, `memory-${name.replace(/\W+/g, '-')}-${label}`);
      const config = {
        ...demo,
        inspection,
        dataDir: join(kitDir, 'var'),
        sources: { ...demo.sources, serial: demo.sources.serial.map((s) => ({ ...s, path: join(kitDir, 'pty', `${s.id}-edge`) })) },
        broker: { ...demo.broker, host: '127.0.0.1', port: 0 },
        http: { ...demo.http, host: '127.0.0.1', port: await freePort() },
      };
      const trial = join(kitDir, 'var', 'inspection', 'trials', 'demo-plate', 'trial.json');
      const fitted = () => !inspection.enabled || (existsSync(trial) && JSON.parse(readFileSync(trial, 'utf8')).status === 'fitted');
      // A later start that finds a fill unfinished does it again, and would be measured filling: wait for the checkout's own
      // fills (a build older than unfilledDemoSources filled the serial node only).
      const fills = (await import(`file://${join(checkout, 'dist', 'gateway', 'demo', 'backfill.js')}`)) as {
        unfilledDemoSources?: (config: unknown, dataDir: string) => string[];
      };
      const unfilled = () =>
        fills.unfilledDemoSources?.(config, config.dataDir) ??
        (existsSync(join(config.dataDir, 'demo', 'backfill-node-a.json')) ? [] : ['node-a']);
      const done = () => fitted() && unfilled().length === 0;
      const first = await runKit(checkout, kitDir, config, seconds, { simulators: true, until: done });
      if (!done()) throw new Error(`${label}: after 30 min the demo trial is not fitted or ${unfilled().join(', ')} not filled`);
      runs.push({ first, later: await runKit(checkout, kitDir, config, seconds, { simulators: true, again: true }) });
    }
    for (const start of ['first', 'later'] as const) {
      report(
        `${name}, ${start === 'first' ? 'first start' : 'a later start'}: steady RSS (${labels(checkouts)})`,
        beside(runs.map((r) => `${mb(r[start].steady)} (max ${mb(r[start].steadyMax)})`)),
        `median of the last 30 s of ${seconds} s; every simulator of the kit file, one tablet on live events` +
          (start === 'first' ? '; also fills 7 days and fits the demo trial' : '; Node-RED flow idle: 91–94 MB'),
      );
      report(
        `  … peak at start (${labels(checkouts)})`,
        beside(runs.map((r) => mb(r[start].startPeak))),
        'start, tablet sign-in (one scrypt), page and live stream, +5 s',
      );
    }
  }
}

async function eightCtKit(dir: string, root: string, checkouts: [string, string][]): Promise<void> {
  // The 8-CT kit at 1,000 readings/s (125 lines × 8 CT), then flat out, on a private influxd that both checkouts write to.
  const influxd = await startInfluxd({ dir: join(dir, 'memory-influx'), log });
  try {
    const phases = [
      ['1,000 readings/s', 125, 125 * 60, part('8ct')],
      ['flat out', 5000, 20_000, part('flat')],
    ] as const;
    for (const [phase, linesPerSecond, lines] of phases.filter(([, , , wanted]) => wanted)) {
      const runs: KitRun[] = [];
      for (const [label, checkout] of checkouts) {
        const kitDir = join(dir, `memory-8ct-${label}-${linesPerSecond}`);
        const links = { nodeLink: join(kitDir, 'pty', 'node'), edgeLink: join(kitDir, 'pty', 'edge') };
        mkdirSync(join(kitDir, 'pty'), { recursive: true });
        const database = `bench_${label}_${linesPerSecond}`;
        const brokerPort = await freePort();
        const config = {
          kit: { id: 'bench', site: 'bench' },
          dataDir: join(kitDir, 'var'),
          ...eightCtParts(links.edgeLink),
          storage: { influx: influxd.access, database },
          broker: { host: '127.0.0.1', port: brokerPort, accounts: [{ ...READER, role: 'reader' }] },
          http: { host: '127.0.0.1', port: await freePort() },
        };
        const count = async () => {
          let total = 0;
          for (const q of ['SELECT count(amps) FROM "raw"."current"', 'SELECT count(temperature_c) FROM "raw"."climate"']) {
            const response = await fetch(`${influxd.url}/query?db=${database}&q=${encodeURIComponent(q)}`, {
              headers: influxAuth(influxd.access),
            });
            const body = (await response.json()) as { results: { series?: { values: [string, number][] }[] }[] };
            total += body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
          }
          return total;
        };
        runs.push(
          await runKit(checkout, kitDir, config, linesPerSecond === 125 ? 60 : 5, {
            simulators: false,
            watchLoop: true,
            drive: () => drive8ct(root, links, brokerPort, count, linesPerSecond, lines),
          }),
        );
      }
      const load = (r: KitRun) => r.load as LoadResult;
      if (linesPerSecond === 125) {
        report(
          `8-CT kit at ${phase}, steady RSS (${labels(checkouts)})`,
          beside(runs.map((r) => `${mb(r.steady)} (max ${mb(r.steadyMax)})`)),
          'median of the last 30 s of 60 s of readings; one tablet',
        );
        report(`  … peak at start (${labels(checkouts)})`, beside(runs.map((r) => mb(r.startPeak))), 'start, tablet sign-in, +5 s');
      }
      report(
        `8-CT kit ${phase}: ingest (${labels(checkouts)})`,
        beside(runs.map((r) => `${Math.round(load(r).readingsPerSecond)}/s`)),
        `${lines} lines × 8 CT (+climate) at ${linesPerSecond} lines/s asked; ` +
          beside(runs.map((r) => (load(r).stored === load(r).readings ? 'all stored' : `${load(r).readings - load(r).stored} MISSING`))),
      );
      report(
        `  … line → MQTT publish (${labels(checkouts)})`,
        beside(runs.map((r) => `p50 ${load(r).publishP50.toFixed(1)}, p99 ${load(r).publishP99.toFixed(1)} ms`)),
        'line written on the pty → the reading at an MQTT subscriber',
      );
      report(
        `  … the kit's event loop (${labels(checkouts)})`,
        beside(
          runs.map(({ loop }) =>
            loop ? `delay p99 ${loop.delayP99Ms.toFixed(1)} ms, GC ${((loop.gcMs / loop.seconds) * 0.1).toFixed(1)} %` : '?',
          ),
        ),
        `measured inside the kit while the lines ran; ` +
          beside(runs.map(({ loop }) => (loop ? `${loop.scavenges} scavenges, ${loop.majorGcs} major GCs` : '?'))),
      );
    }
  } finally {
    await influxd.stop();
  }
}

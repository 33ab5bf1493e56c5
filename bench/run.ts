/** `npm run bench`: throughput, latency, memory and spool replay of the real data path, each with its workload stated. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { loadKitConfig, parseKitConfig } from '../config/load.js';
import { topics } from '../edge/mqtt/topics.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import { startKit } from '../gateway/kit.js';
import { connectInflux, type InfluxAccess, InfluxSink } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../gateway/storage/point.js';
import { PointBuffer } from '../gateway/storage/pointBuffer.js';
import { pointTime } from '../gateway/storage/pointTime.js';
import { ensureSchema } from '../gateway/storage/schema.js';
import { Spool } from '../gateway/storage/spool.js';
import { loginFlood } from './auth.js';
import { brokerAttackRss } from './broker.js';
import { bundleSize, domLatency, historyQuery } from './dashboard.js';
import { demoBackfillBench } from './demoBackfill.js';
import { firmwareInTheLoop } from './firmware.js';
import { inspectionBench } from './inspection.js';
import { wipeBench } from './kitlife.js';
import { memoryBench } from './memory.js';
import { modbusPollCycle } from './modbus.js';
import { productionBench } from './production.js';
import { influxAuth, log, percentile, report, sleep } from './report.js';
import { serialReconnect } from './serial.js';
import { storageBench } from './storage.js';
import { eightCtParts, timedNode } from './timedNode.js';
import { towersWifiBench } from './towersWifi.js';
import { trialReportBench } from './trialReport.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };

function fakePoints(count: number, offset = 0): StoredPoint[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: count }, (_, i) => ({
    measurement: 'current',
    tags: { kit: 'bench', node: `node-${i % 4}`, channel: `ct${i % 8}` },
    fields: { amps: Math.round(Math.random() * 4000) / 100 },
    timeNs: pointTime(base + Math.floor((offset + i) / 32), (offset + i) % 32),
  }));
}

async function count(access: InfluxAccess, query: string): Promise<number> {
  const response = await fetch(`${access.url}/query?db=minotake&q=${encodeURIComponent(query)}`, { headers: influxAuth(access) });
  const body = (await response.json()) as { results: { series?: { values: [string, number][] }[] }[] };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

/** The ceiling: how fast this InfluxDB takes batches of 5000 points from the same client the kit uses. */
async function influxCeiling(dir: string): Promise<number> {
  const influxd = await startInfluxd({ dir: join(dir, 'ceiling'), log });
  const influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', RETENTION);
  const sink = new InfluxSink(influx);
  const total = 300_000;
  await sink.write(fakePoints(5000, 10_000_000)); // warm-up: creates the shard and JIT-compiles the client
  let best = 0;
  for (const batch of [5000, 20_000]) {
    const points = fakePoints(total, batch * 100);
    const started = performance.now();
    for (let i = 0; i < total; i += batch) await sink.write(points.slice(i, i + batch));
    const rate = total / ((performance.now() - started) / 1000);
    best = Math.max(best, rate);
    report(
      `InfluxDB raw batch write, ${batch}/batch (ceiling)`,
      `${Math.round(rate)} points/s`,
      `${total} points, one client, private influxd`,
    );
  }
  await influxd.stop();
  return best;
}

/** Spool replay into a real InfluxDB: points spooled while it was "away", then drained. */
async function spoolReplay(dir: string): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'replay-influx'), log });
  const influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', RETENTION);
  const spool = await Spool.open({
    dir: join(dir, 'replay-spool'),
    maxBytes: 512 << 20,
    segmentBytes: 4 << 20,
    fsyncIntervalMs: 1000,
    log,
  });
  const total = 300_000;
  for (let i = 0; i < total; i += 5000) spool.append(fakePoints(5000, i));
  const started = performance.now();
  const buffer = new PointBuffer({ sink: new InfluxSink(influx), spool, log });
  while (buffer.stats().spoolPendingPoints > 0) await sleep(20);
  const rate = total / ((performance.now() - started) / 1000);
  await buffer.stop();
  report('spool replay into InfluxDB', `${Math.round(rate)} points/s`, `${total} points in 4 MB segments → private influxd`);
  await influxd.stop();
}

/** End to end: simulator → pty → edge → aedes → ingest → InfluxDB, with every reading counted back. */
async function endToEnd(dir: string, linesPerSecond: number, lines: number, label: string): Promise<void> {
  const scenario = await loadScenario(join(root, 'bench', 'bench-8ct.yaml'));
  const slug = label.replace(/[^a-z0-9]+/gi, '-');
  const links = { nodeLink: join(dir, `${slug}.node`), edgeLink: join(dir, `${slug}.edge`) };
  const pair = await openPtyPair(links);
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    dataDir: join(dir, `${slug}-var`),
    ...eightCtParts(links.edgeLink),
    broker: { host: '127.0.0.1', port: 0, accounts: [{ username: 'bench', role: 'reader', password: 'bench-reader' }] },
    http: { host: '127.0.0.1', port: 0 },
  });
  const kit = await startKit({ config, log, baseDir: dir });

  const { node, writtenAt, readings } = timedNode(pair.nodeLink, scenario, linesPerSecond, lines);
  const publishLatency: number[] = [];
  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${kit.brokerPort}`, { username: 'bench', password: 'bench-reader' });
  watcher.on('message', (_t, payload) => {
    const { seq } = JSON.parse(payload.toString()) as { seq: number };
    const at = writtenAt.get(seq);
    if (at !== undefined) publishLatency.push(performance.now() - at);
  });
  await watcher.subscribeAsync(topics.nodeCurrent('bench', 'node-a'), { qos: 0 });

  // Line → stored: poll the newest stored ct1 point; its sequence number says which lines are in InfluxDB by then.
  const storedLatency: number[] = [];
  let polling = true;
  const poller = (async () => {
    let lastSeq = -1;
    while (polling) {
      const response = await fetch(
        `${kit.influxUrl}/query?db=minotake&epoch=ns&q=${encodeURIComponent(`SELECT last(amps) FROM "raw"."current" WHERE channel='ct1'`)}`,
        { headers: influxAuth(kit.influxAccess) },
      );
      const text = (await response.text()).replace(/\[(\d{16,}),/g, '["$1",');
      const time = (JSON.parse(text) as { results: { series?: { values: [string][] }[] }[] }).results[0]?.series?.[0]?.values[0]?.[0];
      if (time) {
        const seq = Number(BigInt(time) % 1_000_000n) / 15;
        const now = performance.now();
        for (let s = lastSeq + 1; s <= seq; s++) {
          const at = writtenAt.get(s);
          if (at !== undefined) storedLatency.push(now - at);
        }
        lastSeq = Math.max(lastSeq, seq);
      }
      await sleep(20);
    }
  })();

  const started = performance.now();
  node.start();
  await node.finished;
  const countQuery = 'SELECT count(amps) FROM "raw"."current"';
  const climateQuery = 'SELECT count(temperature_c) FROM "raw"."climate"';
  let stored = 0;
  for (let i = 0; i < 600; i++) {
    stored = (await count(kit.influxAccess, countQuery)) + (await count(kit.influxAccess, climateQuery));
    if (stored >= readings()) break;
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  polling = false;
  await poller;
  await watcher.endAsync();
  await kit.stop();
  await pair.close();
  const verdict = stored === readings() ? 'all stored' : `${readings() - stored} MISSING`;
  report(
    `end to end (${label})`,
    `${Math.round(stored / seconds)} readings/s`,
    `${lines} lines × 8 CT (+climate) at ${linesPerSecond} lines/s asked; ${readings()} sent, ${stored} stored: ${verdict}`,
  );
  report(
    `  line → MQTT publish (${label})`,
    `p50 ${percentile(publishLatency, 50).toFixed(1)} ms, p99 ${percentile(publishLatency, 99).toFixed(1)} ms`,
    `${publishLatency.length} lines`,
  );
  report(
    `  line → stored in InfluxDB (${label})`,
    `p50 ${percentile(storedLatency, 50).toFixed(0)} ms, p99 ${percentile(storedLatency, 99).toFixed(0)} ms`,
    `${storedLatency.length} lines, 20 ms polling; batches flush every 1 s or 5000 points`,
  );
}

/** The demo kit as a user runs it (its own process, simulator at 1 Hz): gateway RSS alone, then with 10 dashboards watching. */
async function demoRss(dir: string): Promise<void> {
  const demo = loadKitConfig(join(root, 'config', 'kits', 'demo.yaml'));
  const file = join(dir, 'demo.yaml');
  const httpPort = 18080 + Math.floor(Math.random() * 1000);
  const config = {
    ...demo,
    dataDir: join(dir, 'demo-var'),
    broker: { ...demo.broker, port: 0 },
    http: { ...demo.http, host: '127.0.0.1', port: httpPort },
  };
  config.sources = {
    ...demo.sources,
    serial: demo.sources.serial.map((s) => ({ ...s, path: join(dir, 'demo-pty', `${s.id}-edge`) })),
    modbus: demo.sources.modbus.map((b) => ({ ...b, path: join(dir, 'demo-pty', `${b.id}-edge`) })),
  };
  writeFileSync(file, stringify(config));
  const cli = join(root, 'dist', 'gateway', 'cli.js');
  const admin = spawnSync(process.execPath, [cli, 'admin', 'add', 'bench', '--config', file], { input: 'bench-password-1' });
  if (admin.status !== 0) throw new Error(`admin add failed: ${admin.stderr}`);
  const child = spawn(process.execPath, [cli, 'run', '--config', file], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const seconds = Number(process.env.BENCH_DEMO_SECONDS ?? 30);
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const sample = async () => {
    const values: number[] = [];
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      values.push(rss());
    }
    return values;
  };
  try {
    const alone = await sample();
    const origin = `http://127.0.0.1:${httpPort}`;
    const login = await fetch(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: 'bench-password-1' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const streams = Array.from({ length: 10 }, () => new AbortController());
    let received = 0;
    for (const controller of streams) {
      void fetch(`${origin}/api/events`, { headers: { cookie }, signal: controller.signal })
        .then(async (response) => {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
        })
        .catch(() => {});
    }
    const watched = await sample();
    for (const controller of streams) controller.abort();
    const max = (values: number[]) => Math.max(...values).toFixed(0);
    report(
      'demo kit gateway RSS at 1 Hz',
      `${max(alone)} MB max, ${alone.at(-1)?.toFixed(0)} MB last`,
      `demo.yaml, ${seconds} s, no dashboard (influxd and simulator are other processes)`,
    );
    report(
      '  … with 10 dashboards on live events',
      `${max(watched)} MB max, ${watched.at(-1)?.toFixed(0)} MB last`,
      `10 SSE streams for ${seconds} s, ${received} bytes received`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'minotake-bench-'));
  process.stdout.write(
    `Minotake benchmark — ${new Date().toISOString()}, node ${process.version}, ${(await import('node:os')).cpus().length} cores\n\n`,
  );
  try {
    await influxCeiling(dir);
    await spoolReplay(dir);
    await storageBench(dir);
    await endToEnd(dir, 100, 1000, 'steady 100 lines/s');
    await endToEnd(dir, 5000, 40_000, 'flat out');
    await serialReconnect(dir);
    await historyQuery(dir);
    await bundleSize(root);
    await domLatency(dir);
    await demoRss(dir);
    await memoryBench(dir, root);
    await firmwareInTheLoop(dir);
    await modbusPollCycle(dir);
    await towersWifiBench();
    await brokerAttackRss(dir, root);
    await loginFlood(dir);
    await wipeBench(dir);
    await inspectionBench(dir);
    await trialReportBench(dir);
    await demoBackfillBench(dir);
    await productionBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

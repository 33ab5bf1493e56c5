/** Storage that heals: influxd restart → first replayed point, memory during a long replay, the cost of isolating a refused point. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInflux, InfluxSink } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../gateway/storage/point.js';
import { PointBuffer } from '../gateway/storage/pointBuffer.js';
import { pointTime } from '../gateway/storage/pointTime.js';
import { ensureSchema } from '../gateway/storage/schema.js';
import { Spool } from '../gateway/storage/spool.js';
import { log, percentile, report, sleep } from './report.js';

const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };

/** One second of a kit with 1,000 readings/s: 250 lines of 4 CT channels (what the buffer spools once a second). */
function secondOfReadings(second: number, startMs: number): StoredPoint[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    measurement: 'current',
    tags: { kit: 'bench', node: 'node-a', channel: `ct${(i % 4) + 1}`, machine: `m${(i % 4) + 1}` },
    fields: { amps: Math.round(Math.random() * 4000) / 100 },
    timeNs: pointTime(startMs + second * 1000 + Math.floor(i / 4) * 4, i % 4),
  }));
}

async function privateInfluxd(dir: string, name: string) {
  const influxd = await startInfluxd({ dir: join(dir, name), log });
  const influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', RETENTION);
  return { influxd, influx, sink: new InfluxSink(influx, { retention: RETENTION }) };
}

/** kill -9 of the kit's influxd while 1,000 readings/s arrive: how long until it runs again, and until the spool replays. */
async function restartToReplay(dir: string): Promise<void> {
  const { influxd, sink } = await privateInfluxd(dir, 'restart-influx');
  const spool = await Spool.open({
    dir: join(dir, 'restart-spool'),
    maxBytes: 256 << 20,
    segmentBytes: 4 << 20,
    fsyncIntervalMs: 1000,
    log,
  });
  const buffer = new PointBuffer({ sink, spool, log });
  const start = Date.now() - 600_000;
  let second = 0;
  const feeder = setInterval(() => buffer.addMany(secondOfReadings(second++, start)), 1000);
  try {
    await sleep(3000);
    const killedPid = influxd.pid;
    const killedAt = performance.now();
    process.kill(killedPid, 'SIGKILL');
    await waitUntil(() => buffer.state === 'spooling');
    await waitUntil(() => influxd.status().state === 'running' && influxd.pid !== killedPid);
    const runningAt = performance.now();
    const replayedBefore = buffer.stats().replayed;
    await waitUntil(() => buffer.stats().replayed > replayedBefore);
    const replayedAt = performance.now();
    await waitUntil(() => buffer.state === 'direct');
    report('influxd kill -9 → running again (supervisor)', `${Math.round(runningAt - killedAt)} ms`, '1 s restart delay + start-up');
    report(
      '  influxd running again → first replayed point',
      `${Math.round(replayedAt - runningAt)} ms`,
      '1,000 readings/s arriving; probe every 1 s',
    );
  } finally {
    clearInterval(feeder);
    await buffer.stop();
    await influxd.stop();
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('storage bench: timed out');
    await sleep(5);
  }
}

/**
 * A 5-minute outage at 1,000 readings/s, spooled as the buffer would (one record a second), then replayed while RSS is
 * sampled. Runs in a process of its own (this file with --replay-rss) so that RSS is the replay's and nothing else's.
 */
async function replayRss(dir: string, replayBatchSize: number): Promise<{ rest: number; peak: number; seconds: number; spoolMb: number }> {
  const { influxd, sink } = await privateInfluxd(dir, `rss-influx-${replayBatchSize}`);
  const spool = await Spool.open({
    dir: join(dir, `rss-spool-${replayBatchSize}`),
    maxBytes: 256 << 20,
    segmentBytes: 4 << 20,
    fsyncIntervalMs: 1000,
    log,
  });
  const start = Date.now() - 600_000;
  for (let second = 0; second < 300; second++) spool.append(secondOfReadings(second, start));
  const spoolMb = spool.diskBytes / 1048576;
  await sleep(500);
  const rest = process.memoryUsage().rss;
  let peak = rest;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const buffer = new PointBuffer({ sink, spool, log, replayBatchSize });
  await waitUntil(() => buffer.state === 'direct' && spool.isEmpty, 600_000);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await buffer.stop();
  await influxd.stop();
  return { rest, peak, seconds, spoolMb };
}

async function replayMemory(dir: string): Promise<void> {
  const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
  for (const [size, label] of [
    [20_000, 'replay of a 5-min outage, 20,000 points a write'],
    [5000, '  … 5,000 points a write (the default now)'],
  ] as const) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--replay-rss', dir, String(size)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`replay RSS bench failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as Awaited<ReturnType<typeof replayRss>>;
    report(
      label,
      `RSS ${mb(r.rest)} → ${mb(r.peak)} MB (+${mb(r.peak - r.rest)})`,
      `300,000 points (1,000/s for 5 min), ${r.spoolMb.toFixed(0)} MB spool, replayed in ${r.seconds.toFixed(1)} s`,
    );
  }
}

/**
 * A batch of 5,000 with points InfluxDB refuses, against the same batch clean: a field type conflict (InfluxDB names
 * the field: the refused points are picked out, the rest written once more) and a point beyond retention that only
 * InfluxDB checks (it names no point: the batch is cut into parts written again, the worst case).
 */
async function isolationCost(dir: string): Promise<void> {
  const { influxd, influx, sink } = await privateInfluxd(dir, 'isolate-influx');
  const unchecked = new InfluxSink(influx); // no retention check of its own: the refusal comes from InfluxDB
  const start = Date.now() - 600_000;
  for (let warm = 0; warm < 3; warm++) await sink.write(secondOfReadings(warm, start)); // amps is a float from here on
  let round = 0;
  const batch = (conflicts: number, ancient: number): StoredPoint[] => {
    round++;
    const spread = (count: number, offset: number) =>
      new Set(Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * 5000) / count) + offset));
    const bad = spread(conflicts, 0);
    const old = spread(ancient, 1);
    return Array.from({ length: 5000 }, (_, i) => ({
      measurement: 'current',
      tags: { kit: 'bench', node: 'node-a', channel: `ct${(i % 4) + 1}` },
      fields: { amps: bad.has(i) ? 'broken' : 1.5 },
      timeNs: old.has(i) ? pointTime(1000 + i) : pointTime(start + round * 10_000 + Math.floor(i / 4), i % 4),
    }));
  };
  const cases = [
    { name: 'InfluxDB write of 5,000 points, clean', conflicts: 0, ancient: 0, workload: '8 batches, private influxd' },
    { name: '  … with 1 type conflict', conflicts: 1, ancient: 0, workload: 'InfluxDB names the field: the rest rewritten once' },
    { name: '  … with 10 type conflicts', conflicts: 10, ancient: 0, workload: 'spread through the batch' },
    { name: '  … with 1 point beyond retention', conflicts: 0, ancient: 1, workload: 'named by nobody: cut in 16ths, rewritten' },
    { name: '  … with 10 points beyond retention', conflicts: 0, ancient: 10, workload: 'the same, 10 times over' },
  ];
  const times = cases.map(() => [] as number[]);
  try {
    for (let run = 0; run < 8; run++) {
      for (const [i, c] of cases.entries()) {
        const points = batch(c.conflicts, c.ancient);
        const began = performance.now();
        const { rejected } = await unchecked.write(points);
        times[i]?.push(performance.now() - began);
        if (rejected.length !== c.conflicts + c.ancient) throw new Error(`isolation bench: ${rejected.length} refused in "${c.name}"`);
      }
    }
    const clean = percentile(times[0] ?? [], 50);
    for (const [i, c] of cases.entries()) {
      const ms = percentile(times[i] ?? [], 50);
      report(c.name, `${ms.toFixed(0)} ms median${i === 0 ? '' : ` (×${(ms / clean).toFixed(1)})`}`, c.workload);
    }
  } finally {
    await influxd.stop();
  }
}

export async function storageBench(dir: string): Promise<void> {
  await isolationCost(dir);
  await restartToReplay(dir);
  await replayMemory(dir);
}

if (process.argv[2] === '--replay-rss') {
  const [dir, size] = process.argv.slice(3);
  replayRss(dir as string, Number(size)).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}

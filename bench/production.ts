/** Production: part-counter pulses per second through the edge, broker and InfluxDB with none lost; the OEE query for 30 days × 16 machines. */
import { join } from 'node:path';
import { parseKitConfig } from '../config/load.js';
import { createEdge } from '../edge/edge.js';
import type { Source, SourceContext } from '../edge/sources/types.js';
import { DEFAULT_COUNTER_TIMING, initialCounterMemory, stepPartCounter } from '../edge/stages/partCounter.js';
import { createHistoryStore } from '../gateway/history/historyStore.js';
import { startKit } from '../gateway/kit.js';
import { createProductionService } from '../gateway/production/service.js';
import { createProductionStore } from '../gateway/production/store.js';
import { connectInflux, InfluxSink } from '../gateway/storage/influxSink.js';
import { freePort, startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../gateway/storage/point.js';
import { pointTime } from '../gateway/storage/pointTime.js';
import { ensureSchema } from '../gateway/storage/schema.js';
import { influxAuth, log, report, sleep } from './report.js';

const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The counter stage alone, a tight loop: the ceiling of what the edge's own counting costs. */
function stageBaseline(): number {
  const settings = { partsPerPulse: 1, maxCycleMs: 600_000, ...DEFAULT_COUNTER_TIMING };
  let memory = stepPartCounter(settings, initialCounterMemory(), { kind: 'start', ts: 0 }).memory;
  const pulses = 2_000_000;
  const started = performance.now();
  for (let i = 1; i <= pulses; i++) memory = stepPartCounter(settings, memory, { kind: 'pulse', ts: i }).memory;
  const rate = pulses / ((performance.now() - started) / 1000);
  if (memory.total !== pulses) throw new Error(`counter stage lost pulses: ${memory.total} of ${pulses}`);
  report('part counter stage alone (baseline)', `${Math.round(rate)} pulses/s`, `${pulses} pulses, 1 ms apart, pure function`);
  return rate;
}

/**
 * A GPIO counter input flat out: a source that emits the debounced levels of a million strokes as fast as the event loop lets
 * it (a few seconds, so the edge's once-a-second messages go out several times), through the edge's counter, MQTT and the
 * gateway's ingest into InfluxDB. The stored total must equal the strokes.
 */
async function pulsesEndToEnd(dir: string): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'counts-influx'), log });
  const brokerPort = await freePort();
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    dataDir: join(dir, 'counts-var'),
    sources: {
      gpio: [
        { id: 'stroke', pin: 17, debounceMs: 0 },
        { id: 'lamp', pin: 18 },
      ],
    },
    machines: [{ id: 'press', name: 'press', source: { gpio: 'lamp' } }],
    storage: { influx: influxd.access },
    broker: { host: '127.0.0.1', port: brokerPort, accounts: [{ username: 'edge-b', role: 'edge', password: 'bench-edge-pass' }] },
    edge: { brokerUrl: `mqtt://127.0.0.1:${brokerPort}`, username: 'edge-b', password: 'bench-edge-pass' },
    http: { host: '127.0.0.1', port: 0 },
    production: { machines: [{ machine: 'press', counter: { source: { gpio: 'stroke' } } }] },
  });
  const kit = await startKit({ config, log, baseDir: dir });
  const strokes = 1_000_000;
  let emitted = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const flatOut = (ctx: SourceContext): Source => ({
    id: 'stroke',
    async start() {
      ctx.emit({ kind: 'digital', sourceId: 'stroke', ts: ctx.now(), value: 0 });
      const batch = () => {
        for (let i = 0; i < 500 && emitted < strokes; i++, emitted++) {
          ctx.emit({ kind: 'digital', sourceId: 'stroke', ts: ctx.now(), value: 1 });
          ctx.emit({ kind: 'digital', sourceId: 'stroke', ts: ctx.now(), value: 0 });
        }
        if (emitted < strokes) setImmediate(batch);
        else done();
      };
      setImmediate(batch);
    },
    async stop() {},
  });
  const edge = createEdge({
    config,
    broker: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'edge-b', password: 'bench-edge-pass' },
    log,
    createSource: (kind, id, ctx) => (kind === 'gpio' && id === 'stroke' ? flatOut(ctx) : undefined),
  });
  try {
    const started = performance.now();
    await edge.start();
    await finished;
    const rate = strokes / ((performance.now() - started) / 1000);
    await edge.stop();
    const query = `SELECT max("total") FROM "minotake"."events"."part_count" WHERE "machine" = 'press'`;
    let stored = 0;
    const deadline = Date.now() + 60_000;
    while (stored < strokes && Date.now() < deadline) {
      const response = await fetch(`${influxd.access.url}/query?db=minotake&q=${encodeURIComponent(query)}`, {
        headers: influxAuth(influxd.access),
      });
      const body = (await response.json()) as { results: { series?: { values: [unknown, number][] }[] }[] };
      stored = body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
      if (stored < strokes) await sleep(200);
    }
    const messages = kit.health().ingest.points;
    report(
      'counter pulses through edge → MQTT → InfluxDB',
      `${Math.round(rate)} pulses/s`,
      `${strokes} strokes flat out (debounced levels, ${(strokes / rate).toFixed(1)} s); stored total ${stored}${stored === strokes ? ', none lost' : ` — LOST ${strokes - stored}`}; in ${messages} count messages`,
    );
  } finally {
    await kit.stop();
    await influxd.stop();
  }
}

/** A machine's working day: states at fixed times, a part every 30 s while running, the edge's keepalive every 5 min otherwise. */
const DAY_PLAN: [string, 'RUN' | 'IDLE' | 'OFF'][] = [
  ['08:30', 'RUN'],
  ['10:00', 'IDLE'],
  ['10:20', 'RUN'],
  ['12:00', 'OFF'],
  ['13:00', 'RUN'],
  ['15:30', 'OFF'],
  ['16:00', 'RUN'],
  ['17:30', 'OFF'],
];

async function oeeQuery(dir: string): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'oee-influx'), log });
  try {
    const machines = Array.from({ length: 16 }, (_, i) => ({
      id: `m${i + 1}`,
      name: `m${i + 1}`,
      source: { node: 'n1', channel: `ct${i + 1}` },
      thresholds: { idleAbove: 0.5, runAbove: 4 },
    }));
    const config = parseKitConfig({
      kit: { id: 'bench', site: 'bench' },
      sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
      machines,
      production: {
        machines: machines.map((m) => ({
          machine: m.id,
          counter: { source: { node: 'n1', channel: `p${m.id}` } },
          target: { cycleSeconds: 30 },
        })),
      },
    });
    const influx = connectInflux({ ...influxd.access, database: 'minotake' });
    await ensureSchema(influx, 'minotake', RETENTION);
    const sink = new InfluxSink(influx);
    // 30 local days ending at today's midnight (Asia/Tokyo), so every shift in the range is whole.
    const to = Math.floor((Date.now() + 9 * 3_600_000) / DAY) * DAY - 9 * 3_600_000;
    const from = to - 30 * DAY;
    const epoch = from - DAY;
    let batch: StoredPoint[] = [];
    let total = 0;
    const flush = async (force = false) => {
      if (batch.length < 20_000 && !(force && batch.length > 0)) return;
      await sink.write(batch);
      total += batch.length;
      batch = [];
    };
    for (const m of machines) {
      let parts = 0;
      let seq = 0;
      const count = (t: number, n: number, cycle: boolean) => {
        parts += n;
        seq = (seq + 1) % 65536;
        const fields: StoredPoint['fields'] = { total: parts, parts: n, seq };
        if (cycle) Object.assign(fields, { cycle_ms: 30_000, cycles: 1 });
        batch.push({
          measurement: 'part_count',
          tags: { kit: 'bench', machine: m.id, epoch: String(epoch) },
          fields,
          timeNs: pointTime(t, seq),
        });
      };
      for (let day = from; day < to; day += DAY) {
        const weekday = new Date(day + 9 * 3_600_000).getUTCDay();
        const at = (hhmm: string) => day + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MINUTE;
        const working = weekday >= 1 && weekday <= 5;
        const plan: [number, string][] = working ? DAY_PLAN.map(([hhmm, state]) => [at(hhmm), state]) : [[day, 'OFF']];
        plan.forEach(([t, state], i) => {
          batch.push({
            measurement: 'machine_state',
            tags: { kit: 'bench', machine: m.id },
            fields: { state, code: 0, previous: 'OFF' },
            timeNs: pointTime(t),
          });
          const end = plan[i + 1]?.[0] ?? day + DAY;
          for (let s = t + (state === 'RUN' ? 30_000 : 300_000); s < end; s += state === 'RUN' ? 30_000 : 300_000)
            count(s, state === 'RUN' ? 1 : 0, state === 'RUN');
        });
        await flush();
      }
    }
    await flush(true);
    const history = createHistoryStore(influx, config, { now: () => to });
    const service = createProductionService({
      config,
      history,
      store: createProductionStore(influx, 'minotake', 'bench'),
      write: () => {},
      publish: () => {},
      log,
      now: () => to,
    });
    const time = async (what: () => Promise<unknown>) => {
      await what(); // warm-up: the first query opens the shards
      const started = performance.now();
      await what();
      return performance.now() - started;
    };
    const utilization = await time(async () => {
      for (const m of machines) await history.utilization(m.id, from, to, 'shift');
    });
    const byShift = await time(() => service.oee(from, to, 'shift'));
    const byDay = await time(() => service.oee(from, to, 'day'));
    const rows = (await service.oee(from, to, 'shift')).rows;
    const workload = `30 days × 16 machines, ${total} points (states, a part every 30 s, keepalives); ${rows.length} rows`;
    report('稼働率 by shift, 30 d × 16 machines (baseline)', `${Math.round(utilization)} ms`, workload);
    report('OEE by shift, 30 d × 16 machines', `${Math.round(byShift)} ms`, workload);
    report('OEE by day, 30 d × 16 machines', `${Math.round(byDay)} ms`, workload);
  } finally {
    await influxd.stop();
  }
}

export async function productionBench(dir: string): Promise<void> {
  stageBaseline();
  await pulsesEndToEnd(dir);
  await oeeQuery(dir);
}

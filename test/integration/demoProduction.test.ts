/**
 * The demo kit's filled days as its production pages read them: part counts, stop reasons and rejects of the past days reach
 * the same HTTP API the dashboard calls (OEE, Pareto, the production board, counts, the reason log), from a real InfluxDB;
 * so do the Modbus bus's days (the grinder's energy meter, the store room's climate sensor). Three days are filled, so at least one whole working day is among them whatever the weekday. An unfinished fill is redone
 * from the day it started. Needs the build (the simulator runs from dist/).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { type BackfillResult, backfillDemo } from '../../gateway/demo/backfill.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { plannedIntervals } from '../../gateway/utilization/calendar.js';
import { startOfLocalDay } from '../../gateway/utilization/timeZone.js';
import { testLog } from '../helpers/log.js';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const DEMO = join(import.meta.dirname, '..', '..', 'config', 'kits', 'demo.yaml');
const SIM = join(import.meta.dirname, '..', '..', 'dist', 'firmware-sim', 'cli.js');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TZ = 'Asia/Tokyo';

let dir: ReturnType<typeof tempDir>;
let config: KitConfig;
let kit: Kit | undefined;
let filled: BackfillResult;
let busFilled: BackfillResult;
let token: string;
/** The working days the fill holds whole: [start of the day's shift, its end). */
let workDays: { from: number; to: number }[];

/** The demo kit as shipped, on free loopback ports, three days filled, without the inspection trial (its fit would only load the machine). */
function demoConfig(path: string, days: number): KitConfig {
  const demo = loadKitConfig(DEMO);
  mkdirSync(path, { recursive: true });
  const file = join(path, 'demo.yaml');
  writeFileSync(
    file,
    stringify({
      ...demo,
      dataDir: join(path, 'var'),
      sources: {
        ...demo.sources,
        serial: demo.sources.serial.map((s) => ({
          ...s,
          path: join(path, 'pty', s.id),
          simulator: { ...s.simulator, backfillDays: days },
        })),
        modbus: demo.sources.modbus.map((b) => ({ ...b, path: join(path, 'pty', b.id), simulator: { backfillDays: days } })),
      },
      broker: { ...demo.broker, host: '127.0.0.1', port: 0 },
      http: { ...demo.http, host: '127.0.0.1', port: 0 },
      inspection: { ...demo.inspection, enabled: false, demoTrial: false, stations: [] },
    }),
  );
  return loadKitConfig(file);
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON bodies are checked field by field below
async function get(path: string, query: Record<string, string | number>): Promise<any> {
  return await api(`production/${path}`, query);
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON bodies are checked field by field below
async function api(path: string, query: Record<string, string | number>): Promise<any> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const response = await fetch(`http://127.0.0.1:${kit?.httpPort}/api/${path}?${params}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

beforeAll(async () => {
  requireCommand('influxd', 'apt-get install influxdb');
  requireCommand('socat', 'apt-get install socat');
  if (!existsSync(SIM)) throw new Error(`${SIM} is missing: run 'npm run build' first (npm test does)`);
  dir = tempDir('demo-production');
  config = demoConfig(dir.path, 3);
  kit = await startKit({ config, log: testLog, runSimulators: true, baseDir: dir.path });
  token = kit.auth.createToken('api', 'manager', 'manager').secret;
  const marker = join(dir.path, 'var', 'demo', 'backfill-node-a.json');
  const busMarker = join(dir.path, 'var', 'demo', 'backfill-rs485.json');
  await waitFor('the demo history', () => existsSync(marker) && existsSync(busMarker), 420_000, 500);
  filled = JSON.parse(readFileSync(marker, 'utf8'));
  busFilled = JSON.parse(readFileSync(busMarker, 'utf8'));
  const shifts = new Map<string, { from: number; to: number }>();
  for (const p of plannedIntervals(config.calendar, TZ, filled.from, filled.to + DAY)) {
    const known = shifts.get(p.day);
    shifts.set(p.day, { from: Math.min(known?.from ?? p.from, p.from), to: Math.max(known?.to ?? p.to, p.to) });
  }
  workDays = [...shifts.values()].filter((d) => d.to <= filled.to);
  // The tablet's figures as they are after the fill, not as they were at the start.
  await kit.production.refresh();
}, 480_000);

afterAll(async () => {
  await kit?.stop();
  dir?.remove();
});

describe('the demo kit’s filled days on its production pages', () => {
  it('counts parts on the counted machines, in step with their run time and cycle, and says "no data" where nothing counts', async () => {
    expect(workDays.length).toBeGreaterThanOrEqual(1);
    expect(filled.parts).toBeGreaterThan(0);
    const { rows } = await get('oee', { from: filled.from, to: filled.to, by: 'day' });
    // The simulated press makes a part every 4–6 s of running and the lathe every 45–75 s; their ideal cycles are 4 s and 45 s.
    const cycles: Record<string, [number, number]> = { 'press-1': [4000, 6000], 'lathe-1': [45_000, 75_000] };
    for (const day of workDays) {
      for (const [machine, [fast, slow]] of Object.entries(cycles)) {
        const row = rows.find(
          (r: { machine: string; from: number; to: number }) => r.machine === machine && r.from <= day.from && day.from < r.to,
        );
        expect(row, `${machine} on ${new Date(day.from).toISOString()}`).toBeDefined();
        expect(row.parts).toBeGreaterThan(0);
        // Parts against run time, allowing a step of the 10 s history either side of each run.
        expect(row.parts * fast).toBeLessThanOrEqual(row.runMs * 1.05);
        expect(row.parts * slow).toBeGreaterThanOrEqual(row.runMs * 0.9);
        expect(row.performance).toBeGreaterThan(0.5);
        expect(row.performance).toBeLessThan(1.1);
        // The operators entered every hour's rejects: a percent or two at most.
        expect(row.rejectsRecorded).toBe(true);
        expect(row.quality).toBeGreaterThan(0.97);
        expect(row.oee).toBeGreaterThan(0.2);
        expect(row.oee).toBeLessThan(1);
      }
      // The machining centre has no counter: no performance and no OEE, not 0 %.
      const mc = rows.find(
        (r: { machine: string; from: number; to: number }) => r.machine === 'mc-1' && r.from <= day.from && day.from < r.to,
      );
      expect(mc).toMatchObject({ parts: null, performance: null, oee: null });
      expect(mc.availability).toBeGreaterThan(0.3);
    }
    // Per day on the machine page: counted (keepalives) every filled day, weekend or not; nothing before the fill began.
    const counts = await get('counts', { machine: 'lathe-1', from: filled.from - DAY, to: startOfLocalDay(filled.to, TZ), by: 'day' });
    expect(counts.rows[0]).toMatchObject({ from: filled.from - DAY, parts: null });
    for (const row of counts.rows.slice(1)) expect(row.parts, new Date(row.from).toISOString()).not.toBeNull();
    expect(counts.rows.slice(1).some((row: { cycle: unknown }) => row.cycle !== null)).toBe(true);
  });

  it('gives most stops a reason from the kit’s list, leaves a few older ones without, and none on the tablet’s list', async () => {
    expect(filled.reasons).toBeGreaterThan(0);
    const pareto = await get('pareto', { from: filled.from, to: filled.to });
    const known = new Set([...config.production.reasons.map((r) => r.id), '_none', '_short', '_unasked']);
    const bars = pareto.bars as { reason: string; ms: number; stops: number }[];
    for (const bar of bars) expect(known, bar.reason).toContain(bar.reason);
    // Several reasons, as on a real floor, and the answered time is most of the asked time.
    const answered = bars.filter((b) => !b.reason.startsWith('_'));
    expect(answered.length).toBeGreaterThanOrEqual(4);
    const none = bars.find((b) => b.reason === '_none')?.ms ?? 0;
    expect(none).toBeGreaterThan(0);
    expect(none).toBeLessThan(answered.reduce((sum, b) => sum + b.ms, 0) / 3);
    // The reasons were given by the demo's operator, and the manager's log shows them.
    const log = await get('reasons/log', { from: filled.from, to: filled.to + DAY });
    expect(log.entries.length).toBe(filled.reasons);
    expect(new Set(log.entries.map((e: { by: string; role: string }) => `${e.by}/${e.role}`))).toEqual(new Set(['demo/operator']));
    // Nothing of the fill waits for a reason on the tablet or in the overview's banner: only what happened since may.
    const now = kit?.production.now();
    expect(now?.refreshedAt).not.toBeNull();
    expect(now?.pending.filter((s) => s.from < filled.to - 10 * 60_000)).toEqual([]);
    type StopBody = {
      from: number;
      to: number;
      asked: boolean;
      needsReason: boolean;
      unanswered: string;
      segments: { reason: string | null }[];
    };
    // The compressor's idling is its work (askReasonFor: [OFF, FAULT]): its stops are not asked about and got no made-up reason.
    const compressor = (await get('stops', { machine: 'compressor', from: filled.from, to: filled.to })) as { stops: StopBody[] };
    const idling = compressor.stops.filter((s) => !s.asked);
    expect(idling.some((s) => s.unanswered === '_unasked')).toBe(true);
    for (const stop of idling) expect(stop.segments.map((g) => g.reason).filter((r) => r !== null)).toEqual([]);
    expect(bars.some((b) => b.reason === '_unasked')).toBe(true);
    for (const machine of config.machines.map((m) => m.id)) {
      const { stops } = (await get('stops', { machine, from: filled.from, to: filled.to })) as { stops: StopBody[] };
      // Every unanswered stop of the fill is more than a day old.
      for (const stop of stops) if (stop.needsReason) expect(stop.to).toBeLessThan(filled.to - DAY);
      // A day's view (a shift's board, from 08:30) agrees: a stop that began before the shift keeps the reason it was given.
      const waiting = new Set(stops.filter((s) => s.needsReason).map((s) => s.from));
      for (const day of workDays) {
        const inDay = (await get('stops', { machine, from: day.from, to: day.to })) as { stops: StopBody[] };
        for (const stop of inDay.stops)
          if (stop.needsReason) expect(waiting, `${machine} ${new Date(stop.from).toISOString()}`).toContain(stop.from);
      }
    }
  });

  it('fills the production board of a past shift hour by hour: plan, parts, rejects and the hour’s stop reasons', async () => {
    const day = workDays.at(-1) as { from: number; to: number };
    const board = await get('board', { machine: 'press-1', at: day.from + 2 * HOUR });
    expect(board.shift).toMatchObject({ from: day.from, to: day.to });
    const working = board.rows.filter((r: { plannedMs: number }) => r.plannedMs > 0);
    expect(working.length).toBeGreaterThanOrEqual(8);
    for (const row of working) {
      expect(row.status, new Date(row.from).toISOString()).not.toBe('noData');
      expect(row.actual).toBeGreaterThanOrEqual(0);
    }
    expect(working.reduce((sum: number, r: { actual: number }) => sum + r.actual, 0)).toBeGreaterThan(1000);
    expect(working.some((r: { rejects: number }) => r.rejects > 0)).toBe(true);
    const reasons = new Set(config.production.reasons.map((r) => r.id));
    const rowsWithReasons = working.filter((r: { stops: { reason: string }[] }) => r.stops.some((s) => reasons.has(s.reason)));
    expect(rowsWithReasons.length).toBeGreaterThanOrEqual(1);
  });
});

describe('the demo kit’s filled days of its Modbus bus', () => {
  it('gives the grinder a state history and 稼働率 on a past working day, from its meter’s power on the shift', async () => {
    expect(busFilled).toMatchObject({ node: 'rs485', from: filled.from });
    for (const day of workDays) {
      const { intervals } = await api('timeline', { machine: 'grinder-1', from: day.from, to: day.to });
      const ms = (state: string) =>
        intervals
          .filter((i: { state: string }) => i.state === state)
          .reduce((sum: number, i: { from: number; to: number }) => sum + i.to - i.from, 0);
      // The simulated grinder cycles through running, idling and stopped at work (4, 1.5 and 1 min), and idles over lunch.
      for (const state of ['RUN', 'IDLE', 'OFF']) expect(ms(state), `${state} on ${new Date(day.from).toISOString()}`).toBeGreaterThan(0);
      expect(ms('NO_DATA') + ms('UNKNOWN')).toBe(0);
      const { rows } = await api('utilization', { machine: 'grinder-1', by: 'day', from: day.from, to: day.to });
      const [row] = rows;
      expect(row.noDataMs).toBe(0);
      expect(row.utilization).toBeGreaterThan(0.45);
      expect(row.utilization).toBeLessThan(0.75);
    }
    // Before the fill began the kit saw nothing: no data, not 0 %.
    const before = await api('utilization', { machine: 'grinder-1', by: 'day', from: filled.from - DAY, to: filled.from });
    for (const row of before.rows) expect(row.utilization).toBeNull();
  });

  it('gives the material store its climate through a whole past day, in the simulated room’s range', async () => {
    const to = startOfLocalDay(busFilled.to, TZ);
    const { points } = await api('history/environment', { zone: 'store-1', from: to - DAY, to });
    expect(points.length).toBeGreaterThan(0);
    // Readings through the whole day: none of it a gap the chart would draw as 無信号.
    const times = [to - DAY, ...points.map((p: number[]) => p[0]), to];
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1], new Date(times[i - 1]).toISOString()).toBeLessThanOrEqual(15 * 60_000);
    for (const [, temperatureC, humidityPct, wbgt] of points) {
      expect(temperatureC).toBeGreaterThan(20);
      expect(temperatureC).toBeLessThan(32);
      expect(humidityPct).toBeGreaterThan(45);
      expect(humidityPct).toBeLessThan(75);
      expect(wbgt).toBeGreaterThan(0);
    }
  });
});

describe('a demo fill that did not finish', () => {
  /** A fill at `at` whose points are kept in memory, stoppable with `signal`. */
  const recordedFill = (demo: KitConfig, at: number, signal?: AbortSignal) => {
    const points: StoredPoint[] = [];
    const result = backfillDemo({
      config: demo,
      dataDir: demo.dataDir,
      sink: {
        async write(batch) {
          points.push(...batch);
          return { rejected: [] };
        },
      },
      downsample: async () => {},
      log: testLog,
      now: () => at,
      ...(signal ? { signal } : {}),
    });
    return { points, result };
  };

  it('is redone from the day it started, so the counts of the days both fills cover are not doubled', async () => {
    const path = join(dir.path, 'unfinished');
    const demo = demoConfig(path, 2);
    const now = Date.now();
    const fill = (at: number, signal?: AbortSignal) => recordedFill(demo, at, signal);
    // The first start is stopped once some of the history is written.
    const stopping = new AbortController();
    const first = fill(now, stopping.signal);
    await waitFor('some of the history written', () => first.points.length > 0, 120_000, 20);
    stopping.abort();
    expect(await first.result).toEqual([]);
    expect(existsSync(join(demo.dataDir, 'demo', 'backfill-node-a.json'))).toBe(false);
    // The next start, a day later, fills from where the first one began, and its counts are one epoch: the first one's.
    const second = fill(now + DAY);
    const [result] = await second.result;
    expect(result?.from).toBe(startOfLocalDay(now - 2 * DAY, TZ));
    const epochs = (points: StoredPoint[]) => new Set(points.filter((p) => p.measurement === 'part_count').map((p) => p.tags.epoch));
    expect(epochs(second.points)).toEqual(new Set([String(result?.from)]));
    expect([...epochs(first.points)].every((e) => e === String(result?.from))).toBe(true);
    expect(existsSync(join(demo.dataDir, 'demo', 'backfill-node-a.json'))).toBe(true);
    // The bus, filled after the node, had not begun: its two days are the second start's.
    expect((await second.result)[1]).toMatchObject({ node: 'rs485', from: startOfLocalDay(now - DAY, TZ) });
    expect(existsSync(join(demo.dataDir, 'demo', 'backfill-rs485.json'))).toBe(true);
  }, 240_000);

  it('of the Modbus bus is redone from the day it started, the serial node’s finished fill left as it is', async () => {
    const path = join(dir.path, 'unfinished-bus');
    const demo = demoConfig(path, 2);
    const now = Date.now();
    const fill = (at: number, signal?: AbortSignal) => recordedFill(demo, at, signal);
    // Stopped once the meter's readings are being written: the node is done, the bus is not.
    const stopping = new AbortController();
    const first = fill(now, stopping.signal);
    await waitFor('some of the bus history written', () => first.points.some((p) => p.measurement === 'power'), 120_000, 20);
    stopping.abort();
    expect((await first.result).map((r) => r.node)).toEqual(['node-a']);
    expect(existsSync(join(demo.dataDir, 'demo', 'backfill-rs485.json'))).toBe(false);
    // A day later only the bus is filled, from the day the first start set out from, with the meter's and the sensor's readings.
    const second = fill(now + DAY);
    const results = await second.result;
    expect(results).toEqual([expect.objectContaining({ node: 'rs485', from: startOfLocalDay(now - 2 * DAY, TZ) })]);
    expect(second.points.some((p) => p.measurement === 'current' && p.tags.node === 'node-a')).toBe(false);
    const measurements = new Set(second.points.map((p) => p.measurement));
    for (const m of ['power', 'climate', 'machine_state']) expect(measurements).toContain(m);
    expect(existsSync(join(demo.dataDir, 'demo', 'backfill-rs485.json'))).toBe(true);
  }, 240_000);
});

import Fastify, { type FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { createHistoryStore, type HistoryStore } from '../../gateway/history/historyStore.js';
import { exportRoutes } from '../../gateway/http/routes/export.js';
import { historyRoutes } from '../../gateway/http/routes/history.js';
import { connectInflux, InfluxSink } from '../../gateway/storage/influxSink.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { pointTime } from '../../gateway/storage/pointTime.js';
import { ensureSchema } from '../../gateway/storage/schema.js';
import { startTestInfluxd, tempDir } from '../helpers/services.js';

const KIT = 'kit-t1';
const MIN = 60_000;
const HOUR = 60 * MIN;
/** 'YYYY-MM-DD HH:mm[:ss]' in Japan → ms */
const jst = (text: string) => Date.parse(`${text.replace(' ', 'T')}${text.length === 16 ? ':00' : ''}+09:00`);
const DAY_START = jst('2025-06-02 00:00'); // a Monday
const DAY_END = jst('2025-06-03 00:00');

function kitConfig(rawRetention: string): KitConfig {
  return parseKitConfig({
    kit: { id: KIT, site: '試験工場' },
    sources: { serial: [{ id: 'node-a', path: '/dev/null' }] },
    machines: [
      { id: 'm1', name: '旋盤1号, NC', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
      { id: 'm2', name: 'プレス "A"', source: { node: 'node-a', channel: 'ct2' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
    ],
    zones: [{ id: 'floor', name: '工場内', source: { node: 'node-a', channel: 'env1' } }],
    // The default calendar: 08:30–17:30 Monday to Friday with a 12:00–13:00 break.
    storage: { retention: { raw: rawRetention, minute: 'INF', hour: 'INF', events: 'INF' } },
  });
}

const config = kitConfig('INF');
const tags = (channel: string, extra: Record<string, string>) => ({ kit: KIT, node: 'node-a', channel, ...extra });

/** m1: a reading every 10 s from 08:00 to 10:00; in minute k the six readings are k, k+1 … k+5 A (mean k+2.5, max k+5). */
const m1Readings: StoredPoint[] = Array.from({ length: 720 }, (_, n) => ({
  measurement: 'current',
  tags: tags('ct1', { machine: 'm1' }),
  fields: { amps: Math.floor(n / 6) + (n % 6) },
  timeNs: pointTime(jst('2025-06-02 08:00') + n * 10_000, n % 6),
}));
/** m2: one reading a minute from 08:00 to 09:00, at the same instants as m1's, as one I line gives every channel one time. */
const m2Readings: StoredPoint[] = Array.from({ length: 60 }, (_, n) => ({
  measurement: 'current',
  tags: tags('ct2', { machine: 'm2' }),
  fields: { amps: 3.5 },
  timeNs: pointTime(jst('2025-06-02 08:00') + n * MIN, 0),
}));
/** A spare channel with no machine on it: not exported. */
const spareReadings: StoredPoint[] = Array.from({ length: 10 }, (_, n) => ({
  measurement: 'current',
  tags: tags('ct9', {}),
  fields: { amps: 0.1 },
  timeNs: pointTime(jst('2025-06-02 08:00') + n * MIN, 0),
}));
const climateReadings: StoredPoint[] = Array.from({ length: 120 }, (_, n) => ({
  measurement: 'climate',
  tags: tags('env1', { zone: 'floor' }),
  fields: { temperature_c: 25 + n / 100, humidity_pct: 60, wbgt_c: 22 },
  timeNs: pointTime(jst('2025-06-02 08:00') + n * MIN + 5_000, 1),
}));

/** The hand-made day: the last change before the day is OFF on Sunday evening. */
const m1Changes: [string, string][] = [
  ['2025-06-01 20:00', 'OFF'],
  ['2025-06-02 08:00', 'IDLE'],
  ['2025-06-02 08:45', 'RUN'],
  ['2025-06-02 11:30', 'IDLE'],
  ['2025-06-02 11:45', 'RUN'],
  ['2025-06-02 12:30', 'OFF'],
  ['2025-06-02 13:10', 'RUN'],
  ['2025-06-02 16:00', 'UNKNOWN'],
  ['2025-06-02 16:30', 'RUN'],
  ['2025-06-02 18:00', 'OFF'],
];
const stateEvents: StoredPoint[] = m1Changes.map(([at, state], i) => ({
  measurement: 'machine_state',
  tags: { kit: KIT, machine: 'm1' },
  fields: { state, code: { OFF: 0, IDLE: 1, RUN: 2, UNKNOWN: -1 }[state] as number, previous: m1Changes[i - 1]?.[1] ?? 'UNKNOWN' },
  timeNs: pointTime(jst(at)),
}));

/**
 * When the kit was recording (one point a minute): from Sunday noon through Monday, and on Tuesday only 08:30–10:00
 * (then it was unplugged). Before Sunday noon the kit did not exist.
 */
const coverageMinutes = (from: string, to: string) =>
  Array.from(
    { length: (jst(to) - jst(from)) / MIN },
    (_, n): StoredPoint => ({
      measurement: 'coverage',
      tags: { kit: KIT },
      fields: { alive: true },
      timeNs: pointTime(jst(from) + n * MIN),
    }),
  );
const coverage = [...coverageMinutes('2025-06-01 12:00', '2025-06-03 00:00'), ...coverageMinutes('2025-06-03 08:30', '2025-06-03 10:00')];

let dir: ReturnType<typeof tempDir>;
let influxd: ManagedInfluxd;
let influx: InfluxDB;
let store: HistoryStore;
let app: FastifyInstance;
const access = new Map<string, unknown>();

beforeAll(async () => {
  dir = tempDir('history');
  influxd = await startTestInfluxd(dir.path);
  influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', config.storage.retention);
  const sink = new InfluxSink(influx);
  await sink.write([...m1Readings, ...m2Readings, ...spareReadings, ...climateReadings, ...stateEvents, ...coverage]);
  // What the continuous queries would have written: hourly means up to 07:00 on the day, and (for the 30-day store) minute means.
  await influx.writePoints(
    Array.from({ length: 56 }, (_, n) => ({
      measurement: 'current',
      tags: tags('ct1', { machine: 'm1' }),
      fields: { amps: 1, amps_max: 2 },
      timestamp: new Date(jst('2025-05-31 00:00') + n * HOUR),
    })),
    { retentionPolicy: 'hour', precision: 'ms' },
  );
  await influx.writePoints(
    Array.from({ length: 10 }, (_, n) => ({
      measurement: 'current',
      tags: tags('ct1', { machine: 'm1' }),
      fields: { amps: 99, amps_max: 100 },
      timestamp: new Date(jst('2025-06-02 08:00') + n * MIN),
    })),
    { retentionPolicy: 'minute', precision: 'ms' },
  );
  store = createHistoryStore(influx, config, { now: () => jst('2025-06-10 00:00'), readingsChunkMs: 10 * MIN });
  app = Fastify();
  app.addHook('onRoute', (route) => {
    access.set(route.url, (route.config as { access?: unknown } | undefined)?.access);
  });
  await app.register(historyRoutes, { history: store, config });
  await app.register(exportRoutes, { history: store, config });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await influxd?.stop();
  dir?.remove();
});

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

describe('history series: the resolution follows the range', () => {
  it('up to an hour: raw readings, each its own mean and max', async () => {
    const series = await store.currentSeries('m1', jst('2025-06-02 08:00'), jst('2025-06-02 08:30'));
    expect(series.resolution).toBe('raw');
    expect(series.points).toHaveLength(180);
    expect(series.points[7]).toEqual([jst('2025-06-02 08:01:10'), 2, 2]);
  });

  it('up to 2 days within raw retention: minute means and maxima computed from raw', async () => {
    const series = await store.currentSeries('m1', jst('2025-06-02 07:00'), jst('2025-06-02 12:00'));
    expect(series.resolution).toBe('1m');
    expect(series.points).toHaveLength(120);
    expect(series.points[0]).toEqual([jst('2025-06-02 08:00'), 2.5, 5]);
    expect(series.points[5]).toEqual([jst('2025-06-02 08:05'), 7.5, 10]);
  });

  it('up to 2 days but older than raw retention: the minute policy written by the continuous query', async () => {
    const old = createHistoryStore(influx, kitConfig('30d'), { now: () => jst('2025-09-01 00:00') });
    const series = await old.currentSeries('m1', jst('2025-06-02 07:00'), jst('2025-06-02 12:00'));
    expect(series.resolution).toBe('1m');
    expect(series.points).toEqual(Array.from({ length: 10 }, (_, n) => [jst('2025-06-02 08:00') + n * MIN, 99, 100]));
    // Even an hour's range: its raw points have expired, so minute means rather than an empty chart.
    const hour = await old.currentSeries('m1', jst('2025-06-02 08:00'), jst('2025-06-02 08:30'));
    expect(hour.resolution).toBe('1m');
    expect(hour.points[0]).toEqual([jst('2025-06-02 08:00'), 99, 100]);
  });

  it('beyond 2 days: hourly means from the hour policy, and the hours it has not reached from raw', async () => {
    const series = await store.currentSeries('m1', jst('2025-05-31 00:00'), jst('2025-06-03 00:00'));
    expect(series.resolution).toBe('1h');
    expect(series.points).toHaveLength(58);
    expect(series.points[0]).toEqual([jst('2025-05-31 00:00'), 1, 2]);
    expect(series.points[55]).toEqual([jst('2025-06-02 07:00'), 1, 2]);
    // mean over k = 0…59 of (k + 2.5) is 32; the largest reading is 59 + 5.
    expect(series.points[56]).toEqual([jst('2025-06-02 08:00'), 32, 64]);
    expect(series.points[57]).toEqual([jst('2025-06-02 09:00'), 92, 124]);
  });

  it('climate by zone', async () => {
    const series = await store.environmentSeries('floor', jst('2025-06-02 08:00'), jst('2025-06-02 08:30'));
    expect(series.resolution).toBe('raw');
    expect(series.points).toHaveLength(30);
    expect(series.points[1]).toEqual([jst('2025-06-02 08:01:05'), 25.01, 60, 22]);
    const daily = await store.environmentSeries('floor', DAY_START, DAY_END);
    expect(daily.resolution).toBe('1m');
    expect(daily.points).toHaveLength(120);
  });

  it('refuses an id that is not configured, whatever it contains', async () => {
    await expect(store.currentSeries("m1' OR 1=1", DAY_START, DAY_END)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.environmentSeries('nowhere', DAY_START, DAY_END)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('timeline', () => {
  it('starts with the state recorded before from and covers the range without gaps', async () => {
    const { intervals } = await store.timeline('m1', DAY_START, DAY_END);
    const at = (t: string) => jst(`2025-06-02 ${t}`);
    expect(intervals).toEqual([
      { state: 'OFF', from: DAY_START, to: at('08:00') },
      { state: 'IDLE', from: at('08:00'), to: at('08:45') },
      { state: 'RUN', from: at('08:45'), to: at('11:30') },
      { state: 'IDLE', from: at('11:30'), to: at('11:45') },
      { state: 'RUN', from: at('11:45'), to: at('12:30') },
      { state: 'OFF', from: at('12:30'), to: at('13:10') },
      { state: 'RUN', from: at('13:10'), to: at('16:00') },
      { state: 'UNKNOWN', from: at('16:00'), to: at('16:30') },
      { state: 'RUN', from: at('16:30'), to: at('18:00') },
      { state: 'OFF', from: at('18:00'), to: DAY_END },
    ]);
  });

  it('is NO_DATA before the kit recorded, UNKNOWN while it recorded before the first known state, and ends at now', async () => {
    expect((await store.timeline('m2', DAY_START, DAY_END)).intervals).toEqual([{ state: 'UNKNOWN', from: DAY_START, to: DAY_END }]);
    const early = createHistoryStore(influx, config, { now: () => jst('2025-06-01 21:00') });
    expect((await early.timeline('m1', jst('2025-06-01 00:00'), DAY_END)).intervals).toEqual([
      { state: 'NO_DATA', from: jst('2025-06-01 00:00'), to: jst('2025-06-01 12:00') },
      { state: 'UNKNOWN', from: jst('2025-06-01 12:00'), to: jst('2025-06-01 20:00') },
      { state: 'OFF', from: jst('2025-06-01 20:00'), to: jst('2025-06-01 21:00') },
    ]);
  });

  it('shows the hours a kit was unplugged as NO_DATA, not as the last state it saw', async () => {
    expect((await store.timeline('m1', jst('2025-06-03 00:00'), jst('2025-06-04 00:00'))).intervals).toEqual([
      { state: 'NO_DATA', from: jst('2025-06-03 00:00'), to: jst('2025-06-03 08:30') },
      { state: 'OFF', from: jst('2025-06-03 08:30'), to: jst('2025-06-03 10:00') },
      { state: 'NO_DATA', from: jst('2025-06-03 10:00'), to: jst('2025-06-04 00:00') },
    ]);
  });

  it('takes a range that begins mid-minute as covered by that minute’s point (a stop read from its start seconds ago)', async () => {
    // The last recorded minute is 09:59; nothing of the range lies after a point, but the 09:59 point stands for all of it.
    expect((await store.timeline('m1', jst('2025-06-03 09:59:10'), jst('2025-06-03 09:59:50'))).intervals).toEqual([
      { state: 'OFF', from: jst('2025-06-03 09:59:10'), to: jst('2025-06-03 09:59:50') },
    ]);
    // Seconds into a minute whose point is not written yet: the minute before stands for it, as for any range up to now.
    const justNow = createHistoryStore(influx, config, { now: () => jst('2025-06-03 10:00:30') });
    expect((await justNow.timeline('m1', jst('2025-06-03 10:00:05'), jst('2025-06-03 10:00:30'))).intervals).toEqual([
      { state: 'OFF', from: jst('2025-06-03 10:00:05'), to: jst('2025-06-03 10:00:30') },
    ]);
  });

  it('reads state changes a window at a time and still joins them into one timeline', async () => {
    const chunked = createHistoryStore(influx, config, { now: () => jst('2025-06-10 00:00'), statesChunkMs: HOUR });
    expect(await chunked.timeline('m1', DAY_START, DAY_END)).toEqual(await store.timeline('m1', DAY_START, DAY_END));
  });
});

describe('utilization of the hand-made day', () => {
  it('by day and by shift: 480 planned minutes, 410 run, 30 idle, 10 off, 30 unknown', async () => {
    const expected = {
      plannedMs: 480 * MIN,
      runMs: 410 * MIN,
      idleMs: 30 * MIN,
      offMs: 10 * MIN,
      faultMs: 0,
      unknownMs: 30 * MIN,
      noDataMs: 0,
      utilization: 410 / 480,
    };
    const byDay = await store.utilization('m1', DAY_START, DAY_END, 'day');
    expect(byDay).toEqual({ machine: 'm1', by: 'day', rows: [{ from: DAY_START, to: DAY_END, ...expected }] });
    const byShift = await store.utilization('m1', DAY_START, DAY_END, 'shift');
    expect(byShift.rows).toEqual([{ from: jst('2025-06-02 08:30'), to: jst('2025-06-02 17:30'), shift: 'day', ...expected }]);
  });

  it('by hour: the lunch hour is unplanned, the 16:00 hour half unknown', async () => {
    const { rows } = await store.utilization('m1', DAY_START, DAY_END, 'hour');
    expect(rows).toHaveLength(24);
    expect(rows[12]).toMatchObject({ from: jst('2025-06-02 12:00'), plannedMs: 0, runMs: 0, utilization: null });
    expect(rows[16]).toMatchObject({ plannedMs: 60 * MIN, runMs: 30 * MIN, unknownMs: 30 * MIN, utilization: 0.5 });
  });

  it('a machine whose sensor said nothing while the kit recorded has no 稼働率 (not 0 %), all of its planned time unknown', async () => {
    const { rows } = await store.utilization('m2', DAY_START, DAY_END, 'day');
    expect(rows).toEqual([
      {
        from: DAY_START,
        to: DAY_END,
        plannedMs: 480 * MIN,
        runMs: 0,
        idleMs: 0,
        offMs: 0,
        faultMs: 0,
        unknownMs: 480 * MIN,
        noDataMs: 0,
        utilization: null,
      },
    ]);
  });

  it('days before the kit existed have no 稼働率 (not 0 %), and a day it was unplugged counts only the hours it saw', async () => {
    const { rows } = await store.utilization('m1', jst('2025-05-29 00:00'), jst('2025-06-04 00:00'), 'day');
    const byDate = rows.map((r) => [r.plannedMs / MIN, r.noDataMs / MIN, r.utilization]);
    expect(byDate).toEqual([
      [480, 480, null], // Thursday: no kit yet
      [480, 480, null], // Friday
      [0, 0, null], // Saturday: not planned
      [0, 0, null], // Sunday: the kit arrived at noon, nothing planned
      [480, 0, 410 / 480], // Monday
      [480, 390, 0], // Tuesday: seen 08:30–10:00, the machine off
    ]);
  });
});

describe('CSV export', () => {
  it('readings: BOM, Japanese header, CRLF, quoted names, one row per mapped reading in time order', async () => {
    const text = await collect(store.readingsCsv(jst('2025-06-02 07:00'), jst('2025-06-02 11:00')));
    expect(text.startsWith('\uFEFF日時(Asia/Tokyo),日時(UTC),種別,ID,名称,電流(A),温度(°C),湿度(%RH),WBGT(°C)\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = text.slice(1).split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(m1Readings.length + m2Readings.length + climateReadings.length);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(rows.filter((r) => r.includes(',電流,m1,"旋盤1号, NC",'))).toHaveLength(720);
    expect(rows.filter((r) => r.includes(',電流,m2,"プレス ""A""",3.5,,,'))).toHaveLength(60);
    expect(rows.filter((r) => r.includes(',温湿度,floor,工場内,,'))).toHaveLength(120);
    expect(rows).toContain('2025-06-02 08:01:10,2025-06-01T23:01:10.000Z,電流,m1,"旋盤1号, NC",2,,,');
    expect(rows).toContain('2025-06-02 08:00:05,2025-06-01T23:00:05.000Z,温湿度,floor,工場内,,25,60,22');
    const times = rows.map((r) => r.slice(20, 44));
    expect(times).toEqual([...times].sort());
  });

  it('states: one row per interval and machine, with local and UTC times and the duration', async () => {
    const text = await collect(store.statesCsv(DAY_START, DAY_END));
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('\uFEFF設備ID,設備名,状態,状態名,開始(Asia/Tokyo),終了(Asia/Tokyo),開始(UTC),終了(UTC),継続時間(秒)');
    expect(lines.slice(1, -1)).toHaveLength(11);
    expect(lines[3]).toBe(
      'm1,"旋盤1号, NC",RUN,稼働,2025-06-02 08:45:00,2025-06-02 11:30:00,2025-06-01T23:45:00.000Z,2025-06-02T02:30:00.000Z,9900',
    );
    expect(lines[11]).toBe(
      'm2,"プレス ""A""",UNKNOWN,不明,2025-06-02 00:00:00,2025-06-03 00:00:00,2025-06-01T15:00:00.000Z,2025-06-02T15:00:00.000Z,86400',
    );
  });

  it('utilization by day: minutes and percent per machine', async () => {
    const lines = (await collect(store.utilizationCsv(DAY_START, DAY_END))).split('\r\n');
    expect(lines[0]?.startsWith('\uFEFF設備ID,設備名,シフトID,シフト名,')).toBe(true);
    expect(lines[0]).toContain(',停止(分),異常停止(分),不明(分),');
    expect(lines.slice(1, -1)).toEqual([
      'm1,"旋盤1号, NC",,,2025-06-02 00:00:00,2025-06-03 00:00:00,2025-06-01T15:00:00.000Z,2025-06-02T15:00:00.000Z,480,410,30,10,0,30,0,85.4,100,',
      'm2,"プレス ""A""",,,2025-06-02 00:00:00,2025-06-03 00:00:00,2025-06-01T15:00:00.000Z,2025-06-02T15:00:00.000Z,480,0,0,0,0,480,0,,100,無信号（センサを確認）',
    ]);
  });

  it('utilization and states: a day with no data says so instead of 0 %', async () => {
    const friday = [jst('2025-05-30 00:00'), jst('2025-05-31 00:00')] as const;
    const util = (await collect(store.utilizationCsv(...friday))).split('\r\n');
    expect(util[1]).toBe(
      'm1,"旋盤1号, NC",,,2025-05-30 00:00:00,2025-05-31 00:00:00,2025-05-29T15:00:00.000Z,2025-05-30T15:00:00.000Z,480,0,0,0,0,0,480,,0,データなし',
    );
    const states = (await collect(store.statesCsv(...friday))).split('\r\n');
    expect(states[1]).toBe(
      'm1,"旋盤1号, NC",NO_DATA,データなし,2025-05-30 00:00:00,2025-05-31 00:00:00,2025-05-29T15:00:00.000Z,2025-05-30T15:00:00.000Z,86400',
    );
  });

  it('a range with no readings is the header alone', async () => {
    expect(await collect(store.readingsCsv(jst('2025-07-01 00:00'), jst('2025-07-02 00:00')))).toBe(
      '\uFEFF日時(Asia/Tokyo),日時(UTC),種別,ID,名称,電流(A),温度(°C),湿度(%RH),WBGT(°C)\r\n',
    );
  });
});

describe('routes', () => {
  const range = (from: number, to: number) => `from=${from}&to=${to}`;

  it('declare who may use them', () => {
    for (const url of ['/api/history/current', '/api/history/environment', '/api/timeline', '/api/utilization']) {
      expect(access.get(url), url).toBe('viewer');
    }
    for (const url of ['/api/export/readings.csv', '/api/export/states.csv', '/api/export/utilization.csv']) {
      expect(access.get(url), url).toBe('manager');
    }
  });

  it('answer with the store’s series, timeline and utilization', async () => {
    const current = await app.inject(`/api/history/current?machine=m1&${range(jst('2025-06-02 08:00'), jst('2025-06-02 08:30'))}`);
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({ machine: 'm1', resolution: 'raw' });
    expect(current.json().points).toHaveLength(180);

    const environment = await app.inject(`/api/history/environment?zone=floor&${range(DAY_START, DAY_END)}`);
    expect(environment.statusCode).toBe(200);
    // A minute bucket is labelled with its start: the 08:00:05 reading is the 08:00 mean.
    expect(environment.json().points[0]).toEqual([jst('2025-06-02 08:00'), 25, 60, 22]);

    const timeline = await app.inject(`/api/timeline?machine=m1&${range(DAY_START, DAY_END)}`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json()).toEqual(await store.timeline('m1', DAY_START, DAY_END));

    const utilization = await app.inject(`/api/utilization?machine=m1&by=shift&${range(DAY_START, DAY_END)}`);
    expect(utilization.statusCode).toBe(200);
    expect(utilization.json().rows).toEqual([expect.objectContaining({ shift: 'day', runMs: 410 * MIN, utilization: 410 / 480 })]);
  });

  it('400 BAD_RANGE when to is not after from or the range exceeds 400 days', async () => {
    for (const query of [range(DAY_END, DAY_START), range(DAY_START, DAY_START), range(DAY_START, DAY_START + 401 * 86_400_000)]) {
      const response = await app.inject(`/api/timeline?machine=m1&${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ code: 'BAD_RANGE', message: expect.any(String), messageJa: expect.stringMatching(/期間|開始/) });
    }
    const csv = await app.inject(`/api/export/states.csv?${range(DAY_END, DAY_START)}`);
    expect(csv.statusCode).toBe(400);
    expect(csv.json().code).toBe('BAD_RANGE');
  });

  it('400 BAD_REQUEST for a missing or malformed parameter', async () => {
    for (const url of [
      `/api/timeline?${range(DAY_START, DAY_END)}`,
      `/api/timeline?machine=m1&from=yesterday&to=${DAY_END}`,
      `/api/utilization?machine=m1&by=week&${range(DAY_START, DAY_END)}`,
    ]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json()).toMatchObject({ code: 'BAD_REQUEST', messageJa: expect.any(String) });
    }
  });

  it('404 NOT_FOUND for a machine or zone that is not configured', async () => {
    for (const url of [
      `/api/history/current?machine=nope&${range(DAY_START, DAY_END)}`,
      `/api/history/environment?zone=nope&${range(DAY_START, DAY_END)}`,
      `/api/timeline?machine=${encodeURIComponent("m1' OR '1'='1")}&${range(DAY_START, DAY_END)}`,
      `/api/utilization?machine=floor&by=day&${range(DAY_START, DAY_END)}`,
    ]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toMatchObject({ code: 'NOT_FOUND', messageJa: expect.stringContaining('登録されていません') });
    }
  });

  it('stream CSV downloads with a file name, a BOM and every row', async () => {
    const response = await app.inject(`/api/export/readings.csv?${range(jst('2025-06-02 07:00'), jst('2025-06-02 11:00'))}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="minotake-${KIT}-readings-20250602.csv"`);
    expect([...response.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(response.body.split('\r\n').slice(1, -1)).toHaveLength(900);

    const utilization = await app.inject(`/api/export/utilization.csv?by=shift&${range(DAY_START, DAY_END)}`);
    expect(utilization.statusCode).toBe(200);
    expect(utilization.headers['content-disposition']).toBe(`attachment; filename="minotake-${KIT}-utilization-20250602.csv"`);
    expect(utilization.body).toContain(',day,日勤,2025-06-02 08:30:00,2025-06-02 17:30:00,');
  });

  it('503 STORAGE_UNAVAILABLE, not a cut-off file, when InfluxDB does not answer', async () => {
    const dead = createHistoryStore(connectInflux({ url: 'http://127.0.0.1:9', database: 'minotake' }), config);
    const offline = Fastify();
    await offline.register(historyRoutes, { history: dead, config });
    await offline.register(exportRoutes, { history: dead, config });
    try {
      const timeline = await offline.inject(`/api/timeline?machine=m1&${range(DAY_START, DAY_END)}`);
      expect(timeline.statusCode).toBe(503);
      expect(timeline.json().code).toBe('STORAGE_UNAVAILABLE');
      const csv = await offline.inject(`/api/export/readings.csv?${range(DAY_START, DAY_END)}`);
      expect(csv.statusCode).toBe(503);
      expect(csv.json().code).toBe('STORAGE_UNAVAILABLE');
    } finally {
      await offline.close();
    }
  });
});

/**
 * A Modbus meter's power is downsampled like current and climate. Against a real influxd: the continuous queries exist, the
 * minute one really runs (InfluxDB runs it once a minute is over, checking once a minute: this test waits up to three
 * minutes for it), and the hour one — which would take an hour — is run by hand from its own definition as InfluxDB reports it.
 */
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { createHistoryStore } from '../../gateway/history/historyStore.js';
import { connectInflux, InfluxSink } from '../../gateway/storage/influxSink.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { pointTime } from '../../gateway/storage/pointTime.js';
import { ensureSchema } from '../../gateway/storage/schema.js';
import { influxQuery, startTestInfluxd, tempDir } from '../helpers/services.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };
const TAGS = { kit: 'kit-p', node: 'meter-1', channel: 'total', machine: 'grinder' };

let dir: ReturnType<typeof tempDir>;
let influxd: ManagedInfluxd;
let influx: InfluxDB;

beforeAll(async () => {
  dir = tempDir('power-cq');
  influxd = await startTestInfluxd(dir.path);
  influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', RETENTION);
});

afterAll(async () => {
  await influxd?.stop();
  dir?.remove();
});

const query = (q: string) => influxQuery(influxd.access.url, 'minotake', q);

async function continuousQueries(): Promise<Map<string, string>> {
  const rows = await influx.showContinousQueries('minotake');
  return new Map(rows.map((r) => [r.name, r.query]));
}

describe('power downsampling', () => {
  it('has a minute and an hour continuous query for power, and making the schema again changes nothing', async () => {
    const before = await continuousQueries();
    expect(before.get('cq_power_1m')).toMatch(/INTO minotake\.minute\.power FROM minotake\.raw\.power GROUP BY time\(1m\), \*/);
    expect(before.get('cq_power_1h')).toMatch(/INTO minotake\.hour\.power FROM minotake\.minute\.power GROUP BY time\(1h\), \*/);
    await ensureSchema(influx, 'minotake', RETENTION);
    expect(await continuousQueries()).toEqual(before);
  });

  it('writes minute means, maxima and the last kWh once InfluxDB has run the minute query', async () => {
    // Twelve readings 5 s apart in the coming minute (InfluxDB never runs a query for the minute it was made in):
    // 1000, 1100 … 2100 W while the meter counts up.
    const minute = Math.floor(Date.now() / MIN) * MIN + MIN;
    const points: StoredPoint[] = Array.from({ length: 12 }, (_, i) => ({
      measurement: 'power',
      tags: TAGS,
      fields: { watts: 1000 + 100 * i, volts: 200 + (i % 2), power_factor: 0.8, hz: 50, kwh: 1234.5 + i / 100 },
      timeNs: pointTime(minute + i * 5000, i),
    }));
    await new InfluxSink(influx).write(points);
    let rows: Record<string, unknown>[] = [];
    // InfluxDB checks its continuous queries once a minute and takes a minute after it has ended: up to three minutes.
    for (const deadline = Date.now() + 270_000; rows.length === 0; ) {
      if (Date.now() > deadline) throw new Error('the minute continuous query wrote nothing for power within 270 s');
      await new Promise((r) => setTimeout(r, 2000));
      rows = await query(`SELECT * FROM "minute"."power" WHERE "machine" = 'grinder'`);
    }
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, number | string>;
    expect(Number(row.time) / 1e6).toBe(minute);
    expect(row.watts).toBeCloseTo(1550, 6);
    expect(row.watts_max).toBe(2100);
    expect(row.volts).toBeCloseTo(200.5, 6);
    expect(row.power_factor).toBeCloseTo(0.8, 6);
    expect(row.hz).toBe(50);
    expect(row.kwh).toBeCloseTo(1234.61, 6);
    // Tags are kept, so Grafana and the history can still ask by machine or by meter channel.
    expect(row).toMatchObject(TAGS);
  }, 300_000);

  it('turns minute rows into hour rows with the hour query as InfluxDB has it (run by hand: it would take an hour)', async () => {
    // A recent hour: the minute policy keeps 400 days.
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    await influx.writePoints(
      Array.from({ length: 60 }, (_, i) => ({
        measurement: 'power',
        tags: { ...TAGS, machine: 'press' },
        fields: { watts: i < 30 ? 500 : 1500, watts_max: i === 42 ? 9000 : 1600, volts: 200, power_factor: 0.9, hz: 60, kwh: 100 + i },
        timestamp: new Date(hour + i * MIN),
      })),
      { retentionPolicy: 'minute', precision: 'ms' },
    );
    const definition = (await continuousQueries()).get('cq_power_1h') ?? '';
    const select = /BEGIN (SELECT .*) (GROUP BY .*) END$/.exec(definition);
    expect(select, definition).not.toBeNull();
    const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    await query(`${select?.[1]} WHERE time >= ${ns(hour)} AND time < ${ns(hour + HOUR)} ${select?.[2]}`);
    const rows = await query(`SELECT * FROM "hour"."power" WHERE "machine" = 'press'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ watts: 1000, watts_max: 9000, volts: 200, hz: 60, kwh: 159, ...TAGS, machine: 'press' });
    expect(rows[0]?.power_factor).toBeCloseTo(0.9, 6);
    expect(Number(rows[0]?.time) / 1e6).toBe(hour);
  });
});

describe("a machine's power history (the machine page's chart of a machine watched by power)", () => {
  const config = parseKitConfig({
    kit: { id: 'kit-p', site: 's' },
    sources: { modbus: [{ id: 'rs485', path: '/dev/ttyUSB9', devices: [{ id: 'meter-1', address: 1, map: 'sdm630' }] }] },
    machines: [
      {
        id: 'grinder',
        name: '研削盤',
        source: { node: 'meter-1', channel: 'total', quantity: 'power' },
        thresholds: { idleAbove: 150, runAbove: 1500, hysteresis: 50 },
      },
    ],
    storage: { retention: RETENTION },
  });
  const start = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;

  it('gives raw watts for an hour and minute means and maxima for a day, skipping readings without watts', async () => {
    // Every 10 s for 30 minutes: 400 W, then 3000 W with a 3600 W peak each minute; every third point has volts only.
    const points: StoredPoint[] = Array.from({ length: 180 }, (_, i) => ({
      measurement: 'power',
      tags: { kit: 'kit-p', node: 'meter-1', channel: 'total', machine: 'grinder' },
      fields: (i % 3 === 2 ? { volts: 200 } : { watts: i < 90 ? 400 : i % 6 === 0 ? 3600 : 3000, volts: 200 }) as StoredPoint['fields'],
      timeNs: pointTime(start + i * 10_000, 0),
    }));
    await new InfluxSink(influx).write(points);
    const store = createHistoryStore(influx, config, { now: () => start + 2 * HOUR });
    const raw = await store.powerSeries('grinder', start, start + HOUR);
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(120);
    expect(raw.points[0]).toEqual([start, 400, 400]);
    // Half a day that ends before the minute test above wrote its grinder readings (at the real now, 6 h later).
    const day = await store.powerSeries('grinder', start - 11 * HOUR, start + HOUR);
    expect(day.resolution).toBe('1m');
    expect(day.points).toHaveLength(30);
    expect(day.points[0]).toEqual([start, 400, 400]);
    // Minute 20: watts at 0, 10, 30 and 40 s (20 and 50 s carry volts only): 3600, 3000, 3000, 3000.
    expect(day.points[20]).toEqual([start + 20 * MIN, 3150, 3600]);
    await expect(store.powerSeries('lathe', start, start + HOUR)).rejects.toThrow(/unknown machine/);
  });
});

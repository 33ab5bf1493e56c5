/** Creates the kit's database, retention policies and downsampling continuous queries; safe to run at every start. */
import type { InfluxDB } from 'influx';

export interface RetentionSettings {
  raw: string;
  minute: string;
  hour: string;
  events: string;
}

/** Continuous queries: raw → minute means, minute → hour means; maxima are kept beside the means. */
const DOWNSAMPLING: { measurement: string; minute: string; hour: string }[] = [
  { measurement: 'current', minute: 'mean(amps) AS amps, max(amps) AS amps_max', hour: 'mean(amps) AS amps, max(amps_max) AS amps_max' },
  {
    measurement: 'climate',
    minute:
      'mean(temperature_c) AS temperature_c, max(temperature_c) AS temperature_c_max, mean(humidity_pct) AS humidity_pct, ' +
      'mean(wbgt_c) AS wbgt_c, max(wbgt_c) AS wbgt_c_max',
    hour:
      'mean(temperature_c) AS temperature_c, max(temperature_c_max) AS temperature_c_max, mean(humidity_pct) AS humidity_pct, ' +
      'mean(wbgt_c) AS wbgt_c, max(wbgt_c_max) AS wbgt_c_max',
  },
  // kWh is the meter's running total: the last of each interval, so that a difference of two gives the energy between them.
  {
    measurement: 'power',
    minute:
      'mean(watts) AS watts, max(watts) AS watts_max, mean(volts) AS volts, mean(power_factor) AS power_factor, mean(hz) AS hz, ' +
      'last(kwh) AS kwh',
    hour:
      'mean(watts) AS watts, max(watts_max) AS watts_max, mean(volts) AS volts, mean(power_factor) AS power_factor, mean(hz) AS hz, ' +
      'last(kwh) AS kwh',
  },
];

/** InfluxDB reports durations as `720h0m0s`, and INF as `0s`. */
function sameDuration(reported: string, wanted: string): boolean {
  if (wanted === 'INF') return reported === '0s';
  const hours = { h: 1, d: 24, w: 168 }[wanted.slice(-1) as 'h'] * Number(wanted.slice(0, -1));
  return reported === `${hours}h0m0s`;
}

export async function ensureSchema(influx: InfluxDB, database: string, retention: RetentionSettings): Promise<void> {
  await influx.createDatabase(database); // CREATE DATABASE is idempotent in 1.x
  const existing = await influx.showRetentionPolicies(database);
  const policies: [string, string, boolean][] = [
    ['raw', retention.raw, true],
    ['minute', retention.minute, false],
    ['hour', retention.hour, false],
    ['events', retention.events, false],
  ];
  for (const [name, duration, isDefault] of policies) {
    const found = existing.find((p) => p.name === name);
    const options = { database, duration, replication: 1, isDefault };
    if (!found) await influx.createRetentionPolicy(name, options);
    else if (!sameDuration(found.duration, duration) || found.default !== isDefault) await influx.alterRetentionPolicy(name, options);
  }
  const existingQueries = new Set((await influx.showContinousQueries(database)).map((q) => q.name));
  for (const { measurement, minute, hour } of DOWNSAMPLING) {
    const plan = [
      { name: `cq_${measurement}_1m`, select: minute, from: 'raw', into: 'minute', every: '1m' },
      { name: `cq_${measurement}_1h`, select: hour, from: 'minute', into: 'hour', every: '1h' },
    ];
    for (const { name, select, from, into, every } of plan) {
      if (existingQueries.has(name)) continue;
      const query = `SELECT ${select} INTO "${database}"."${into}"."${measurement}" FROM "${database}"."${from}"."${measurement}" GROUP BY time(${every}), *`;
      await influx.createContinuousQuery(name, query, database);
    }
  }
}

/**
 * Runs the continuous queries' own SELECT … INTO over [from, to), minute means from raw and then hour means from
 * minutes: continuous queries never look back, so points written after their time (a demo's history) need this once.
 */
export async function downsampleRange(influx: InfluxDB, database: string, from: number, to: number): Promise<void> {
  const HOUR = 3_600_000;
  const ns = (ms: number) => `${BigInt(Math.trunc(ms)) * 1_000_000n}`;
  const steps = [
    { select: 'minute', source: 'raw', into: 'minute', every: '1m', a: from, b: to },
    { select: 'hour', source: 'minute', into: 'hour', every: '1h', a: Math.floor(from / HOUR) * HOUR, b: Math.ceil(to / HOUR) * HOUR },
  ] as const;
  for (const step of steps) {
    for (const d of DOWNSAMPLING) {
      await influx.query(
        `SELECT ${d[step.select]} INTO "${database}"."${step.into}"."${d.measurement}" FROM "${database}"."${step.source}"."${d.measurement}" ` +
          `WHERE time >= ${ns(step.a)} AND time < ${ns(step.b)} GROUP BY time(${step.every}), *`,
        { database },
      );
    }
  }
}

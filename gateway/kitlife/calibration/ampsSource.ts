/** A channel's stored RMS readings over a span, binned as they stream out of InfluxDB (a month never sits in memory). */
import type { InfluxDB } from 'influx';
import { ident, literal, source, timeRange } from '../../history/influxql.js';
import { type AmpsHistogram, addReadings, emptyHistogram } from './histogram.js';

const HOUR = 3_600_000;

export interface ChannelReadings {
  histogram: AmpsHistogram;
  /** raw: every reading (spans up to a day); 1m: minute means (longer spans: a Pi bins 40,000 a month, not 2.6 million). */
  resolution: 'raw' | '1m';
}

export async function channelHistogram(
  influx: InfluxDB,
  database: string,
  where: { kit: string; node: string; channel: string },
  from: number,
  to: number,
): Promise<ChannelReadings> {
  const resolution = to - from <= 24 * HOUR ? 'raw' : '1m';
  const filter = ['kit', 'node', 'channel'].map((k) => `${ident(k)} = ${literal(where[k as 'kit'])}`).join(' AND ');
  const histogram = emptyHistogram();
  const window = resolution === 'raw' ? 6 * HOUR : 7 * 24 * HOUR;
  for (let start = from; start < to; start += window) {
    const range = timeRange(start, Math.min(start + window, to));
    const q =
      resolution === 'raw'
        ? `SELECT "amps" FROM ${source(database, 'raw', 'current')} WHERE ${filter} AND ${range}`
        : `SELECT mean("amps") FROM ${source(database, 'raw', 'current')} WHERE ${filter} AND ${range} GROUP BY time(1m) fill(none)`;
    const response = (await influx.queryRaw(q, { database, precision: 'ms' })) as {
      results?: { series?: { values?: unknown[][] }[]; error?: string }[];
    };
    const result = response.results?.[0];
    if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
    for (const series of result?.series ?? [])
      addReadings(
        histogram,
        (series.values ?? []).map((v) => Number(v[1])),
      );
  }
  return { histogram, resolution };
}

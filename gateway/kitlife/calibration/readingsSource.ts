/** A channel's stored readings (RMS amps, or a meter's watts) over a span, binned as they stream out of InfluxDB (a month never sits in memory). */
import type { InfluxDB } from 'influx';
import { ident, literal, source, timeRange } from '../../history/influxql.js';
import { addReadings, emptyHistogram, type ReadingHistogram } from './histogram.js';
import { type Quantity, SCALES } from './scale.js';

const HOUR = 3_600_000;

/** Where each quantity is stored (docs/storage.md). */
export const STORED: Record<Quantity, { measurement: string; field: string }> = {
  current: { measurement: 'current', field: 'amps' },
  power: { measurement: 'power', field: 'watts' },
};

export interface ChannelReadings {
  histogram: ReadingHistogram;
  /** raw: every reading (spans up to a day); 1m: minute means (longer spans: a Pi bins 40,000 a month, not 2.6 million). */
  resolution: 'raw' | '1m';
}

export async function channelHistogram(
  influx: InfluxDB,
  database: string,
  where: { kit: string; node: string; channel: string },
  from: number,
  to: number,
  quantity: Quantity = 'current',
): Promise<ChannelReadings> {
  const resolution = to - from <= 24 * HOUR ? 'raw' : '1m';
  const { measurement, field } = STORED[quantity];
  const filter = ['kit', 'node', 'channel'].map((k) => `${ident(k)} = ${literal(where[k as 'kit'])}`).join(' AND ');
  const histogram = emptyHistogram(SCALES[quantity]);
  const window = resolution === 'raw' ? 6 * HOUR : 7 * 24 * HOUR;
  for (let start = from; start < to; start += window) {
    const range = timeRange(start, Math.min(start + window, to));
    const q =
      resolution === 'raw'
        ? `SELECT ${ident(field)} FROM ${source(database, 'raw', measurement)} WHERE ${filter} AND ${range}`
        : `SELECT mean(${ident(field)}) FROM ${source(database, 'raw', measurement)} WHERE ${filter} AND ${range} GROUP BY time(1m) fill(none)`;
    const response = (await influx.queryRaw(q, { database, precision: 'ms' })) as {
      results?: { series?: { values?: unknown[][] }[]; error?: string }[];
    };
    const result = response.results?.[0];
    if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
    // A meter's point may carry volts or kWh but no watts: its row has a null, which is no reading.
    for (const series of result?.series ?? [])
      addReadings(
        histogram,
        (series.values ?? []).flatMap((v) => (typeof v[1] === 'number' ? [v[1]] : [])),
      );
  }
  return { histogram, resolution };
}

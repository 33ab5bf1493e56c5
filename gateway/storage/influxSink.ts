/** Writes point batches to InfluxDB 1.x through the `influx` client; the only module that writes to InfluxDB. */
import { InfluxDB, type IPoint } from 'influx';
import type { PointSink, StoredPoint } from './point.js';

export interface InfluxTarget {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

export function connectInflux(target: InfluxTarget): InfluxDB {
  const url = new URL(target.url);
  return new InfluxDB({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 8086)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    database: target.database,
    ...(target.username ? { username: target.username, password: target.password ?? '' } : {}),
    // The client would retry across hosts; the point buffer owns retries, so fail fast instead.
    pool: { maxRetries: 0, requestTimeout: 15_000 },
  });
}

/** Sparse events (state changes, sensor errors) are kept as long as the trial reports need them, not 30 days. */
const EVENT_MEASUREMENTS = new Set(['machine_state', 'digital_input', 'sensor_error', 'node_status', 'alarm']);

export class InfluxSink implements PointSink {
  constructor(private readonly influx: InfluxDB) {}

  async write(points: StoredPoint[]): Promise<void> {
    const raw: IPoint[] = [];
    const events: IPoint[] = [];
    for (const p of points) {
      (EVENT_MEASUREMENTS.has(p.measurement) ? events : raw).push({
        measurement: p.measurement,
        tags: p.tags,
        fields: p.fields,
        timestamp: p.timeNs,
      });
    }
    if (raw.length > 0) await this.influx.writePoints(raw, { precision: 'n', retentionPolicy: 'raw' });
    if (events.length > 0) await this.influx.writePoints(events, { precision: 'n', retentionPolicy: 'events' });
  }
}

/** Writes point batches to InfluxDB 1.x through the `influx` client; the only module that writes to InfluxDB. */
import { InfluxDB, type IPoint } from 'influx';
import { PointsRefusedError, writeIsolating } from './isolate.js';
import type { PointSink, RejectedPoint, SinkWriteResult, StoredPoint } from './point.js';
import { beyondRetention, malformedReason, retentionMs } from './pointCheck.js';

/** Where an InfluxDB is and who the kit is to it. */
export interface InfluxAccess {
  url: string;
  username?: string;
  password?: string;
}

export interface InfluxTarget extends InfluxAccess {
  database: string;
}

/** The client never takes a host out of its pool for a while after a failure: the point buffer owns retries and probes. */
const NO_BACKOFF = {
  getDelay: () => 0,
  next() {
    return NO_BACKOFF;
  },
  reset() {
    return NO_BACKOFF;
  },
};

export function connectInflux(target: InfluxTarget): InfluxDB {
  const url = new URL(target.url);
  return new InfluxDB({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 8086)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    database: target.database,
    ...(target.username ? { username: target.username, password: target.password ?? '' } : {}),
    // The client would retry across hosts; the point buffer owns retries, so fail fast instead.
    pool: { maxRetries: 0, requestTimeout: 15_000, backoff: NO_BACKOFF },
  });
}

export type StorageUnavailableCode =
  /** No answer: connection refused or reset, timeout. */
  | 'INFLUX_UNREACHABLE'
  /** HTTP 5xx: InfluxDB is there but cannot take writes now. */
  | 'INFLUX_SERVER_ERROR'
  /** HTTP 401/403: the kit's credentials are wrong; no point is at fault. */
  | 'INFLUX_AUTH'
  /** HTTP 404: the database or retention policy does not exist (yet). */
  | 'INFLUX_NOT_READY';

/** InfluxDB cannot store anything now; the batch is not at fault and goes back to be retried. Carries no request objects. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(
    readonly code: StorageUnavailableCode,
    message: string,
  ) {
    super(message);
  }
}

/** The `error` text of an InfluxDB answer body, or the body itself. */
function answerText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {}
  return body.trim().slice(0, 500);
}

/** `partial write: field type conflict: input field "amps" on measurement "current" is type string, already exists as type float dropped=2` */
const TYPE_CONFLICT = /field type conflict: input field "(.+?)" on measurement "(.+?)" is type \w+, already exists as type (\w+)/;
/** How the client writes each JavaScript type (a number always as a float: no `i` suffix). */
const INFLUX_TYPE: Record<string, string> = { number: 'float', string: 'string', boolean: 'boolean' };

/** A type conflict names the field: every point of the batch with another type there is refused. */
function namedRefusal(text: string): PointsRefusedError<StoredPoint>['named'] {
  const match = TYPE_CONFLICT.exec(text);
  if (!match) return undefined;
  const [, field = '', measurement, stored] = match;
  return {
    culprit: (p) => p.measurement === measurement && Object.hasOwn(p.fields, field) && INFLUX_TYPE[typeof p.fields[field]] !== stored,
  };
}

/** Sorts a failed write into "these points are refused" (thrown as PointsRefusedError) and "InfluxDB is unavailable". */
function classify(err: unknown): Error {
  const failure = err as { res?: { statusCode?: number }; message?: string; code?: string };
  const status = failure.res?.statusCode;
  if (status === undefined) {
    return new StorageUnavailableError('INFLUX_UNREACHABLE', failure.message || failure.code || 'no answer from InfluxDB');
  }
  // The client's message is "A 400 Bad Request error occurred: <body>".
  const text = answerText(String(failure.message ?? '').replace(/^A \d+ [^:]*error occurred: /, ''));
  if (status === 401 || status === 403)
    return new StorageUnavailableError('INFLUX_AUTH', `InfluxDB refused the kit's credentials (${status}): ${text}`);
  if (status === 404 || /database not found|retention policy not found/.test(text)) {
    return new StorageUnavailableError('INFLUX_NOT_READY', `InfluxDB ${status}: ${text}`);
  }
  if (status === 400 || status === 413 || status === 422) return new PointsRefusedError(text || `HTTP ${status}`, namedRefusal(text));
  return new StorageUnavailableError('INFLUX_SERVER_ERROR', `InfluxDB ${status}: ${text}`);
}

/** Sparse events (state changes, sensor errors) are kept as long as the trial reports need them, not 30 days. */
const EVENT_MEASUREMENTS = new Set([
  'machine_state',
  'digital_input',
  'sensor_error',
  'node_status',
  'alarm',
  'inspection',
  'coverage',
  // Production (docs/production.md): parts made, stop reasons and rejects are the trial's record, not 30 days of readings.
  'part_count',
  'stop_reason',
  'reject_count',
]);

export interface InfluxSinkOptions {
  /** The policies' durations (storage.retention): a point older than its policy keeps is refused here, without a request. */
  retention?: { raw: string; events: string };
  now?: () => number;
}

export class InfluxSink implements PointSink {
  private readonly keepRawMs: number | undefined;
  private readonly keepEventsMs: number | undefined;
  private readonly now: () => number;

  constructor(
    private readonly influx: InfluxDB,
    options: InfluxSinkOptions = {},
  ) {
    this.keepRawMs = options.retention ? retentionMs(options.retention.raw) : undefined;
    this.keepEventsMs = options.retention ? retentionMs(options.retention.events) : undefined;
    this.now = options.now ?? Date.now;
  }

  async write(points: StoredPoint[]): Promise<SinkWriteResult> {
    const rejected: RejectedPoint[] = [];
    const raw: StoredPoint[] = [];
    const events: StoredPoint[] = [];
    const now = this.now();
    for (const p of points) {
      const malformed = malformedReason(p);
      if (malformed) {
        rejected.push({ point: p, reason: malformed });
        continue;
      }
      const isEvent = EVENT_MEASUREMENTS.has(p.measurement);
      if (beyondRetention(p.timeNs, isEvent ? this.keepEventsMs : this.keepRawMs, now)) {
        rejected.push({ point: p, reason: 'beyond retention policy (checked before sending)' });
        continue;
      }
      (isEvent ? events : raw).push(p);
    }
    // The events first: a state change (e.g. the RUN that replaces a 無信号 once a Wi-Fi node's buffered readings arrive)
    // is then readable no later than any reading that reached the kit after it. The other way round, whoever reads the
    // record between the two writes sees those readings but not yet the state.
    for (const [policy, batch] of [
      ['events', events],
      ['raw', raw],
    ] as const) {
      rejected.push(...(await writeIsolating(batch, (chunk) => this.writeOnce(chunk, policy))));
    }
    return { rejected };
  }

  async probe(): Promise<boolean> {
    try {
      return (await this.influx.ping(2000)).some((host) => host.online);
    } catch {
      return false;
    }
  }

  private async writeOnce(points: StoredPoint[], retentionPolicy: string): Promise<void> {
    const lines: IPoint[] = points.map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.timeNs }));
    let request: Promise<void>;
    try {
      // The client turns points into line protocol synchronously: a throw here is a point it cannot write, not a network error.
      request = this.influx.writePoints(lines, { precision: 'n', retentionPolicy });
    } catch (err) {
      throw new PointsRefusedError(`unparsable: ${(err as Error).message}`);
    }
    try {
      await request;
    } catch (err) {
      throw classify(err);
    }
  }
}

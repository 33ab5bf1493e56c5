/** Reads the kit's history back out of InfluxDB (series, state timelines, 稼働率, CSV); with the sink, the only module that knows InfluxDB. */
import type { InfluxDB } from 'influx';
import type { KitConfig } from '../../config/schema.js';
import type { MachineStateName } from '../../edge/stages/machineState.js';
import type { CurrentSeriesBody, EnvironmentSeriesBody, PowerSeriesBody, TimelineBody, UtilizationBody } from '../http/schemas.js';
import { plannedIntervals } from '../utilization/calendar.js';
import { COVERAGE_GRACE_MS, COVERAGE_STEP_MS, extendToNow, mergeSpans, NoDataOverlay, type Span } from '../utilization/coverage.js';
import { TimelineBuilder, toMachineState } from '../utilization/timeline.js';
import { formatLocal } from '../utilization/timeZone.js';
import { type StateInterval, type TimelineState, type UtilizationBy, utilizationRows } from '../utilization/utilization.js';
import { csvLine, csvText, withHeader } from './csv.js';
import { ident, literal, source, timeNs, timeRange } from './influxql.js';

export type Resolution = 'raw' | '1m' | '1h';
export type CsvKind = 'readings' | 'states' | 'utilization';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** The states a stop is made of (gateway/production/stops.ts). */
const STOPPED: MachineStateName[] = ['OFF', 'IDLE', 'FAULT'];
const DAY = 86_400_000;

export interface HistoryStore {
  currentSeries(machine: string, from: number, to: number): Promise<CurrentSeriesBody>;
  /** A meter's watts on the machine's channel: what a machine watched by power is judged on. */
  powerSeries(machine: string, from: number, to: number): Promise<PowerSeriesBody>;
  environmentSeries(zone: string, from: number, to: number): Promise<EnvironmentSeriesBody>;
  timeline(machine: string, from: number, to: number): Promise<TimelineBody>;
  /**
   * When the stop in force at `at` began (OFF, IDLE and FAULT in a row, as one stop), or null when the machine was not stopped at
   * `at`: a timeline cut at `at` shows the stop from there, but its reasons were given to the whole of it.
   */
  stopStart(machine: string, at: number): Promise<number | null>;
  utilization(machine: string, from: number, to: number, by: UtilizationBy): Promise<UtilizationBody>;
  /** When the kit was recording within [from, min(to, now)): sorted, merged spans; the rest is "no data". */
  coverage(from: number, to: number): Promise<Span[]>;
  /** Minute means [time, amps] of a machine's current, whatever the range: what the trial report's energy estimate sums. */
  currentMinutes(machine: string, from: number, to: number): Promise<[number, number][]>;
  /** Minute means [time, W] of the power of a machine on an energy meter (quantity: power). */
  powerMinutes(machine: string, from: number, to: number): Promise<[number, number][]>;
  /** Minute means [time, °C, %RH, WBGT °C] of a zone's climate, whatever the range. */
  environmentMinutes(zone: string, from: number, to: number): Promise<EnvironmentSeriesBody['points']>;
  /** Every mapped current and climate reading in [from, to), oldest first. */
  readingsCsv(from: number, to: number): AsyncIterable<string>;
  /** Every machine's state intervals in [from, min(to, now)). */
  statesCsv(from: number, to: number): AsyncIterable<string>;
  /** Every machine's 稼働率 rows, by day unless asked otherwise. */
  utilizationCsv(from: number, to: number, by?: UtilizationBy): AsyncIterable<string>;
}

export interface HistoryStoreOptions {
  /** The clock: a timeline ends at "now", and which retention policy still holds raw points depends on it. */
  now?: () => number;
  /** The time window of one raw query while exporting readings; 1 h of 8 CT channels at 1 Hz is ~29,000 rows. */
  readingsChunkMs?: number;
  /** The time window of one state-change query. */
  statesChunkMs?: number;
}

/** An error a caller can act on (HTTP 404 / 400); anything else from here means InfluxDB failed. */
export class HistoryError extends Error {
  constructor(
    readonly code: 'NOT_FOUND',
    message: string,
    readonly messageJa: string,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}

/** raw up to an hour, minute means up to 2 days, hourly means beyond (the contract's Resolution). */
export function resolutionFor(from: number, to: number): Resolution {
  const span = to - from;
  return span <= HOUR ? 'raw' : span <= 2 * DAY ? '1m' : '1h';
}

/** A retention policy duration of the config (`30d`, `720h`, `4w`, `INF`) in ms. */
export function retentionMs(duration: string): number {
  const match = /^(\d+)([hdw])$/.exec(duration);
  if (!match) return Number.POSITIVE_INFINITY;
  return Number(match[1]) * { h: HOUR, d: DAY, w: 7 * DAY }[match[2] as 'h' | 'd' | 'w'];
}

const STATE_NAMES_JA: Record<TimelineState, string> = {
  RUN: '稼働',
  IDLE: '待機',
  OFF: '停止',
  FAULT: '異常停止',
  UNKNOWN: '不明',
  NO_DATA: 'データなし',
};
/** Partly covered hours are read minute by minute, this many hours per request. */
const PARTIAL_HOURS_PER_QUERY = 100;

/** What one kind of series is made of, raw and downsampled (field names as in docs/storage.md). */
interface SeriesSpec {
  measurement: string;
  tag: string;
  raw: string;
  /** Means (and maxima) of raw points per bucket: the same numbers the continuous query writes. */
  fromRaw: string;
  /** The same from the minute or hour policy, where the continuous query already keeps means and maxima. */
  fromDownsampled: string;
  /** One field to find the last downsampled point by. */
  probe: string;
}

const CURRENT: SeriesSpec = {
  measurement: 'current',
  tag: 'machine',
  raw: '"amps"',
  fromRaw: 'mean("amps"), max("amps")',
  fromDownsampled: 'mean("amps"), max("amps_max")',
  probe: '"amps"',
};
/** A Modbus energy meter's power (docs/modbus.md): the power chart's mean and peak watts, the trial report's measured energy. */
const POWER: SeriesSpec = {
  measurement: 'power',
  tag: 'machine',
  raw: '"watts"',
  fromRaw: 'mean("watts"), max("watts")',
  fromDownsampled: 'mean("watts"), max("watts_max")',
  probe: '"watts"',
};
const CLIMATE: SeriesSpec = {
  measurement: 'climate',
  tag: 'zone',
  raw: '"temperature_c", "humidity_pct", "wbgt_c"',
  fromRaw: 'mean("temperature_c"), mean("humidity_pct"), mean("wbgt_c")',
  fromDownsampled: 'mean("temperature_c"), mean("humidity_pct"), mean("wbgt_c")',
  probe: '"temperature_c"',
};

type Row = unknown[];
interface RawResponse {
  results?: { series?: { values?: Row[] }[]; error?: string }[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => Math.round(ms / 600) / 100;

export function createHistoryStore(influx: InfluxDB, config: KitConfig, options: HistoryStoreOptions = {}): HistoryStore {
  const now = options.now ?? Date.now;
  const readingsChunkMs = options.readingsChunkMs ?? HOUR;
  const statesChunkMs = options.statesChunkMs ?? 31 * DAY;
  const database = config.storage.database;
  const timeZone = config.kit.timeZone;
  const rawKeptMs = retentionMs(config.storage.retention.raw);
  const kitFilter = `${ident('kit')} = ${literal(config.kit.id)}`;
  const machines = new Map(config.machines.map((m) => [m.id, m]));
  const zones = new Map(config.zones.map((z) => [z.id, z]));
  const shiftNames = new Map(config.calendar.shifts.map((s) => [s.id, s.name]));

  /** Runs statements in one request; one array of rows (time in ms first) per statement. */
  async function query(statements: string[]): Promise<Row[][]> {
    const response = (await influx.queryRaw(statements, { database, precision: 'ms' })) as RawResponse;
    return statements.map((_, i) => {
      const result = response.results?.[i];
      if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
      return (result?.series ?? []).flatMap((s) => s.values ?? []);
    });
  }

  function machineFilter(machine: string): string {
    // Ids come from the request: only a configured one ever reaches a query.
    if (!machines.has(machine))
      throw new HistoryError('NOT_FOUND', `unknown machine "${machine}"`, `設備「${machine}」は登録されていません`);
    return `${kitFilter} AND ${ident('machine')} = ${literal(machine)}`;
  }

  function zoneFilter(zone: string): string {
    if (!zones.has(zone)) throw new HistoryError('NOT_FOUND', `unknown zone "${zone}"`, `計測区域「${zone}」は登録されていません`);
    return `${kitFilter} AND ${ident('zone')} = ${literal(zone)}`;
  }

  /**
   * Rows [time, ...values] at the resolution the range calls for.
   *
   * Minute means come from raw points (GROUP BY time(1m)) wherever the raw policy still holds them, and from the
   * `minute` policy only before that. Raw is the truth: the continuous query lags up to a minute, never backfills, and
   * so has holes exactly where the spool replayed points after an InfluxDB outage; and two days of 1 Hz readings
   * (172,800 points per machine) are cheap for InfluxDB to average. Hourly means come from the `hour` policy up to its
   * last written hour, and the hours after that (the current one, or any the hourly query has not reached) from raw,
   * since averaging a month of raw points on a Pi for every chart would not be cheap.
   */
  async function seriesRows(spec: SeriesSpec, where: string, from: number, to: number, resolution: Resolution): Promise<Row[]> {
    if (!(to > from)) return [];
    if (resolution === 'raw') {
      const [rows] = await query([
        `SELECT ${spec.raw} FROM ${source(database, 'raw', spec.measurement)} WHERE ${where} AND ${timeRange(from, to)}`,
      ]);
      return rows ?? [];
    }
    const bucket = resolution === '1m' ? MINUTE : HOUR;
    const downsampled = resolution === '1m' ? 'minute' : 'hour';
    const group = `GROUP BY time(${resolution}) fill(none)`;
    // Raw points are certain to exist from here on; rounded up to a bucket so no bucket is split between two policies.
    const rawFrom = Number.isFinite(rawKeptMs) ? Math.ceil((now() - rawKeptMs) / bucket) * bucket : Number.NEGATIVE_INFINITY;
    let split = rawFrom;
    if (resolution === '1h') {
      const [last] = await query([
        `SELECT last(${spec.probe}) FROM ${source(database, downsampled, spec.measurement)} WHERE ${where} AND ${timeRange(from, to)}`,
      ]);
      const lastHour = num(last?.[0]?.[0]);
      split = Math.max(lastHour === null ? from : lastHour + bucket, rawFrom);
    }
    split = Math.min(Math.max(split, from), to);
    const statements: string[] = [];
    if (split > from) {
      statements.push(
        `SELECT ${spec.fromDownsampled} FROM ${source(database, downsampled, spec.measurement)} WHERE ${where} AND ${timeRange(from, split)} ${group}`,
      );
    }
    if (to > split) {
      statements.push(
        `SELECT ${spec.fromRaw} FROM ${source(database, 'raw', spec.measurement)} WHERE ${where} AND ${timeRange(split, to)} ${group}`,
      );
    }
    return (await query(statements)).flat();
  }

  /**
   * When the kit was recording: one `coverage` point per minute the edge was alive. Counted per hour first, so a month
   * of full hours costs one row each; only hours with gaps are read minute by minute.
   */
  async function coverage(from: number, to: number): Promise<Span[]> {
    const end = Math.min(to, now());
    if (!(end > from)) return [];
    const points = source(database, 'events', 'coverage');
    // From a little before `from`: a minute's point stands for the whole minute, and the newest minute's point may not be
    // written yet, so a range that begins a few seconds ago (a stop read from its start) needs the point before it, which
    // extendToNow stretches to now. Spans are cut to [from, end) at the end.
    const lookBack = Math.floor((from - COVERAGE_GRACE_MS) / COVERAGE_STEP_MS) * COVERAGE_STEP_MS;
    const [hours = []] = await query([
      `SELECT count("alive") FROM ${points} WHERE ${kitFilter} AND ${timeRange(lookBack, end)} GROUP BY time(1h) fill(none)`,
    ]);
    const spans: Span[] = [];
    const partial: Span[] = [];
    for (const [time, count] of hours) {
      const hour = num(time);
      if (hour === null) continue;
      const span = { from: Math.max(hour, lookBack), to: Math.min(hour + HOUR, end) };
      if (num(count) === HOUR / COVERAGE_STEP_MS) spans.push(span);
      else partial.push(span);
    }
    for (let i = 0; i < partial.length; i += PARTIAL_HOURS_PER_QUERY) {
      const statements = partial
        .slice(i, i + PARTIAL_HOURS_PER_QUERY)
        .map((p) => `SELECT "alive" FROM ${points} WHERE ${kitFilter} AND ${timeRange(p.from - COVERAGE_STEP_MS + 1, p.to)}`);
      for (const rows of await query(statements)) {
        for (const [time] of rows) {
          const minute = num(time);
          if (minute !== null) spans.push({ from: minute, to: minute + COVERAGE_STEP_MS });
        }
      }
    }
    const merged = mergeSpans(spans, lookBack, end);
    // A range that ends a moment ago (a request's own "now", read again after a write) still ends at the kit's present.
    return mergeSpans(now() - end < COVERAGE_GRACE_MS ? extendToNow(merged, end) : merged, from, end);
  }

  /** A machine's state intervals covering [from, end), streamed: state changes are read a window at a time, "no data" laid over. */
  async function* stateIntervals(machine: string, from: number, end: number, covered: Span[]): AsyncGenerator<StateInterval> {
    const where = machineFilter(machine);
    if (!(end > from)) return;
    const overlay = new NoDataOverlay(covered);
    const events = source(database, 'events', 'machine_state');
    const changesIn = (a: number, b: number) =>
      `SELECT ${ident('state')} FROM ${events} WHERE ${where} AND ${timeRange(a, b)} ORDER BY time ASC`;
    let windowEnd = Math.min(from + statesChunkMs, end);
    const [before, firstChanges] = await query([
      `SELECT ${ident('state')} FROM ${events} WHERE ${where} AND time < ${timeNs(from)} ORDER BY time DESC LIMIT 1`,
      changesIn(from, windowEnd),
    ]);
    const builder = new TimelineBuilder(from, before?.[0] ? toMachineState(before[0][1]) : 'UNKNOWN');
    let changes = firstChanges ?? [];
    for (;;) {
      for (const row of changes) {
        const closed = builder.change(num(row[0]) ?? from, toMachineState(row[1]));
        if (closed) yield* overlay.push(closed);
      }
      if (windowEnd >= end) break;
      const windowStart = windowEnd;
      windowEnd = Math.min(windowStart + statesChunkMs, end);
      [changes = []] = await query([changesIn(windowStart, windowEnd)]);
    }
    const last = builder.finish(end);
    if (last) yield* overlay.push(last);
    yield* overlay.finish();
  }

  async function timelineWith(machine: string, from: number, end: number, covered: Span[]): Promise<StateInterval[]> {
    const intervals: StateInterval[] = [];
    for await (const interval of stateIntervals(machine, from, end, covered)) intervals.push(interval);
    return intervals;
  }

  async function stopStart(machine: string, at: number): Promise<number | null> {
    const where = `${machineFilter(machine)} AND time < ${timeNs(at)}`;
    const events = source(database, 'events', 'machine_state');
    const state = ident('state');
    const stopped = STOPPED.map((s) => `${state} != ${literal(s)}`).join(' AND ');
    // A stop ends where the machine ran or its signal was lost; a kit that was off starts again from UNKNOWN, so that ends one too.
    const [last = [], boundary = []] = await query([
      `SELECT ${state} FROM ${events} WHERE ${where} ORDER BY time DESC LIMIT 1`,
      `SELECT ${state}, ${ident('previous')} FROM ${events} WHERE ${where} AND ((${stopped}) OR ${ident('previous')} = 'UNKNOWN') ORDER BY time DESC LIMIT 1`,
    ]);
    if (!STOPPED.includes(toMachineState(last[0]?.[1]))) return null;
    const edge = boundary[0];
    if (edge && STOPPED.includes(toMachineState(edge[1]))) return num(edge[0]);
    const after = num(edge?.[0]);
    const [first = []] = await query([
      `SELECT ${state} FROM ${events} WHERE ${where}${after === null ? '' : ` AND time > ${timeNs(after)}`} ORDER BY time ASC LIMIT 1`,
    ]);
    return num(first[0]?.[0]);
  }

  async function timeline(machine: string, from: number, to: number): Promise<TimelineBody> {
    machineFilter(machine);
    const end = Math.min(to, now());
    return { machine, intervals: await timelineWith(machine, from, end, await coverage(from, end)) };
  }

  /** 稼働率 rows of one machine, from a coverage already read (the CSV reads it once for every machine). */
  async function utilizationWith(machine: string, from: number, to: number, by: UtilizationBy, covered: Span[]): Promise<UtilizationBody> {
    // Time after now is not planned yet: today's row is "so far", like the dashboard's 稼働率.
    const end = Math.min(to, now());
    const states = await timelineWith(machine, from, end, covered);
    const planned = plannedIntervals(config.calendar, timeZone, from, end);
    return { machine, by, rows: utilizationRows({ states, planned, by, timeZone, from, to }) };
  }

  async function utilization(machine: string, from: number, to: number, by: UtilizationBy): Promise<UtilizationBody> {
    machineFilter(machine);
    return utilizationWith(machine, from, to, by, await coverage(from, to));
  }

  async function* readingLines(from: number, to: number): AsyncGenerator<string> {
    const current = source(database, 'raw', 'current');
    const climate = source(database, 'raw', 'climate');
    // Only readings of mapped channels: a spare CT clamp on nothing is noise to a manager.
    const mapped = (tag: string) => `${kitFilter} AND ${ident(tag)} != ''`;
    let cursor = from;
    while (cursor < to) {
      const windowEnd = Math.min(cursor + readingsChunkMs, to);
      const [amps = [], climates = []] = await query([
        `SELECT "amps", "machine" FROM ${current} WHERE ${mapped('machine')} AND ${timeRange(cursor, windowEnd)}`,
        `SELECT "temperature_c", "humidity_pct", "wbgt_c", "zone" FROM ${climate} WHERE ${mapped('zone')} AND ${timeRange(cursor, windowEnd)}`,
      ]);
      let i = 0;
      let j = 0;
      while (i < amps.length || j < climates.length) {
        const a = amps[i];
        const c = climates[j];
        if (a && (!c || (num(a[0]) ?? 0) <= (num(c[0]) ?? 0))) {
          const t = num(a[0]) ?? cursor;
          const id = String(a[2] ?? '');
          yield csvLine([formatLocal(t, timeZone), iso(t), '電流', id, csvText(machines.get(id)?.name), num(a[1]), null, null, null]);
          i++;
        } else if (c) {
          const t = num(c[0]) ?? cursor;
          const id = String(c[4] ?? '');
          yield csvLine([
            formatLocal(t, timeZone),
            iso(t),
            '温湿度',
            id,
            csvText(zones.get(id)?.name),
            null,
            num(c[1]),
            num(c[2]),
            num(c[3]),
          ]);
          j++;
        }
      }
      cursor = windowEnd;
      if (amps.length === 0 && climates.length === 0 && cursor < to) {
        // Skip a quiet stretch (a kit in its box, the 30 days beyond raw retention) in one query instead of a query per hour.
        const [nextAmps, nextClimate] = await query([
          `SELECT "amps" FROM ${current} WHERE ${mapped('machine')} AND ${timeRange(cursor, to)} LIMIT 1`,
          `SELECT "temperature_c" FROM ${climate} WHERE ${mapped('zone')} AND ${timeRange(cursor, to)} LIMIT 1`,
        ]);
        const next = [num(nextAmps?.[0]?.[0]), num(nextClimate?.[0]?.[0])].filter((t): t is number => t !== null);
        if (next.length === 0) return;
        cursor = Math.max(cursor, Math.min(...next));
      }
    }
  }

  async function* stateLines(from: number, to: number): AsyncGenerator<string> {
    const end = Math.min(to, now());
    const covered = await coverage(from, end);
    for (const machine of config.machines) {
      for await (const s of stateIntervals(machine.id, from, end, covered)) {
        yield csvLine([
          machine.id,
          csvText(machine.name),
          s.state,
          STATE_NAMES_JA[s.state],
          formatLocal(s.from, timeZone),
          formatLocal(s.to, timeZone),
          iso(s.from),
          iso(s.to),
          (s.to - s.from) / 1000,
        ]);
      }
    }
  }

  async function* utilizationLines(from: number, to: number, by: UtilizationBy): AsyncGenerator<string> {
    const covered = await coverage(from, to);
    for (const machine of config.machines) {
      const { rows } = await utilizationWith(machine.id, from, to, by, covered);
      for (const r of rows) {
        yield csvLine([
          machine.id,
          csvText(machine.name),
          r.shift ?? '',
          csvText(r.shift ? shiftNames.get(r.shift) : undefined),
          formatLocal(r.from, timeZone),
          formatLocal(r.to, timeZone),
          iso(r.from),
          iso(r.to),
          minutes(r.plannedMs),
          minutes(r.runMs),
          minutes(r.idleMs),
          minutes(r.offMs),
          minutes(r.faultMs),
          minutes(r.unknownMs),
          minutes(r.noDataMs),
          r.utilization === null ? null : Math.round(r.utilization * 1000) / 10,
          r.plannedMs === 0 ? null : Math.round((1 - r.noDataMs / r.plannedMs) * 1000) / 10,
          r.plannedMs === 0
            ? '計画なし'
            : r.noDataMs === r.plannedMs
              ? 'データなし'
              : r.utilization === null
                ? '無信号（センサを確認）'
                : r.noDataMs > 0
                  ? 'データ一部欠落'
                  : '',
        ]);
      }
    }
  }

  /** Minute rows of a long range, a day per query so that no answer holds more than 1,440 rows a series. */
  async function minuteRows(spec: SeriesSpec, where: string, from: number, to: number): Promise<Row[]> {
    const rows: Row[] = [];
    for (let a = from; a < to; a += DAY) rows.push(...(await seriesRows(spec, where, a, Math.min(a + DAY, to), '1m')));
    return rows;
  }

  /** [time, mean] per minute of one machine's series. */
  async function meansOf(spec: SeriesSpec, machine: string, from: number, to: number): Promise<[number, number][]> {
    const out: [number, number][] = [];
    for (const row of await minuteRows(spec, machineFilter(machine), from, to)) {
      const t = num(row[0]);
      const mean = num(row[1]);
      if (t !== null && mean !== null) out.push([t, mean]);
    }
    return out;
  }

  /** The contract's resolution, except that a short range whose raw points have expired is shown from minute means rather than empty. */
  function resolutionOf(from: number, to: number): Resolution {
    const resolution = resolutionFor(from, to);
    return resolution === 'raw' && from < now() - rawKeptMs ? '1m' : resolution;
  }

  /** [time, mean, max] of a machine's amps or watts; a raw row has one value, which is its own mean and maximum. */
  async function meanMaxSeries(spec: SeriesSpec, machine: string, from: number, to: number) {
    const where = machineFilter(machine);
    const resolution = resolutionOf(from, to);
    const rows = await seriesRows(spec, where, from, to, resolution);
    const points: [number, number, number][] = [];
    for (const row of rows) {
      const t = num(row[0]);
      const mean = num(row[1]);
      // A meter's point without watts (volts or kWh only) has a null here: no reading, not zero.
      if (t !== null && mean !== null) points.push([t, mean, resolution === 'raw' ? mean : (num(row[2]) ?? mean)]);
    }
    return { machine, resolution, points };
  }

  const local = `(${timeZone})`;
  return {
    currentSeries: (machine, from, to) => meanMaxSeries(CURRENT, machine, from, to),
    powerSeries: (machine, from, to) => meanMaxSeries(POWER, machine, from, to),

    async environmentSeries(zone, from, to) {
      const where = zoneFilter(zone);
      const resolution = resolutionOf(from, to);
      const rows = await seriesRows(CLIMATE, where, from, to, resolution);
      const points: EnvironmentSeriesBody['points'] = [];
      for (const row of rows) {
        const t = num(row[0]);
        if (t !== null) points.push([t, num(row[1]), num(row[2]), num(row[3])]);
      }
      return { zone, resolution, points };
    },

    timeline,
    stopStart,
    utilization,
    coverage,

    currentMinutes: (machine, from, to) => meansOf(CURRENT, machine, from, to),
    powerMinutes: (machine, from, to) => meansOf(POWER, machine, from, to),

    async environmentMinutes(zone, from, to) {
      const points: EnvironmentSeriesBody['points'] = [];
      for (const row of await minuteRows(CLIMATE, zoneFilter(zone), from, to)) {
        const t = num(row[0]);
        if (t !== null) points.push([t, num(row[1]), num(row[2]), num(row[3])]);
      }
      return points;
    },

    readingsCsv(from, to) {
      return withHeader(
        [`日時${local}`, '日時(UTC)', '種別', 'ID', '名称', '電流(A)', '温度(°C)', '湿度(%RH)', 'WBGT(°C)'],
        readingLines(from, to),
      );
    },

    statesCsv(from, to) {
      return withHeader(
        ['設備ID', '設備名', '状態', '状態名', `開始${local}`, `終了${local}`, '開始(UTC)', '終了(UTC)', '継続時間(秒)'],
        stateLines(from, to),
      );
    },

    utilizationCsv(from, to, by = 'day') {
      return withHeader(
        [
          '設備ID',
          '設備名',
          'シフトID',
          'シフト名',
          `開始${local}`,
          `終了${local}`,
          '開始(UTC)',
          '終了(UTC)',
          '計画時間(分)',
          '稼働(分)',
          '待機(分)',
          '停止(分)',
          '異常停止(分)',
          '不明(分)',
          'データなし(分)',
          '稼働率(%)',
          'データ収集率(%)',
          '備考',
        ],
        utilizationLines(from, to, by),
      );
    },
  };
}

/** Reads and writes the production records in InfluxDB (docs/storage.md): part counts, stop reasons, rejects, inspection verdicts. */
import type { InfluxDB } from 'influx';
import { ident, literal, source, timeNs, timeRange } from '../history/influxql.js';
import type { StoredPoint } from '../storage/point.js';
import { pointTime } from '../storage/pointTime.js';
import type { CountPoint, CycleSample } from './counts.js';
import type { InspectionMinute, RejectEntry } from './record.js';
import type { ReasonEntry } from './stops.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far back an epoch's last total is looked for: the edge sends one at least every 5 minutes while it counts. */
const BASELINE_LOOKBACK_MS = 6 * HOUR;
/** The longest stop whose reasons are still read for a range: entries are stored at the time they were made. */
export const LONGEST_STOP_MS = 31 * DAY;

interface Series {
  tags?: Record<string, string>;
  columns?: string[];
  values?: unknown[][];
}
interface RawResponse {
  results?: { series?: Series[]; error?: string }[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A reason entry as stored: who entered it in which role, and what it replaced. */
export interface ReasonRecord extends ReasonEntry {
  role: string | null;
  previousReason: string | null;
}

export interface ProductionStore {
  /**
   * Count messages summed per bucket (whole minutes) and epoch in [from, to), stamped with the bucket's start, and each epoch's
   * last total before `from`. InfluxDB sums 43,200 one-minute buckets of a month in about half a second; 30-minute ones in 20 ms.
   */
  counts(
    machine: string,
    from: number,
    to: number,
    bucketMinutes: number,
  ): Promise<{ points: CountPoint[]; baseline: Map<number, number> }>;
  cycles(machine: string, from: number, to: number): Promise<CycleSample[]>;
  /** Reason entries that may concern stops overlapping [from, to): made since LONGEST_STOP_MS before it. */
  reasons(from: number, to: number, machine?: string): Promise<ReasonRecord[]>;
  rejects(from: number, to: number, machine?: string): Promise<RejectEntry[]>;
  inspection(station: string, from: number, to: number): Promise<InspectionMinute[]>;
  reasonPoint(entry: ReasonRecord, seq: number): StoredPoint;
  rejectPoint(entry: RejectEntry, seq: number): StoredPoint;
}

export function createProductionStore(influx: InfluxDB, database: string, kit: string): ProductionStore {
  const kitFilter = `${ident('kit')} = ${literal(kit)}`;
  const machineFilter = (machine?: string) =>
    machine === undefined ? kitFilter : `${kitFilter} AND ${ident('machine')} = ${literal(machine)}`;

  /** One request; per statement its series with their tags, rows' time in ms first. */
  async function query(statements: string[]): Promise<Series[][]> {
    const response = (await influx.queryRaw(statements, { database, precision: 'ms' })) as RawResponse;
    return statements.map((_, i) => {
      const result = response.results?.[i];
      if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
      return result?.series ?? [];
    });
  }

  /** Rows as objects by column name, with the series' tags merged in. */
  const rows = (series: Series[]) =>
    series.flatMap((s) => (s.values ?? []).map((v) => ({ ...s.tags, ...Object.fromEntries((s.columns ?? []).map((c, i) => [c, v[i]])) })));

  const counts = source(database, 'events', 'part_count');
  const reasons = source(database, 'events', 'stop_reason');
  const rejects = source(database, 'events', 'reject_count');

  return {
    async counts(machine, from, to, bucketMinutes) {
      const where = machineFilter(machine);
      const [minutes = [], before = []] = await query([
        // max(total) is the bucket's last total: a total only grows within its epoch.
        `SELECT max("total") AS total, sum("parts") AS parts FROM ${counts} WHERE ${where} AND ${timeRange(from, to)} GROUP BY time(${Math.max(1, Math.round(bucketMinutes))}m), "epoch" fill(none)`,
        `SELECT max("total") AS total FROM ${counts} WHERE ${where} AND ${timeRange(from - BASELINE_LOOKBACK_MS, from)} GROUP BY "epoch"`,
      ]);
      const points: CountPoint[] = [];
      for (const r of rows(minutes)) {
        const [t, epoch, total] = [num(r.time), Number(r.epoch), num(r.total)];
        if (t !== null && Number.isFinite(epoch) && total !== null) points.push({ t, epoch, total, parts: num(r.parts) ?? 0 });
      }
      const baseline = new Map<number, number>();
      for (const r of rows(before)) {
        const total = num(r.total);
        if (total !== null && Number.isFinite(Number(r.epoch))) baseline.set(Number(r.epoch), total);
      }
      return { points, baseline };
    },

    async cycles(machine, from, to) {
      const [series = []] = await query([
        `SELECT "cycle_ms", "cycles" FROM ${counts} WHERE ${machineFilter(machine)} AND "cycles" > 0 AND ${timeRange(from, to)}`,
      ]);
      return rows(series).flatMap((r) => {
        const [t, cycleMs, cycles] = [num(r.time), num(r.cycle_ms), num(r.cycles)];
        return t !== null && cycleMs !== null && cycles !== null ? [{ t, cycleMs, cycles }] : [];
      });
    },

    async reasons(from, to, machine) {
      const [series = []] = await query([
        `SELECT "id", "machine", "stop_from", "from_ms", "to_ms", "reason", "note", "by", "role", "previous_reason" FROM ${reasons} WHERE ${machineFilter(machine)} AND time >= ${timeNs(from - LONGEST_STOP_MS)} AND "from_ms" < ${to}`,
      ]);
      return rows(series).flatMap((r): ReasonRecord[] => {
        const [at, stopFrom, fromMs] = [num(r.time), num(r.stop_from), num(r.from_ms)];
        const [id, m, reason, by] = [str(r.id), str(r.machine), str(r.reason), str(r.by)];
        if (at === null || stopFrom === null || fromMs === null || !id || !m || !reason || by === null) return [];
        const extra = { role: str(r.role), previousReason: str(r.previous_reason) };
        return [{ id, machine: m, at, stopFrom, from: fromMs, to: num(r.to_ms), reason, note: str(r.note), by, ...extra }];
      });
    },

    async rejects(from, to, machine) {
      const [series = []] = await query([
        `SELECT "machine", "hour_from", "count", "by" FROM ${rejects} WHERE ${machineFilter(machine)} AND time >= ${timeNs(from)} AND "hour_from" >= ${from} AND "hour_from" < ${to}`,
      ]);
      return rows(series).flatMap((r): RejectEntry[] => {
        const [at, hourFrom, count, m] = [num(r.time), num(r.hour_from), num(r.count), str(r.machine)];
        return at === null || hourFrom === null || count === null || !m ? [] : [{ machine: m, at, hourFrom, count, by: str(r.by) ?? '' }];
      });
    },

    async inspection(station, from, to) {
      // Verdicts may sit in either policy (stored by the ingest from a station's MQTT, or by the inspection trial itself).
      const where = `${kitFilter} AND ${ident('station')} = ${literal(station)} AND ${timeRange(from, to)}`;
      const [series = []] = await query([
        `SELECT count("ng") AS judged, sum("ng") AS ng FROM ${source(database, 'raw', 'inspection')}, ${source(database, 'events', 'inspection')} WHERE ${where} GROUP BY time(1m) fill(none)`,
      ]);
      const byMinute = new Map<number, InspectionMinute>();
      for (const r of rows(series)) {
        const t = num(r.time);
        if (t === null) continue;
        const m = byMinute.get(t) ?? { t, judged: 0, ng: 0 };
        m.judged += num(r.judged) ?? 0;
        m.ng += num(r.ng) ?? 0;
        byMinute.set(t, m);
      }
      return [...byMinute.values()].sort((a, b) => a.t - b.t);
    },

    reasonPoint: (entry, seq) => reasonPoint(kit, entry, seq),
    rejectPoint: (entry, seq) => rejectPoint(kit, entry, seq),
  };
}

/** A stop reason entry as stored (docs/storage.md); `seq` keeps entries made in the same millisecond apart. */
export function reasonPoint(kit: string, entry: ReasonRecord, seq: number): StoredPoint {
  const fields: StoredPoint['fields'] = {
    id: entry.id,
    stop_from: entry.stopFrom,
    from_ms: entry.from,
    reason: entry.reason,
    by: entry.by,
  };
  if (entry.role !== null) fields.role = entry.role;
  if (entry.to !== null) fields.to_ms = entry.to;
  if (entry.note !== null) fields.note = entry.note;
  if (entry.previousReason !== null) fields.previous_reason = entry.previousReason;
  return { measurement: 'stop_reason', tags: { kit, machine: entry.machine }, fields, timeNs: pointTime(entry.at, seq) };
}

/** An hour's rejects as stored (docs/storage.md). */
export function rejectPoint(kit: string, entry: RejectEntry, seq: number): StoredPoint {
  return {
    measurement: 'reject_count',
    tags: { kit, machine: entry.machine },
    fields: { hour_from: entry.hourFrom, count: entry.count, by: entry.by },
    timeNs: pointTime(entry.at, seq),
  };
}

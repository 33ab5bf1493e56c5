/**
 * The plan-versus-actual board (生産管理板) of one machine and one shift: per hour the parts planned and made, the gap, the
 * running totals, and the stop time by reason beside each hour. Pure: no clock, no I/O ("now" comes in).
 */
import type { ProductionMachineConfig } from '../../config/productionSchema.js';
import type { PlannedInterval } from '../utilization/calendar.js';
import { clip, type Span, windows } from '../utilization/utilization.js';
import { overlapMs, partsRow } from './counts.js';
import { enteredRejects, inspectionVerdicts, type MachineRecord } from './record.js';

/** Parts planned per ms of planned time, from a target cycle time or a quantity per hour; null without a target. */
export function planRatePerMs(entry: Pick<ProductionMachineConfig, 'target'> | undefined): number | null {
  const target = entry?.target;
  if (target?.perHour !== undefined) return target.perHour / 3_600_000;
  if (target?.cycleSeconds !== undefined) return 1 / (target.cycleSeconds * 1000);
  return null;
}

/** Parts planned for `plannedMs` of planned time: whole parts, rounded down (a part half made is not made). */
export const partsPlanned = (rate: number, plannedMs: number) => Math.floor(rate * plannedMs + 1e-9);

export type BoardStatus = 'ahead' | 'onPlan' | 'behind' | 'noData' | 'noPlan' | 'break' | 'upcoming';

export interface BoardRow {
  from: number;
  to: number;
  plannedMs: number;
  /** The hour's plan, all of it. */
  plan: number | null;
  /** Parts made in the hour (so far); null: the counter was not seen in it. */
  actual: number | null;
  /** actual − plan; for the hour in progress, against the plan so far. */
  gap: number | null;
  /** Running totals from the start of the shift: the plan up to now (or the whole hour once past), and the parts counted. */
  planCumulative: number | null;
  actualCumulative: number | null;
  gapCumulative: number | null;
  /** False once an hour so far had no data: the running total of parts is then a lower bound. */
  complete: boolean;
  /** The hour holds "now". */
  current: boolean;
  status: BoardStatus;
  /** The hour's rejects: the operator's entry and the inspection station's NG, each once. */
  rejects: number;
  /** What an operator entered for the hour (the latest entry); null: nothing entered. */
  rejectsEntered: number | null;
  /** The inspection station's verdicts in the hour, breaks included; null: the machine has no station. */
  inspection: { judged: number; ng: number } | null;
  /** Stop time in the hour's planned time by reason (a reason id or what a stop without one counts as), largest first. */
  stops: { reason: string; ms: number }[];
}

export interface ShiftOccurrence {
  shift: string;
  /** The local date it started on. */
  day: string;
  pieces: Span[];
  from: number;
  to: number;
}

/** The shift occurrences of planned intervals: one per shift and start date, with its planned pieces. */
export function shiftOccurrences(planned: PlannedInterval[]): ShiftOccurrence[] {
  const byKey = new Map<string, ShiftOccurrence>();
  for (const p of [...planned].sort((a, b) => a.from - b.from)) {
    const key = `${p.day}\u0000${p.shift}`;
    const known = byKey.get(key);
    if (known) {
      known.pieces.push({ from: p.from, to: p.to });
      known.to = Math.max(known.to, p.to);
    } else byKey.set(key, { shift: p.shift, day: p.day, pieces: [{ from: p.from, to: p.to }], from: p.from, to: p.to });
  }
  return [...byKey.values()].sort((a, b) => a.from - b.from);
}

function stopsByReason(record: MachineRecord, pieces: Span[]): { reason: string; ms: number }[] {
  const ms = new Map<string, number>();
  for (const stop of record.stops) {
    for (const s of stop.segments) {
      const inHour = overlapMs(pieces, [s]);
      if (inHour <= 0) continue;
      const reason = s.reason ?? stop.unanswered;
      ms.set(reason, (ms.get(reason) ?? 0) + inHour);
    }
  }
  return [...ms].map(([reason, value]) => ({ reason, ms: value })).sort((a, b) => b.ms - a.ms);
}

function statusOf(plan: number | null, actual: number | null, gap: number | null): BoardStatus {
  if (plan === null) return 'noPlan';
  if (actual === null || gap === null) return 'noData';
  return gap > 0 ? 'ahead' : gap === 0 ? 'onPlan' : 'behind';
}

/**
 * The board of one shift occurrence: one row per local clock hour it spans (the first and last cut to the shift), planned time
 * without breaks. Hours after `now` show their plan only. The record must cover the shift and end at min(shift end, now).
 */
export function shiftBoard(record: MachineRecord, shift: ShiftOccurrence, rate: number | null, timeZone: string, now: number): BoardRow[] {
  const rows: BoardRow[] = [];
  let plannedBefore = 0;
  let actualCumulative: number | null = record.counts ? 0 : null;
  let complete = true;
  for (const hour of windows('hour', timeZone, shift.from, shift.to)) {
    const pieces = clip(shift.pieces, hour.from, hour.to);
    const plannedMs = pieces.reduce((sum, p) => sum + p.to - p.from, 0);
    const elapsedPieces = clip(pieces, hour.from, Math.min(hour.to, now));
    const elapsedMs = elapsedPieces.reduce((sum, p) => sum + p.to - p.from, 0);
    const upcoming = hour.from >= now;
    const current = !upcoming && hour.to > now;
    const plan = rate === null ? null : partsPlanned(rate, plannedBefore + plannedMs) - partsPlanned(rate, plannedBefore);
    const planSoFar = rate === null ? null : partsPlanned(rate, plannedBefore + elapsedMs) - partsPlanned(rate, plannedBefore);
    const planCumulative = rate === null ? null : partsPlanned(rate, plannedBefore + (current ? elapsedMs : plannedMs));
    plannedBefore += plannedMs;
    // Parts made outside planned time in the hour (a break worked through) still count on the board: they were made.
    const actual = upcoming || !record.counts ? null : partsRow(record.counts, { from: hour.from, to: Math.min(hour.to, now) }).parts;
    if (!upcoming && actual === null) complete = false;
    if (actualCumulative !== null && actual !== null) actualCumulative += actual;
    const gap = actual === null || planSoFar === null ? null : actual - planSoFar;
    const rejectsEntered = enteredRejects(record, hour);
    // Verdicts in a break count on the board like the parts made in it (OEE counts neither).
    const inspection = inspectionVerdicts(record, [hour]);
    rows.push({
      from: hour.from,
      to: hour.to,
      plannedMs,
      plan,
      actual,
      gap,
      planCumulative,
      actualCumulative: upcoming ? null : actualCumulative,
      gapCumulative: upcoming || actualCumulative === null || planCumulative === null ? null : actualCumulative - planCumulative,
      complete,
      current,
      status: upcoming ? 'upcoming' : plannedMs === 0 ? 'break' : statusOf(plan, actual, gap),
      rejects: (rejectsEntered ?? 0) + (inspection?.ng ?? 0),
      rejectsEntered,
      inspection,
      stops: upcoming ? [] : stopsByReason(record, elapsedPieces),
    });
  }
  return rows;
}

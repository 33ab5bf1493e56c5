/** 稼働率 (utilization = RUN time ÷ planned time) per local hour, shift occurrence or local day. Pure: no clock, no I/O. */
import type { PlannedInterval } from './calendar.js';
import { addDays, localDate, startOfLocalDay, startOfLocalHour, zonedInstant } from './timeZone.js';

export type MachineStateName = 'RUN' | 'IDLE' | 'OFF' | 'FAULT' | 'UNKNOWN';
/**
 * A timeline also knows NO_DATA: the kit was not recording at all (not yet installed, switched off, crashed). UNKNOWN is
 * the kit recording while the machine's sensor said nothing (無信号). Only NO_DATA is left out of 稼働率.
 */
export type TimelineState = MachineStateName | 'NO_DATA';
export type UtilizationBy = 'hour' | 'shift' | 'day';

export interface StateInterval {
  state: TimelineState;
  from: number;
  to: number;
}

export interface UtilizationRow {
  from: number;
  to: number;
  /** The shift's id, for by=shift. */
  shift?: string;
  plannedMs: number;
  runMs: number;
  idleMs: number;
  offMs: number;
  /** Stopped with a fault (異常停止): stop time, like offMs. */
  faultMs: number;
  unknownMs: number;
  /** Planned time in which the kit recorded nothing: left out of 稼働率 and reported beside it. */
  noDataMs: number;
  /** runMs ÷ (plannedMs − noDataMs); null when nothing was planned or none of it has data. */
  utilization: number | null;
}

export interface UtilizationInput {
  /** The machine's timeline: consecutive, non-overlapping intervals. */
  states: StateInterval[];
  /** From plannedIntervals(), already cut where the caller's data ends (e.g. at "now"). */
  planned: PlannedInterval[];
  by: UtilizationBy;
  timeZone: string;
  /** The range asked for: hour and day rows cover it, cut at its ends. */
  from: number;
  to: number;
}

export interface Span {
  from: number;
  to: number;
}

/** Index of the first item that ends after `t` (items sorted and non-overlapping). */
function firstEndingAfter<T extends Span>(items: T[], t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((items[mid] as T).to <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, merged: overlapping shifts must not count the same minute twice in an hour or a day. */
export function union(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}

/**
 * Counts one row. Only time inside `pieces` (planned time) counts; a state outside it is ignored entirely.
 *
 * UNKNOWN counts as planned but not run: the row's unknownMs is every planned ms that no RUN/IDLE/OFF/FAULT covers, whether
 * the timeline said UNKNOWN (sensor silent, kit just started) or had no interval there at all. No data is not work:
 * counting it as run would let a dead sensor raise 稼働率, and leaving it out of planned time would let it raise it
 * just as well (the same RUN over a smaller denominator). The trial report is evidence for a subsidy plan, so it must
 * never look better than what was measured; unknownMs is reported beside it so a reader can see how much was missing.
 *
 * FAULT (異常停止, a signal tower's red lamp) is a stop like OFF: planned time the machine did not run. It is counted apart
 * (faultMs) because a stop with an alarm is what an improvement plan goes after first.
 *
 * NO_DATA is different: the kit was not there to see (a day before it was installed, a night it was unplugged). Counting
 * that as planned-but-not-run would report a factory standing still that nobody watched, so it leaves the denominator:
 * 稼働率 is of the planned time the kit saw, noDataMs says how much it did not, and a row with no data at all has none.
 */
export function countRow(pieces: Span[], states: StateInterval[], row: Span, shift?: string): UtilizationRow {
  let plannedMs = 0;
  const byState = { RUN: 0, IDLE: 0, OFF: 0, FAULT: 0, UNKNOWN: 0, NO_DATA: 0 };
  for (const piece of pieces) {
    plannedMs += piece.to - piece.from;
    for (let i = firstEndingAfter(states, piece.from); i < states.length; i++) {
      const s = states[i] as StateInterval;
      if (s.from >= piece.to) break;
      const overlap = Math.min(s.to, piece.to) - Math.max(s.from, piece.from);
      if (overlap > 0) byState[s.state] += overlap;
    }
  }
  const noDataMs = byState.NO_DATA;
  const seenMs = plannedMs - noDataMs;
  const unknownMs = seenMs - byState.RUN - byState.IDLE - byState.OFF - byState.FAULT;
  return {
    from: row.from,
    to: row.to,
    ...(shift !== undefined ? { shift } : {}),
    plannedMs,
    runMs: byState.RUN,
    idleMs: byState.IDLE,
    offMs: byState.OFF,
    faultMs: byState.FAULT,
    unknownMs,
    noDataMs,
    // A machine whose sensor told nothing all along was not seen either: no data, not 0 %. Once any state is known,
    // the unknown rest counts against it as above.
    utilization: seenMs > 0 && seenMs > unknownMs ? byState.RUN / seenMs : null,
  };
}

/** The planned pieces inside [from, to), clipped. */
export function clip(planned: Span[], from: number, to: number): Span[] {
  const out: Span[] = [];
  for (let i = firstEndingAfter(planned, from); i < planned.length; i++) {
    const p = planned[i] as Span;
    if (p.from >= to) break;
    out.push({ from: Math.max(p.from, from), to: Math.min(p.to, to) });
  }
  return out;
}

/** Local hour or day windows covering [from, to): their boundaries follow the wall clock, so DST days have 23 or 25 hours. */
export function windows(by: 'hour' | 'day', timeZone: string, from: number, to: number): Span[] {
  const out: Span[] = [];
  let start = by === 'hour' ? startOfLocalHour(from, timeZone) : startOfLocalDay(from, timeZone);
  while (start < to) {
    let next =
      by === 'hour' ? startOfLocalHour(start + 3_600_000, timeZone) : zonedInstant(addDays(localDate(start, timeZone), 1), 0, timeZone);
    // Guards against a zone whose offset change is not a whole hour (Lord Howe's 30 min): never step backwards.
    if (next <= start) next = start + 3_600_000;
    out.push({ from: Math.max(start, from), to: Math.min(next, to) });
    start = next;
  }
  return out;
}

/**
 * Utilization rows: by hour and by day every local hour / day of [from, to) (plannedMs 0 and utilization null where
 * nothing was planned, so a chart has no holes); by shift one row per shift occurrence that has planned time in range,
 * spanning its first to last planned ms. Every count is taken within planned time only.
 */
export function utilizationRows(input: UtilizationInput): UtilizationRow[] {
  const { by, timeZone, from, to } = input;
  if (!(to > from)) return [];
  const states = [...input.states].filter((s) => s.to > s.from).sort((a, b) => a.from - b.from);
  if (by === 'shift') {
    const occurrences = new Map<string, { shift: string; pieces: Span[] }>();
    for (const p of [...input.planned].sort((a, b) => a.from - b.from)) {
      if (p.to <= from || p.from >= to) continue;
      const key = `${p.day}\u0000${p.shift}`;
      let occurrence = occurrences.get(key);
      if (!occurrence) {
        occurrence = { shift: p.shift, pieces: [] };
        occurrences.set(key, occurrence);
      }
      occurrence.pieces.push({ from: Math.max(p.from, from), to: Math.min(p.to, to) });
    }
    return [...occurrences.values()]
      .map(({ shift, pieces }) => countRow(pieces, states, { from: pieces[0]!.from, to: pieces[pieces.length - 1]!.to }, shift))
      .sort((a, b) => a.from - b.from);
  }
  const planned = union(input.planned);
  return windows(by, timeZone, from, to).map((w) => countRow(clip(planned, w.from, w.to), states, w));
}

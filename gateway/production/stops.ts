/**
 * Stops (停止) and their reasons: a machine's OFF/IDLE/FAULT stretches inside planned time, the reasons people gave them (one per stop
 * or several for a split one), and the Pareto of stop time by reason. Pure: no clock, no I/O.
 */
import { type ProductionConfig, STOP_STATES, type StopReasonConfig, type StopState } from '../../config/productionSchema.js';
import type { PlannedInterval } from '../utilization/calendar.js';
import type { Span, StateInterval } from '../utilization/utilization.js';
import { overlapMs } from './counts.js';

/** One recorded reason: the part [from, to) of the stop that began at stopFrom (to null: to the stop's end). Append-only. */
export interface ReasonEntry {
  id: string;
  machine: string;
  /** When it was entered (ms); a later entry over the same time wins. */
  at: number;
  stopFrom: number;
  from: number;
  to: number | null;
  reason: string;
  note: string | null;
  by: string;
}

export interface StopSegment {
  from: number;
  to: number;
  /** Planned time inside this segment: what the Pareto adds up. */
  plannedMs: number;
  reason: string | null;
  note: string | null;
  by: string | null;
  at: number | null;
}

export interface Stop {
  machine: string;
  from: number;
  to: number;
  /** Still stopped at the end of the timeline ("now"). */
  open: boolean;
  plannedMs: number;
  /** Asks for a reason: long enough inside planned time, in the states the machine asks about. */
  asked: boolean;
  /** When it began to ask: the moment its planned time in asked states reached reasonAfterMs (null: not asked). A reason waits from here. */
  askedAt: number | null;
  /** Asked, and some planned part of it still has no reason. */
  needsReason: boolean;
  /** What its planned time without a reason counts as in the Pareto: NO_REASON, SHORT_STOP or NOT_ASKED. */
  unanswered: Unanswered;
  segments: StopSegment[];
}

export interface StopSettings {
  /** A stop at least this long inside planned time asks for a reason. */
  reasonAfterMs: number;
  /** The states whose planned time counts towards asking (askReasonFor; default all three). */
  askFor?: readonly StopState[];
}

/** A machine's settings from the kit file's production section. */
export function stopSettingsOf(production: ProductionConfig, machine: string): StopSettings {
  const entry = production.machines.find((m) => m.machine === machine);
  return { reasonAfterMs: production.reasonAfterMinutes * 60_000, askFor: entry?.askReasonFor ?? STOP_STATES };
}

/** The reasons marked as planned stops (計画停止): kept out of OEE availability's loading time and out of the Pareto's targets. */
export function plannedReasonIds(reasons: readonly StopReasonConfig[]): Set<string> {
  return new Set(reasons.filter((r) => r.planned).map((r) => r.id));
}

const STOPPED = new Set<string>(STOP_STATES);

/** OFF, IDLE and FAULT (a tower's red lamp) next to each other are one stop for the person at the machine; RUN and UNKNOWN (no data) end it. */
function stoppedStretches(states: StateInterval[]): Span[] {
  const out: Span[] = [];
  for (const s of [...states].sort((a, b) => a.from - b.from)) {
    if (!STOPPED.has(s.state) || s.to <= s.from) continue;
    const last = out.at(-1);
    if (last && last.to === s.from) last.to = s.to;
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}

/** The entries about this stop: those naming a time inside it as the stop's start or as their own start. */
function entriesOf(stop: Span, entries: ReasonEntry[]): ReasonEntry[] {
  const inside = (t: number) => t >= stop.from && t < stop.to;
  return entries.filter((e) => inside(e.stopFrom) || inside(e.from));
}

/** Lays the entries over the stop in the order they were entered, each overwriting the time it names. */
function segmentsOf(stop: Span, entries: ReasonEntry[], planned: Span[]): StopSegment[] {
  type Piece = Omit<StopSegment, 'plannedMs'>;
  let pieces: Piece[] = [{ from: stop.from, to: stop.to, reason: null, note: null, by: null, at: null }];
  for (const e of [...entries].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))) {
    const from = Math.max(e.from, stop.from);
    const to = Math.min(e.to ?? stop.to, stop.to);
    if (to <= from) continue;
    const next: Piece[] = [];
    for (const p of pieces) {
      if (p.to <= from || p.from >= to) {
        next.push(p);
        continue;
      }
      if (p.from < from) next.push({ ...p, to: from });
      next.push({ from: Math.max(p.from, from), to: Math.min(p.to, to), reason: e.reason, note: e.note, by: e.by, at: e.at });
      if (p.to > to) next.push({ ...p, from: to });
    }
    pieces = next;
  }
  // Neighbours with the same entry behind them read as one segment.
  const merged: Piece[] = [];
  for (const p of pieces) {
    const last = merged.at(-1);
    if (last && last.to === p.from && last.reason === p.reason && last.at === p.at && last.by === p.by) last.to = p.to;
    else merged.push({ ...p });
  }
  return merged.map((p) => ({ ...p, plannedMs: overlapMs([p], planned) }));
}

/** Where two lists of spans (each without overlaps) overlap, in time order. */
function intersect(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a)
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (to > from) out.push({ from, to });
    }
  return out.sort((p, q) => p.from - q.from);
}

/** The moment `ms` of these spans' time inside the stretch have passed (the stretch holds at least that much). */
function plannedMoment(stretch: Span, planned: Span[], ms: number): number {
  let left = ms;
  for (const p of planned) {
    const from = Math.max(p.from, stretch.from);
    const to = Math.min(p.to, stretch.to);
    if (to <= from) continue;
    if (to - from >= left) return Math.ceil(from + left);
    left -= to - from;
  }
  return stretch.to;
}

/**
 * How long the longest-waiting of these stops has waited for its reason: since it began to ask, not since it began. A stop
 * that began before the shift or before a break has not waited the hours it stood outside planned time. Null: none asked.
 */
export function reasonWaitMs(stops: Stop[], now: number): number | null {
  const since = stops.flatMap((s) => (s.needsReason && s.askedAt !== null ? [s.askedAt] : []));
  return since.length > 0 ? Math.max(0, now - Math.min(...since)) : null;
}

/**
 * The stops of one machine whose stretch touches planned time, oldest first. `states` is its timeline up to `end` (now, or the
 * end of the range): a stop reaching `end` is open. `stoppedSince`: when the stop the timeline begins in really began, if
 * earlier (a range cut through it); the stop is then that whole stop, with the reasons given to it, and only its planned time
 * inside the range counts.
 */
export function findStops(
  machine: string,
  states: StateInterval[],
  planned: PlannedInterval[],
  entries: ReasonEntry[],
  settings: StopSettings,
  end: number,
  stoppedSince: number | null = null,
): Stop[] {
  const plannedSpans = planned.map(({ from, to }) => ({ from, to })).sort((a, b) => a.from - b.from);
  const own = entries.filter((e) => e.machine === machine);
  const stops: Stop[] = [];
  const stretches = stoppedStretches(states);
  const first = stretches[0];
  const start = Math.min(...states.map((s) => s.from));
  if (first && stoppedSince !== null && first.from === start && stoppedSince < start) first.from = stoppedSince;
  const askFor = new Set<string>(settings.askFor ?? STOP_STATES);
  // The planned time in the states the machine asks about: what a stop must hold enough of to ask.
  const asking = states.filter((s) => askFor.has(s.state));
  const askable = intersect(asking, plannedSpans);
  for (const stretch of stretches) {
    const plannedMs = overlapMs([stretch], plannedSpans);
    if (plannedMs === 0) continue;
    const segments = segmentsOf(stretch, entriesOf(stretch, own), plannedSpans);
    const asked = overlapMs([stretch], askable) >= settings.reasonAfterMs;
    const unanswered = asked ? NO_REASON : plannedMs >= settings.reasonAfterMs ? NOT_ASKED : SHORT_STOP;
    stops.push({
      machine,
      from: stretch.from,
      to: stretch.to,
      open: stretch.to >= end,
      plannedMs,
      asked,
      askedAt: asked ? plannedMoment(stretch, askable, settings.reasonAfterMs) : null,
      needsReason: asked && segments.some((s) => s.reason === null && s.plannedMs > 0),
      unanswered,
      segments,
    });
  }
  return stops;
}

/**
 * Pareto categories besides the configured reasons: asked but not answered, too short to be asked, and long enough but in states
 * the machine is not asked about (a compressor's idling, askReasonFor).
 */
export const NO_REASON = '_none';
export const SHORT_STOP = '_short';
export const NOT_ASKED = '_unasked';
export type Unanswered = typeof NO_REASON | typeof SHORT_STOP | typeof NOT_ASKED;

export interface ParetoBar {
  /** A configured reason id, NO_REASON, SHORT_STOP or NOT_ASKED. */
  reason: string;
  /** Planned stop time with this reason. */
  ms: number;
  /** How many stops had some time with this reason. */
  stops: number;
  /** Share of all stop time, and the running share down the sorted list (0–1). */
  share: number;
  cumulative: number;
}

/**
 * Stop time in planned time by reason, largest first (the Pareto chart's bars and line): the improvement targets, then the
 * planned stops (計画停止), then the stops not asked about.
 */
export function pareto(stops: Stop[], plannedReasons: ReadonlySet<string>): ParetoBar[] {
  const ms = new Map<string, number>();
  const count = new Map<string, Set<Stop>>();
  const add = (reason: string, value: number, stop: Stop) => {
    if (value <= 0) return;
    ms.set(reason, (ms.get(reason) ?? 0) + value);
    const set = count.get(reason) ?? new Set();
    set.add(stop);
    count.set(reason, set);
  };
  for (const stop of stops) {
    for (const segment of stop.segments) add(segment.reason ?? stop.unanswered, segment.plannedMs, stop);
  }
  const total = [...ms.values()].reduce((a, b) => a + b, 0);
  let running = 0;
  // Planned stops and stops not asked about (a compressor's idling) after the targets, whatever their size, as a Pareto puts
  // "other": nothing to improve there. Planned ones first of the two: a known reason before the unnamed rest.
  const rank = (reason: string) => (reason === NOT_ASKED ? 2 : plannedReasons.has(reason) ? 1 : 0);
  return [...ms.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, value]) => {
      running += value;
      return { reason, ms: value, stops: count.get(reason)?.size ?? 0, share: value / total, cumulative: running / total };
    });
}

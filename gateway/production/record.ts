/** What the production stages read about one machine over a range: states, planned time, parts, rejects and stops. Pure. */
import type { PlannedInterval } from '../utilization/calendar.js';
import type { Span, StateInterval } from '../utilization/utilization.js';
import { type CountInput, type CountPoint, type CycleSample, counterCoverage, partEvents } from './counts.js';
import { findStops, type ReasonEntry, type Stop, type StopSettings } from './stops.js';

/** Rejects an operator entered for one board hour (its start, clipped to the shift); a later entry for the same hour replaces it. */
export interface RejectEntry {
  machine: string;
  at: number;
  hourFrom: number;
  count: number;
  by: string;
}

export interface MachineRecord {
  machine: string;
  /** The range the record holds, [from, end): end is "now" for a range reaching into the future. */
  from: number;
  end: number;
  states: StateInterval[];
  planned: PlannedInterval[];
  /** Null when the machine has no counter. */
  counts: CountInput | null;
  /** Each board hour's rejects as last entered. */
  rejects: Map<number, number>;
  /** The verdicts of the machine's inspection station, per minute; null when it has none. */
  inspection: InspectionMinute[] | null;
  stops: Stop[];
}

export interface InspectionMinute {
  t: number;
  judged: number;
  ng: number;
}

/** The last entry per hour of each machine's rejects. */
export function latestRejects(entries: RejectEntry[], machine: string): Map<number, number> {
  const latest = new Map<number, RejectEntry>();
  for (const e of entries) {
    if (e.machine !== machine) continue;
    const known = latest.get(e.hourFrom);
    if (!known || e.at >= known.at) latest.set(e.hourFrom, e);
  }
  return new Map([...latest].map(([hour, e]) => [hour, e.count]));
}

/** Rejects operators entered for the board hours starting in [from, to); null when none was entered (not "0 rejects"). */
export function enteredRejects(record: MachineRecord, row: Span): number | null {
  let entered: number | null = null;
  for (const [hour, count] of record.rejects) if (hour >= row.from && hour < row.to) entered = (entered ?? 0) + count;
  return entered;
}

/** The inspection station's verdicts inside the pieces; null when the machine has no station. */
export function inspectionVerdicts(record: MachineRecord, pieces: Span[]): { judged: number; ng: number } | null {
  if (!record.inspection) return null;
  const verdicts = { judged: 0, ng: 0 };
  for (const m of record.inspection) {
    if (!pieces.some((p) => m.t >= p.from && m.t < p.to)) continue;
    verdicts.judged += m.judged;
    verdicts.ng += m.ng;
  }
  return verdicts;
}

/**
 * Rejects in a row: those entered for board hours starting in [from, to), plus the NG verdicts inside the row's pieces, each
 * counted once. `recorded` says whether anything was recorded at all (an entry, or a verdict either way): without it "0
 * rejects" is an assumption.
 */
export function rejectsIn(record: MachineRecord, row: Span, pieces: Span[]): { rejects: number; recorded: boolean } {
  const entered = enteredRejects(record, row);
  const verdicts = inspectionVerdicts(record, pieces);
  return { rejects: (entered ?? 0) + (verdicts?.ng ?? 0), recorded: entered !== null || (verdicts?.judged ?? 0) > 0 };
}

export interface RecordInput {
  machine: string;
  from: number;
  end: number;
  states: StateInterval[];
  planned: PlannedInterval[];
  /** Null when the machine has no counter. */
  /** Null when the machine has no counter. `bucketMs`: the points are per-bucket summaries this long (0: single messages). */
  counter: { points: CountPoint[]; baseline: ReadonlyMap<number, number>; cycles: CycleSample[]; bucketMs?: number } | null;
  reasons: ReasonEntry[];
  rejects: RejectEntry[];
  /** Null when the machine has no inspection station. */
  inspection: InspectionMinute[] | null;
  stopSettings: StopSettings;
  /** When the stop the range begins in began, if before the range (HistoryStore.stopStart). */
  stoppedSince?: number | null;
}

/** Assembles a record from what storage returned: parts from totals, when the counter was seen, stops with their reasons. */
export function machineRecord(input: RecordInput): MachineRecord {
  const { machine, from, end, states, planned, counter } = input;
  return {
    machine,
    from,
    end,
    states,
    planned,
    counts: counter
      ? {
          events: partEvents(counter.points, from, counter.baseline),
          coverage: counterCoverage(counter.points, end, counter.bucketMs),
          cycles: counter.cycles,
        }
      : null,
    rejects: latestRejects(input.rejects, machine),
    inspection: input.inspection,
    stops: findStops(machine, states, planned, input.reasons, input.stopSettings, end, input.stoppedSince ?? null),
  };
}

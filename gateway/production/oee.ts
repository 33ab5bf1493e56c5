/**
 * OEE (設備総合効率) per shift occurrence or local day, with its three factors as TPM defines them (docs/production.md):
 *   availability (時間稼働率) = run time ÷ loading time (負荷時間: planned time the kit recorded − planned stops (計画停止) in it),
 *   performance = ideal cycle × parts ÷ run time, quality = good parts ÷ parts. Only planned time counts, as for 稼働率; unlike
 *   稼働率, a stop whose reason is marked planned is not held against the machine. Pure: no clock, no I/O.
 */
import type { ProductionMachineConfig } from '../../config/productionSchema.js';
import { clip, countRow, type Span, union, windows } from '../utilization/utilization.js';
import { overlapMs, partsRow } from './counts.js';
import { shiftOccurrences } from './plan.js';
import { type MachineRecord, rejectsIn } from './record.js';

export interface OeeRow {
  machine: string;
  from: number;
  to: number;
  /** by=shift: the shift's id and the local date it started on; by=day: the date. */
  shift?: string;
  day: string;
  plannedMs: number;
  runMs: number;
  idleMs: number;
  offMs: number;
  /** Planned time the kit recorded but the machine's sensor said nothing (無信号): counted as not running, as in 稼働率. */
  unknownMs: number;
  /** Planned time the kit was not recording at all: left out of availability, as out of 稼働率, and shown beside it. */
  noDataMs: number;
  /** Recorded planned time in stops whose reason is a planned stop (計画停止): left out of the loading time, so out of availability. */
  plannedStopMs: number;
  /** Parts made in planned time; null: the counter was not seen then, or the machine has none. */
  parts: number | null;
  rejects: number | null;
  good: number | null;
  /** No reject was entered and no inspection verdict came: quality then assumes every part was good. */
  rejectsRecorded: boolean;
  idealCycleMs: number | null;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
}

/** The ideal cycle per part: idealCycleSeconds, else the plan's cycle; null when neither is set. */
export function idealCycleMs(entry: Pick<ProductionMachineConfig, 'idealCycleSeconds' | 'target'> | undefined): number | null {
  if (entry?.idealCycleSeconds !== undefined) return entry.idealCycleSeconds * 1000;
  if (entry?.target?.cycleSeconds !== undefined) return entry.target.cycleSeconds * 1000;
  if (entry?.target?.perHour !== undefined) return 3_600_000 / entry.target.perHour;
  return null;
}

/** The planned time inside the pieces that stops spent with a planned reason: a stop is recorded time, so all of it was seen. */
function plannedStopMs(record: MachineRecord, pieces: Span[], plannedReasons: ReadonlySet<string>): number {
  let ms = 0;
  for (const stop of record.stops)
    for (const s of stop.segments) if (s.reason !== null && plannedReasons.has(s.reason)) ms += overlapMs([s], pieces);
  return ms;
}

function oeeRow(
  record: MachineRecord,
  idealMs: number | null,
  plannedReasons: ReadonlySet<string>,
  row: Span,
  pieces: Span[],
  label: { day: string; shift?: string },
): OeeRow {
  const u = countRow(pieces, record.states, row);
  const planStopMs = plannedStopMs(record, pieces, plannedReasons);
  // 稼働率 is null when the kit saw nothing of the planned time: that stays "no data", not 0 %. Loading time left only for
  // planned stops has nothing to judge the machine by: no data too, never 0 % or a division by zero.
  const loadingMs = u.plannedMs - u.noDataMs - planStopMs;
  const availability = u.utilization !== null && loadingMs > 0 ? u.runMs / loadingMs : null;
  const parts = record.counts && u.plannedMs > 0 ? partsRow(record.counts, row, pieces).parts : null;
  const { rejects, recorded } = rejectsIn(record, row, pieces);
  const counted = parts === null ? null : Math.min(rejects, parts);
  const good = parts === null || counted === null ? null : parts - counted;
  const performance = idealMs !== null && parts !== null && u.runMs > 0 ? (idealMs * parts) / u.runMs : null;
  const quality = good !== null && parts !== null && parts > 0 ? good / parts : null;
  return {
    machine: record.machine,
    from: row.from,
    to: row.to,
    ...label,
    plannedMs: u.plannedMs,
    runMs: u.runMs,
    idleMs: u.idleMs,
    offMs: u.offMs,
    unknownMs: u.unknownMs,
    noDataMs: u.noDataMs,
    plannedStopMs: planStopMs,
    parts,
    rejects: parts === null ? null : counted,
    good,
    rejectsRecorded: recorded,
    idealCycleMs: idealMs,
    availability,
    performance,
    quality,
    oee: availability !== null && performance !== null && quality !== null ? availability * performance * quality : null,
  };
}

/** One row per shift occurrence with planned time in the record's range, oldest first. */
export function oeeByShift(record: MachineRecord, idealMs: number | null, plannedReasons: ReadonlySet<string>): OeeRow[] {
  return shiftOccurrences(record.planned).map((o) =>
    oeeRow(record, idealMs, plannedReasons, { from: o.from, to: o.to }, o.pieces, { day: o.day, shift: o.shift }),
  );
}

/** One row per local day of [from, end) that has planned time; a night shift's hours fall on the day they are in. */
export function oeeByDay(
  record: MachineRecord,
  idealMs: number | null,
  plannedReasons: ReadonlySet<string>,
  timeZone: string,
  dayOf: (t: number) => string,
): OeeRow[] {
  const planned = union(record.planned);
  return windows('day', timeZone, record.from, record.end)
    .map((day) => ({ day, pieces: clip(planned, day.from, day.to) }))
    .filter(({ pieces }) => pieces.length > 0)
    .map(({ day, pieces }) => oeeRow(record, idealMs, plannedReasons, day, pieces, { day: dayOf(day.from) }));
}

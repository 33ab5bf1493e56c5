/** The work calendar (操業カレンダー) turned into planned work intervals: what 稼働率 divides by. Pure: no clock, no I/O. */
import type { CalendarConfig } from '../../config/schema.js';
import { addDays, type CivilDate, formatDate, localDate, weekday, zonedInstant } from './timeZone.js';

export interface PlannedInterval {
  /** ms since the epoch, inclusive */
  from: number;
  /** ms since the epoch, exclusive */
  to: number;
  /** The shift's id. */
  shift: string;
  /** The local date (YYYY-MM-DD) the shift occurrence started on; a night shift keeps its evening's date after midnight. */
  day: string;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MINUTES = 1440;

const clockMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Removes [cut0, cut1) from each [a, b) of `pieces` (minutes from the shift's local midnight). */
function subtract(pieces: [number, number][], cut0: number, cut1: number): [number, number][] {
  return pieces.flatMap(([a, b]): [number, number][] => {
    if (cut1 <= a || cut0 >= b) return [[a, b]];
    const kept: [number, number][] = [];
    if (cut0 > a) kept.push([a, cut0]);
    if (cut1 < b) kept.push([cut1, b]);
    return kept;
  });
}

/** One shift on one date as wall-clock minutes from that date's midnight, breaks taken out; may run past 1440. */
function shiftPieces(shift: CalendarConfig['shifts'][number]): [number, number][] {
  const start = clockMinutes(shift.start);
  let end = clockMinutes(shift.end);
  // end ≤ start crosses midnight; end = start is read as a full 24 h shift rather than an empty one.
  if (end <= start) end += DAY_MINUTES;
  let pieces: [number, number][] = [[start, end]];
  for (const b of shift.breaks) {
    let breakStart = clockMinutes(b.start);
    // In a night shift, a break whose clock time is before the shift's start is after midnight.
    if (breakStart < start) breakStart += DAY_MINUTES;
    let breakEnd = clockMinutes(b.end) + (breakStart >= DAY_MINUTES ? DAY_MINUTES : 0);
    if (breakEnd <= breakStart) breakEnd += DAY_MINUTES;
    pieces = subtract(pieces, breakStart, breakEnd);
  }
  return pieces;
}

/**
 * The planned work intervals within [from, to), sorted by start: every shift on its weekdays, minus its breaks, minus
 * holidays. A shift belongs to the local date it starts on, so a holiday removes the night shift that starts on it
 * and keeps the one that started the evening before. Wall-clock minutes become instants only at the end, so a
 * 22:00–06:00 shift over a DST change lasts the 7 or 9 real hours the workers actually spent.
 */
export function plannedIntervals(calendar: CalendarConfig, timeZone: string, from: number, to: number): PlannedInterval[] {
  if (!(to > from)) return [];
  const holidays = new Set(calendar.holidays);
  const plans = calendar.shifts.map((shift) => ({ shift, days: new Set<string>(shift.days), pieces: shiftPieces(shift) }));
  const out: (PlannedInterval & { order: number })[] = [];
  // A shift lasts at most 24 h, so one that started the local day before `from` may still be running at `from`.
  const last = formatDate(localDate(to, timeZone));
  for (let date: CivilDate = addDays(localDate(from, timeZone), -1); formatDate(date) <= last; date = addDays(date, 1)) {
    const day = formatDate(date);
    if (holidays.has(day)) continue;
    const dayName = WEEKDAYS[weekday(date)] as string;
    plans.forEach(({ shift, days, pieces }, order) => {
      if (!days.has(dayName)) return;
      for (const [a, b] of pieces) {
        const start = Math.max(zonedInstant(date, a, timeZone), from);
        const end = Math.min(zonedInstant(date, b, timeZone), to);
        if (end > start) out.push({ from: start, to: end, shift: shift.id, day, order });
      }
    });
  }
  out.sort((x, y) => x.from - y.from || x.order - y.order);
  return out.map(({ order: _order, ...interval }) => interval);
}

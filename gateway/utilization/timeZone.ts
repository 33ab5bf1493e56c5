/**
 * Civil (wall-clock) time in an IANA time zone: offsets, local dates and local midnights. Offsets come from the system's
 * tz database (config/tzdb.ts), or from Intl for a zone the system has no file for.
 */
import { readZone, type ZoneOffsets } from '../../config/tzdb.js';

export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export interface CivilTime extends CivilDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Every offset change in the tz database since 1970 falls on a UTC quarter hour, so an offset may be remembered per quarter hour. */
const OFFSET_SLOT = 15 * MINUTE;

const zones = new Map<string, ZoneOffsets>();
const formatters = new Map<string, Intl.DateTimeFormat>();
const lastOffset = new Map<string, { slot: number; offset: number }>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // h23: some engines print midnight as 24 with hour12: false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local time minus UTC at the instant `ms` (whole seconds, as the tz database and Intl both count). */
function offsetAt(ms: number, timeZone: string): number {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = readZone(timeZone) ?? ((at) => offsetByIntl(at, timeZone));
    zones.set(timeZone, zone);
  }
  return zone(Math.floor(ms / 1000) * 1000);
}

function offsetByIntl(ms: number, timeZone: string): number {
  const at = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const asUtc = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - at;
}

/** Local time minus UTC at the instant `ms`, in ms (+9 h for Asia/Tokyo). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  // formatToParts costs microseconds; a CSV export asks for every reading, nearly always in the same quarter hour as the last.
  const slot = Math.floor(ms / OFFSET_SLOT);
  const memo = lastOffset.get(timeZone);
  if (memo && memo.slot === slot) return memo.offset;
  const offset = offsetAt(ms, timeZone);
  lastOffset.set(timeZone, { slot, offset });
  return offset;
}

/** The wall-clock reading in the zone at the instant `ms`. */
export function localTime(ms: number, timeZone: string): CivilTime {
  const d = new Date(ms + zoneOffsetMs(ms, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYYY-MM-DD */
export function formatDate(date: CivilDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** `YYYY-MM-DD HH:mm:ss` in the zone: what a person in the factory reads on the wall clock. */
export function formatLocal(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${formatDate(t)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

export function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday: a property of the calendar date itself, independent of any zone. */
export function weekday(date: CivilDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * The instant at which the zone's wall clock shows `date` + `minuteOfDay` (may be ≥ 1440: the next days).
 * Like Temporal's 'compatible': a time repeated when clocks go back is the earlier one; a time skipped when
 * clocks go forward is pushed forward by the gap (02:30 in a 02:00→03:00 gap is 03:30), so a shift that
 * "starts" in a gap starts when the clock resumes rather than vanishing.
 */
export function zonedInstant(date: CivilDate, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE;
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const valid = [...new Set([before, after, offsetAt(wall, timeZone)])]
    .map((offset) => wall - offset)
    .filter((t) => offsetAt(t, timeZone) === wall - t)
    .sort((a, b) => a - b);
  if (valid[0] !== undefined) return valid[0];
  // In a gap: read the wall time with the offset in force before the change, which lands after it.
  return wall - before;
}

/** The local date of an instant. */
export function localDate(ms: number, timeZone: string): CivilDate {
  const t = localTime(ms, timeZone);
  return { year: t.year, month: t.month, day: t.day };
}

/** Where the local day holding `ms` starts. */
export function startOfLocalDay(ms: number, timeZone: string): number {
  return zonedInstant(localDate(ms, timeZone), 0, timeZone);
}

/** Where the local hour holding `ms` starts: the last instant ≤ ms whose wall clock shows HH:00:00.000. */
export function startOfLocalHour(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  return ms - (t.minute * MINUTE + t.second * 1000 + t.millisecond);
}

/** Local clock arithmetic for a fixed UTC offset (Japan has no daylight saving time, so an offset is enough). */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** Asia/Tokyo: UTC+9, the default for every scenario. */
export const TOKYO_OFFSET_MINUTES = 540;

/** Days since 1970-01-01 in local time; the key for everything that repeats daily. */
export function localDayIndex(tMs: number, offsetMinutes: number): number {
  return Math.floor((tMs + offsetMinutes * MINUTE_MS) / DAY_MS);
}

/** The UTC instant (ms) of local midnight that starts a local day. */
export function localDayStartMs(dayIndex: number, offsetMinutes: number): number {
  return dayIndex * DAY_MS - offsetMinutes * MINUTE_MS;
}

/** Milliseconds since local midnight. */
export function localTimeOfDayMs(tMs: number, offsetMinutes: number): number {
  const local = tMs + offsetMinutes * MINUTE_MS;
  return local - Math.floor(local / DAY_MS) * DAY_MS;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function localWeekday(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

/** The UTC instant of a local clock time (minutes after midnight) on a local day. */
export function localClockToMs(dayIndex: number, minutes: number, offsetMinutes: number): number {
  return localDayStartMs(dayIndex, offsetMinutes) + minutes * MINUTE_MS;
}

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "08:30" → 510 minutes after midnight; "24:00" is accepted as the end of the day. Null if malformed. */
export function parseClockTime(text: string): number | null {
  if (text === '24:00') return 24 * 60;
  const match = CLOCK.exec(text);
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** 510 → "08:30". */
export function formatClockTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes - h * 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

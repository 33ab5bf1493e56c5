/** Calendar arithmetic in the kit's time zone (a manager over a VPN may be elsewhere, but the factory's day is what counts). */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

interface Parts {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(ms: number, timeZone: string): Parts {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  // Some engines still print midnight as 24 despite h23.
  return { y: p.year ?? 0, m: p.month ?? 1, d: p.day ?? 1, h: (p.hour ?? 0) % 24, min: p.minute ?? 0, s: p.second ?? 0 };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a wall-clock date begins in the zone (twice round, so a DST change that day still lands right). */
function wallMidnight(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

export function startOfDay(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return wallMidnight(p.y, p.m, p.d, timeZone);
}

/** `YYYY-MM-DD` for an <input type="date">, in the zone. */
export function toDateInput(ms: number, timeZone: string): string {
  const p = partsIn(ms, timeZone);
  return `${String(p.y).padStart(4, '0')}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** The start of a `YYYY-MM-DD` day in the zone, plus whole days; null for an empty or malformed value. */
export function fromDateInput(value: string, timeZone: string, plusDays = 0): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays));
  return wallMidnight(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), timeZone);
}

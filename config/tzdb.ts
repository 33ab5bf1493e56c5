/**
 * A time zone's UTC offsets read from the operating system's tz database: the TZif files (RFC 8536) under
 * /usr/share/zoneinfo that Debian's and Raspberry Pi OS's `tzdata` package installs. The first Intl.DateTimeFormat
 * costs the gateway ~7 MB of RSS for good (ICU's data pages and zone objects, docs/memory.md), only to learn the
 * offset of one zone; the same answer from the file costs a few kilobytes, and follows the rules apt keeps current
 * (Node's ICU copy is frozen with the Node release). Here in config/ because the loader checks
 * `kit.timeZone` with it; gateway/utilization/timeZone.ts keeps time with it and falls back to Intl for a zone this
 * cannot read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const HOUR = 3_600_000;

/** A zone's offset (local minus UTC, ms) at any instant. */
export type ZoneOffsets = (ms: number) => number;

/** The zone's rules, or undefined when the system has no readable TZif file for it. */
export function readZone(timeZone: string, dir = process.env.TZDIR || '/usr/share/zoneinfo'): ZoneOffsets | undefined {
  // A zone name is a path below the database: letters, digits, _ + - and single slashes, never `..`.
  if (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return undefined;
  let file: Buffer;
  try {
    file = readFileSync(join(dir, timeZone));
  } catch {
    return undefined;
  }
  try {
    return parseTzif(file);
  } catch {
    return undefined;
  }
}

/** Whether the kit can keep time in the zone, without loading ICU when the tz database has it. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (readZone(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** RFC 8536: the version 2+ data block (64-bit times) when there is one, else version 1; the footer's TZ rule after the last transition. */
function parseTzif(file: Buffer): ZoneOffsets | undefined {
  if (file.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const counts = (at: number) => {
    const [isut, isstd, leap, time, type, char] = [0, 1, 2, 3, 4, 5].map((i) => file.readUInt32BE(at + 20 + 4 * i)) as number[];
    return { isut, isstd, leap, time, type, char } as Record<'isut' | 'isstd' | 'leap' | 'time' | 'type' | 'char', number>;
  };
  const blockSize = (c: ReturnType<typeof counts>, timeSize: number) =>
    c.time * timeSize + c.time + c.type * 6 + c.char + c.leap * (timeSize + 4) + c.isstd + c.isut;
  let header = 0;
  let c = counts(0);
  let timeSize = 4;
  if (file[4] !== 0) {
    header = 44 + blockSize(c, 4);
    c = counts(header);
    timeSize = 8;
  }
  let at = header + 44;
  const times: number[] = [];
  for (let i = 0; i < c.time; i++, at += timeSize) {
    times.push(1000 * (timeSize === 8 ? Number(file.readBigInt64BE(at)) : file.readInt32BE(at)));
  }
  const typeOf = [...file.subarray(at, at + c.time)];
  at += c.time;
  const offsets = Array.from({ length: c.type }, (_, i) => 1000 * file.readInt32BE(at + 6 * i));
  if (offsets.length === 0) return undefined;
  const footer = timeSize === 8 ? file.toString('latin1', header + 44 + blockSize(c, 8)).split('\n')[1] : '';
  const rule = footer ? parsePosixTz(footer) : undefined;
  if (footer && !rule) return undefined;
  const last = times.length - 1;
  return (ms) => {
    // Before the first transition: type 0 (RFC 8536 §3.2). After the last: the footer's rule, when there is one.
    if (last < 0 || ms < (times[0] as number)) return rule && last < 0 ? rule(ms) : (offsets[0] as number);
    if (rule && ms >= (times[last] as number)) return rule(ms);
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((times[mid] as number) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return offsets[typeOf[lo] as number] as number;
  };
}

/** `[+-]hh[:mm[:ss]]` in ms. */
function clock(text: string): number {
  const [h = 0, m = 0, s = 0] = text.replace(/^[+-]/, '').split(':').map(Number);
  return (text.startsWith('-') ? -1 : 1) * (h * HOUR + m * 60_000 + s * 1000);
}

/**
 * A POSIX TZ rule as the footer carries it: `JST-9`, `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0330>-3:30`. POSIX offsets are
 * west of Greenwich, hence the minus signs. Only the `Mm.w.d` date form is read (the only one the tz database uses).
 */
export function parsePosixTz(tz: string): ZoneOffsets | undefined {
  const name = '(?:<[^>]+>|[A-Za-z]{3,})';
  const offset = '([+-]?\\d{1,3}(?::\\d{1,2}){0,2})';
  const date = 'M(\\d{1,2})\\.(\\d)\\.(\\d)(?:/([+-]?\\d{1,3}(?::\\d{1,2}){0,2}))?';
  const match = new RegExp(`^${name}${offset}(?:${name}${offset}?,${date},${date})?$`).exec(tz);
  if (!match) return undefined;
  const standard = -clock(match[1] as string);
  if (match[3] === undefined) return () => standard;
  const summer = match[2] === undefined ? standard + HOUR : -clock(match[2]);
  const change = (m: (string | undefined)[], year: number, offsetBefore: number) => {
    const [month, week, day, time] = [Number(m[0]), Number(m[1]), Number(m[2]), m[3] === undefined ? 2 * HOUR : clock(m[3])];
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    let dayOfMonth = 1 + ((day - first + 7) % 7) + (week - 1) * 7;
    const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
    while (dayOfMonth > length) dayOfMonth -= 7;
    return Date.UTC(year, month - 1, dayOfMonth) + time - offsetBefore;
  };
  return (ms) => {
    const year = new Date(ms + standard).getUTCFullYear();
    const start = change(match.slice(3, 7), year, standard);
    const end = change(match.slice(7, 11), year, summer);
    // Northern rules have summer inside the year; southern ones (and Dublin's "winter time") across the new year.
    const inSummer = start < end ? ms >= start && ms < end : ms >= start || ms < end;
    return inSummer ? summer : standard;
  };
}

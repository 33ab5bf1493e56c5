import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, parsePosixTz, readZone } from '../../../config/tzdb.js';

// The oracle is Intl (ICU's own copy of the tz database): the kit must keep the same time as before, without ICU.
const formats = new Map<string, Intl.DateTimeFormat>();
function intlOffset(ms: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  const format =
    formats.get(timeZone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(timeZone, format);
  for (const p of format.formatToParts(ms)) parts[p.type] = p.value;
  return (
    Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ) - ms
  );
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Japan; northern and southern summer time; half-hour and 45-minute offsets; Dublin's negative "winter time";
// zones that dropped or changed summer time; Morocco's Ramadan switches; the kit's UTC default.
const ZONES = [
  'Asia/Tokyo',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Europe/Dublin',
  'America/Sao_Paulo',
  'Africa/Casablanca',
  'America/Nuuk',
  'UTC',
];

/** Every instant in [from, to) where the zone's offset changes by Intl, to the second. */
function changes(timeZone: string, from: number, to: number): number[] {
  const found: number[] = [];
  for (let t = from; t < to; t += DAY) {
    if (intlOffset(t, timeZone) === intlOffset(t + DAY, timeZone)) continue;
    let [lo, hi] = [t, t + DAY];
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (intlOffset(mid, timeZone) === intlOffset(lo, timeZone)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}

describe('time zone offsets from the system tz database', () => {
  it.each(ZONES)('%s: the same offset as Intl around every change 2015–2030 and on a day each week', (zone) => {
    const offsets = readZone(zone);
    expect(offsets, `no TZif file for ${zone}: install Debian's tzdata package`).toBeDefined();
    if (!offsets) return;
    const [from, to] = [Date.UTC(2015, 0, 1), Date.UTC(2030, 0, 1)];
    const instants = changes(zone, from, to).flatMap((t) => [t - 1000, t, t + 1000]);
    for (let t = from; t < to; t += 7 * DAY + 3_600_000 + 61_000) instants.push(t);
    const differ = instants.filter((t) => offsets(t) !== intlOffset(t, zone)).map((t) => new Date(t).toISOString());
    expect(differ).toEqual([]);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Europe/Dublin', 'Asia/Tokyo'])(
    '%s: beyond the last transition in the file the footer rule keeps summer time right (2040–2060)',
    (zone) => {
      const offsets = readZone(zone);
      if (!offsets) throw new Error(`no TZif file for ${zone}: install Debian's tzdata package`);
      const instants = changes(zone, Date.UTC(2040, 0, 1), Date.UTC(2060, 0, 1)).flatMap((t) => [t - 1000, t]);
      const differ = instants.filter((t) => offsets(t) !== intlOffset(t, zone)).map((t) => new Date(t).toISOString());
      expect(differ).toEqual([]);
    },
  );

  it('reads POSIX rules as the footer of a slim file carries them', () => {
    const berlin = parsePosixTz('CET-1CEST,M3.5.0,M10.5.0/3');
    expect(berlin?.(Date.UTC(2031, 2, 30, 0, 59, 59))).toBe(HOUR); // last Sunday of March 2031 is the 30th
    expect(berlin?.(Date.UTC(2031, 2, 30, 1))).toBe(2 * HOUR);
    expect(berlin?.(Date.UTC(2031, 9, 26, 0, 59, 59))).toBe(2 * HOUR);
    expect(berlin?.(Date.UTC(2031, 9, 26, 1))).toBe(HOUR);
    expect(parsePosixTz('<+0545>-5:45')?.(0)).toBe(5.75 * HOUR);
    expect(parsePosixTz('JST-9')?.(Date.UTC(2031, 6, 1))).toBe(9 * HOUR);
    expect(parsePosixTz('not a rule')).toBeUndefined();
  });

  it('refuses names that are not zones, and what is not a TZif file', () => {
    expect(readZone('Asia/Atlantis')).toBeUndefined();
    expect(readZone('../../etc/passwd')).toBeUndefined();
    expect(readZone('/etc/passwd')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'tzdb-'));
    writeFileSync(join(dir, 'Bad'), 'not a TZif file');
    expect(readZone('Bad', dir)).toBeUndefined();
    writeFileSync(join(dir, 'Cut'), readFileSync('/usr/share/zoneinfo/Europe/Berlin').subarray(0, 60));
    expect(readZone('Cut', dir)).toBeUndefined();
    expect(isKnownTimeZone('Asia/Tokyo')).toBe(true);
    expect(isKnownTimeZone('Asia/Atlantis')).toBe(false);
  });
});

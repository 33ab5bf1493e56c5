import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, parsePosixTz, readZone } from '../../../config/tzdb.js';

// The oracle is the C library's zdump (libc-bin) reading the same database: every change of offset it lists, with the
// offset on each side. Intl is not, for most zones: Node carries its own, older copy of the tz database in ICU
// (process.versions.tz), and Debian's tzdata is updated (2026's Morocco rules differ from ICU's).
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** [instant, offset] at each side of every change zdump lists in [fromYear, toYear). */
function zdump(zone: string, fromYear: number, toYear: number): [number, number][] {
  const run = spawnSync('zdump', ['-v', '-c', `${fromYear},${toYear}`, zone], { encoding: 'utf8' });
  if (run.error) throw new Error("zdump is missing: install Debian's libc-bin (and tzdata)");
  return run.stdout.split('\n').flatMap((line) => {
    const m = /^\S+\s+\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (-?\d+) UT = .* gmtoff=(-?\d+)$/.exec(line);
    if (!m) return [];
    const [month, day, h, min, sec, year, gmtoff] = [MONTHS.indexOf(m[1] as string), ...m.slice(2).map(Number)] as number[];
    return [[Date.UTC(year as number, month as number, day, h, min, sec), (gmtoff as number) * 1000] as [number, number]];
  });
}

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

describe('time zone offsets from the system tz database', () => {
  it.each(ZONES)('%s: the offset zdump gives on each side of every change 1990–2060, and on a day each week between', (zone) => {
    const offsets = readZone(zone);
    expect(offsets, `no TZif file for ${zone}: install Debian's tzdata package`).toBeDefined();
    if (!offsets) return;
    // Beyond the file's last transition (2037 in a "fat" file, at once in a "slim" one) the footer's rule speaks.
    const changes = zdump(zone, 1990, 2060);
    const differ = changes.filter(([t, offset]) => offsets(t) !== offset).map(([t]) => new Date(t).toISOString());
    const [from, to] = [Date.UTC(1990, 0, 1), Date.UTC(2060, 0, 1)];
    let offset = offsets(from - DAY);
    for (let t = from, next = 0; t < to; t += 7 * DAY + HOUR + 61_000) {
      for (; next < changes.length && (changes[next] as [number, number])[0] <= t; next++) offset = (changes[next] as [number, number])[1];
      if (offsets(t) !== offset) differ.push(new Date(t).toISOString());
    }
    expect(differ).toEqual([]);
  });

  it('keeps the same time as the Intl it replaces where both have the same rules (Japan)', () => {
    const tokyo = readZone('Asia/Tokyo');
    const format = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hourCycle: 'h23', hour: 'numeric' });
    for (let t = Date.UTC(1990, 0, 1); t < Date.UTC(2060, 0, 1); t += 97 * DAY + 7 * HOUR) {
      const hour = Number(format.formatToParts(t).find((p) => p.type === 'hour')?.value);
      expect(new Date(t + (tokyo?.(t) ?? Number.NaN)).getUTCHours()).toBe(hour);
    }
  });

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

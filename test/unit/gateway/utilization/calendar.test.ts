import { describe, expect, it } from 'vitest';
import type { CalendarConfig } from '../../../../config/schema.js';
import { plannedIntervals } from '../../../../gateway/utilization/calendar.js';
import { formatLocal, zonedInstant, zoneOffsetMs } from '../../../../gateway/utilization/timeZone.js';

const TZ = 'Asia/Tokyo';
/** 'YYYY-MM-DD HH:mm' in Japan → ms */
const jst = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+09:00`);

// 2025-06-02 is a Monday; 2025-06-04 (Wednesday) is a holiday.
const calendar: CalendarConfig = {
  shifts: [
    {
      id: 'day',
      name: '日勤',
      start: '08:30',
      end: '17:30',
      breaks: [{ start: '12:00', end: '13:00' }],
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    },
    {
      id: 'night',
      name: '夜勤',
      start: '22:00',
      end: '06:00',
      breaks: [{ start: '02:00', end: '02:45' }],
      days: ['mon', 'tue', 'wed', 'thu'],
    },
  ],
  holidays: ['2025-06-04'],
};

/** Golden form: local times, so a failure reads like the work calendar. */
const readable = (from: number, to: number, cal = calendar, tz = TZ) =>
  plannedIntervals(cal, tz, from, to).map((p) => `${p.day} ${p.shift} ${formatLocal(p.from, tz)} → ${formatLocal(p.to, tz)}`);

describe('plannedIntervals', () => {
  it('a weekday: the day shift minus its lunch break, and the night shift from 22:00 cut at the end of the range', () => {
    expect(readable(jst('2025-06-02 00:00'), jst('2025-06-03 00:00'))).toEqual([
      '2025-06-02 day 2025-06-02 08:30:00 → 2025-06-02 12:00:00',
      '2025-06-02 day 2025-06-02 13:00:00 → 2025-06-02 17:30:00',
      '2025-06-02 night 2025-06-02 22:00:00 → 2025-06-03 00:00:00',
    ]);
  });

  it('returns ms values, from inclusive and to exclusive', () => {
    const planned = plannedIntervals(calendar, TZ, jst('2025-06-02 00:00'), jst('2025-06-02 12:00'));
    expect(planned).toEqual([{ from: jst('2025-06-02 08:30'), to: jst('2025-06-02 12:00'), shift: 'day', day: '2025-06-02' }]);
  });

  it('a weekend: nothing planned (no Friday night shift, no Saturday shifts)', () => {
    expect(readable(jst('2025-06-06 18:00'), jst('2025-06-09 08:00'))).toEqual([]);
  });

  it('a holiday: no shift starts on it, but the night shift that began the evening before runs to its end', () => {
    expect(readable(jst('2025-06-04 00:00'), jst('2025-06-05 08:00'))).toEqual([
      '2025-06-03 night 2025-06-04 00:00:00 → 2025-06-04 02:00:00',
      '2025-06-03 night 2025-06-04 02:45:00 → 2025-06-04 06:00:00',
    ]);
  });

  it('a night shift crossing midnight belongs to the day it starts on, with its after-midnight break taken out', () => {
    expect(readable(jst('2025-06-02 12:00'), jst('2025-06-03 12:00'))).toEqual([
      '2025-06-02 day 2025-06-02 13:00:00 → 2025-06-02 17:30:00',
      '2025-06-02 night 2025-06-02 22:00:00 → 2025-06-03 02:00:00',
      '2025-06-02 night 2025-06-03 02:45:00 → 2025-06-03 06:00:00',
      '2025-06-03 day 2025-06-03 08:30:00 → 2025-06-03 12:00:00',
    ]);
  });

  it('a range that cuts a shift keeps only the part inside it', () => {
    expect(readable(jst('2025-06-02 10:00'), jst('2025-06-02 15:00'))).toEqual([
      '2025-06-02 day 2025-06-02 10:00:00 → 2025-06-02 12:00:00',
      '2025-06-02 day 2025-06-02 13:00:00 → 2025-06-02 15:00:00',
    ]);
    // Starting inside a night shift that began the day before the range.
    expect(readable(jst('2025-06-03 05:00'), jst('2025-06-03 09:00'))).toEqual([
      '2025-06-02 night 2025-06-03 05:00:00 → 2025-06-03 06:00:00',
      '2025-06-03 day 2025-06-03 08:30:00 → 2025-06-03 09:00:00',
    ]);
  });

  it('an empty or reversed range plans nothing', () => {
    expect(plannedIntervals(calendar, TZ, jst('2025-06-02 10:00'), jst('2025-06-02 10:00'))).toEqual([]);
    expect(plannedIntervals(calendar, TZ, jst('2025-06-02 11:00'), jst('2025-06-02 10:00'))).toEqual([]);
  });

  it('a break over midnight in a night shift', () => {
    const cal: CalendarConfig = {
      shifts: [{ id: 'n', name: '夜', start: '21:00', end: '05:00', breaks: [{ start: '23:30', end: '00:30' }], days: ['mon'] }],
      holidays: [],
    };
    expect(readable(jst('2025-06-02 00:00'), jst('2025-06-04 00:00'), cal)).toEqual([
      '2025-06-02 n 2025-06-02 21:00:00 → 2025-06-02 23:30:00',
      '2025-06-02 n 2025-06-03 00:30:00 → 2025-06-03 05:00:00',
    ]);
  });

  it('follows the wall clock across DST: a night shift lasts 7 h in spring and 9 h in autumn (America/New_York)', () => {
    const cal: CalendarConfig = {
      shifts: [{ id: 'n', name: 'night', start: '22:00', end: '06:00', breaks: [], days: ['sat'] }],
      holidays: [],
    };
    const tz = 'America/New_York';
    const hours = (from: string, to: string) =>
      plannedIntervals(cal, tz, Date.parse(from), Date.parse(to)).map((p) => [new Date(p.from).toISOString(), (p.to - p.from) / 3_600_000]);
    expect(hours('2025-03-08T00:00:00Z', '2025-03-10T00:00:00Z')).toEqual([['2025-03-09T03:00:00.000Z', 7]]);
    expect(hours('2025-11-01T00:00:00Z', '2025-11-03T00:00:00Z')).toEqual([['2025-11-02T02:00:00.000Z', 9]]);
  });
});

describe('time zone helpers', () => {
  it('zonedInstant: a skipped wall time moves forward by the gap, a repeated one is the earlier', () => {
    const tz = 'America/New_York';
    expect(new Date(zonedInstant({ year: 2025, month: 3, day: 9 }, 150, tz)).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(new Date(zonedInstant({ year: 2025, month: 11, day: 2 }, 90, tz)).toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(new Date(zonedInstant({ year: 2025, month: 6, day: 2 }, 0, TZ)).toISOString()).toBe('2025-06-01T15:00:00.000Z');
  });

  it('zoneOffsetMs and formatLocal', () => {
    expect(zoneOffsetMs(Date.parse('2025-06-02T00:00:00Z'), TZ)).toBe(9 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2025-06-02T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(formatLocal(Date.parse('2025-06-02T15:04:05.678Z'), TZ)).toBe('2025-06-03 00:04:05');
  });
});

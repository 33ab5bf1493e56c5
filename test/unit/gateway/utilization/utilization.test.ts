import { describe, expect, it } from 'vitest';
import type { CalendarConfig } from '../../../../config/schema.js';
import { plannedIntervals } from '../../../../gateway/utilization/calendar.js';
import { formatLocal } from '../../../../gateway/utilization/timeZone.js';
import { type StateInterval, type UtilizationRow, utilizationRows } from '../../../../gateway/utilization/utilization.js';

const TZ = 'Asia/Tokyo';
const jst = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+09:00`);
const MIN = 60_000;

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
  ],
  holidays: [],
};

/** A hand-made Monday (2025-06-02) in Japan: the state changes as a shop-floor log would list them. */
function day(changes: [string, StateInterval['state']][], end = '2025-06-03 00:00'): StateInterval[] {
  return changes.map(([at, state], i) => ({
    state,
    from: jst(`2025-06-02 ${at}`),
    to: jst(changes[i + 1] ? `2025-06-02 ${changes[i + 1]![0]}` : end),
  }));
}

const monday = day([
  ['00:00', 'OFF'],
  ['08:00', 'IDLE'],
  ['08:45', 'RUN'],
  ['11:30', 'IDLE'],
  ['11:45', 'RUN'],
  ['12:30', 'OFF'], // in the lunch break: not planned, not counted
  ['13:10', 'RUN'],
  ['16:00', 'UNKNOWN'],
  ['16:30', 'RUN'],
  ['18:00', 'OFF'],
]);

function rows(states: StateInterval[], by: 'hour' | 'shift' | 'day', from: number, to: number, cal = calendar): UtilizationRow[] {
  return utilizationRows({ states, planned: plannedIntervals(cal, TZ, from, to), by, timeZone: TZ, from, to });
}

/** Golden form in minutes and local times. */
const minutes = (r: UtilizationRow) =>
  `${formatLocal(r.from, TZ)}–${formatLocal(r.to, TZ).slice(11)}${r.shift ? ` ${r.shift}` : ''} planned ${r.plannedMs / MIN} run ${r.runMs / MIN} ` +
  `idle ${r.idleMs / MIN} off ${r.offMs / MIN} unknown ${r.unknownMs / MIN} → ${r.utilization === null ? 'null' : r.utilization.toFixed(4)}`;

describe('utilizationRows', () => {
  const from = jst('2025-06-02 00:00');
  const to = jst('2025-06-03 00:00');

  it('by day: 480 planned minutes, 410 run, UNKNOWN counted as planned but not run', () => {
    const [row, ...rest] = rows(monday, 'day', from, to);
    expect(rest).toEqual([]);
    expect(row).toEqual({
      from,
      to,
      plannedMs: 480 * MIN,
      runMs: 410 * MIN,
      idleMs: 30 * MIN,
      offMs: 10 * MIN,
      faultMs: 0,
      unknownMs: 30 * MIN,
      noDataMs: 0,
      utilization: 410 / 480,
    });
  });

  it('by shift: one row spanning the shift occurrence, with the same counts', () => {
    expect(rows(monday, 'shift', from, to).map(minutes)).toEqual([
      '2025-06-02 08:30:00–17:30:00 day planned 480 run 410 idle 30 off 10 unknown 30 → 0.8542',
    ]);
  });

  it('by hour: 24 local hours; hours without planned time have utilization null even when the machine ran', () => {
    const hours = rows(monday, 'hour', from, to).map(minutes);
    expect(hours).toHaveLength(24);
    expect(hours.slice(7, 19)).toEqual([
      '2025-06-02 07:00:00–08:00:00 planned 0 run 0 idle 0 off 0 unknown 0 → null',
      '2025-06-02 08:00:00–09:00:00 planned 30 run 15 idle 15 off 0 unknown 0 → 0.5000',
      '2025-06-02 09:00:00–10:00:00 planned 60 run 60 idle 0 off 0 unknown 0 → 1.0000',
      '2025-06-02 10:00:00–11:00:00 planned 60 run 60 idle 0 off 0 unknown 0 → 1.0000',
      '2025-06-02 11:00:00–12:00:00 planned 60 run 45 idle 15 off 0 unknown 0 → 0.7500',
      '2025-06-02 12:00:00–13:00:00 planned 0 run 0 idle 0 off 0 unknown 0 → null',
      '2025-06-02 13:00:00–14:00:00 planned 60 run 50 idle 0 off 10 unknown 0 → 0.8333',
      '2025-06-02 14:00:00–15:00:00 planned 60 run 60 idle 0 off 0 unknown 0 → 1.0000',
      '2025-06-02 15:00:00–16:00:00 planned 60 run 60 idle 0 off 0 unknown 0 → 1.0000',
      '2025-06-02 16:00:00–17:00:00 planned 60 run 30 idle 0 off 0 unknown 30 → 0.5000',
      '2025-06-02 17:00:00–18:00:00 planned 30 run 30 idle 0 off 0 unknown 0 → 1.0000',
      '2025-06-02 18:00:00–19:00:00 planned 0 run 0 idle 0 off 0 unknown 0 → null',
    ]);
    const all = rows(monday, 'hour', from, to);
    expect(all.reduce((sum, r) => sum + r.runMs, 0)).toBe(410 * MIN);
  });

  it('planned time the kit did not see (NO_DATA) leaves 稼働率 instead of counting as standing still', () => {
    // The kit was plugged in at 10:00 on its first day: 08:30–10:00 it saw nothing.
    const firstDay = day([
      ['00:00', 'NO_DATA'],
      ['10:00', 'RUN'],
      ['15:00', 'UNKNOWN'],
      ['16:00', 'IDLE'],
    ]);
    const [row] = rows(firstDay, 'day', from, to);
    expect(row).toMatchObject({ plannedMs: 480 * MIN, noDataMs: 90 * MIN, runMs: 240 * MIN, unknownMs: 60 * MIN, idleMs: 90 * MIN });
    expect(row?.utilization).toBeCloseTo(240 / 390, 10);
    const [before] = rows([{ state: 'NO_DATA', from, to }], 'day', from, to);
    expect(before).toMatchObject({ plannedMs: 480 * MIN, noDataMs: 480 * MIN, runMs: 0, unknownMs: 0, utilization: null });
  });

  it('a fault stop (a tower red lamp) is stop time: counted apart, never run', () => {
    const faulted = day([
      ['08:30', 'RUN'],
      ['10:00', 'FAULT'],
      ['10:40', 'OFF'],
      ['11:00', 'RUN'],
    ]);
    const [row] = rows(faulted, 'day', from, to);
    expect(row).toMatchObject({ plannedMs: 480 * MIN, runMs: 420 * MIN, faultMs: 40 * MIN, offMs: 20 * MIN, unknownMs: 0 });
    expect(row?.utilization).toBe(420 / 480);
  });

  it('planned time with no state interval is unknown, not run; a day with no state known at all has no 稼働率', () => {
    const partial = day([['10:00', 'RUN']], '2025-06-02 11:00');
    const [row] = rows(partial, 'day', from, to);
    expect(row).toMatchObject({ plannedMs: 480 * MIN, runMs: 60 * MIN, unknownMs: 420 * MIN, utilization: 60 / 480 });
    const [empty] = rows([], 'day', from, to);
    // Not one state known all day (a sensor that never spoke): no data, not 0 %.
    expect(empty).toMatchObject({ plannedMs: 480 * MIN, runMs: 0, unknownMs: 480 * MIN, utilization: null });
  });

  it('a machine running only outside planned time (night, lunch) has 0 utilization', () => {
    const outside = day([
      ['00:00', 'RUN'],
      ['08:30', 'OFF'],
      ['12:00', 'RUN'],
      ['13:00', 'OFF'],
      ['17:30', 'RUN'],
    ]);
    expect(rows(outside, 'day', from, to).map(minutes)).toEqual([
      '2025-06-02 00:00:00–00:00:00 planned 480 run 0 idle 0 off 480 unknown 0 → 0.0000',
    ]);
  });

  it('by day over a weekend: Saturday and Sunday have no planned time and utilization null', () => {
    const sat = jst('2025-06-07 00:00');
    const result = rows([{ state: 'RUN', from: sat, to: jst('2025-06-10 00:00') }], 'day', sat, jst('2025-06-10 00:00'));
    expect(result.map((r) => [formatLocal(r.from, TZ), r.plannedMs / MIN, r.utilization])).toEqual([
      ['2025-06-07 00:00:00', 0, null],
      ['2025-06-08 00:00:00', 0, null],
      ['2025-06-09 00:00:00', 480, 1],
    ]);
  });

  it('a range that starts mid-hour cuts the first row and counts only from there', () => {
    const result = rows(monday, 'hour', jst('2025-06-02 08:40'), jst('2025-06-02 10:00'));
    expect(result.map(minutes)).toEqual([
      '2025-06-02 08:40:00–09:00:00 planned 20 run 15 idle 5 off 0 unknown 0 → 0.7500',
      '2025-06-02 09:00:00–10:00:00 planned 60 run 60 idle 0 off 0 unknown 0 → 1.0000',
    ]);
  });

  it('overlapping shifts count a minute once by day, but in each shift by shift', () => {
    const overlapping: CalendarConfig = {
      shifts: [
        { id: 'early', name: '早番', start: '06:00', end: '14:00', breaks: [], days: ['mon'] },
        { id: 'late', name: '遅番', start: '12:00', end: '20:00', breaks: [], days: ['mon'] },
      ],
      holidays: [],
    };
    const allRun: StateInterval[] = [{ state: 'RUN', from, to }];
    expect(rows(allRun, 'day', from, to, overlapping).map((r) => r.plannedMs / MIN)).toEqual([14 * 60]);
    expect(rows(allRun, 'shift', from, to, overlapping).map((r) => [r.shift, r.plannedMs / MIN, r.utilization])).toEqual([
      ['early', 480, 1],
      ['late', 480, 1],
    ]);
  });

  it('a night shift: by shift one occurrence over midnight, by day split at local midnight', () => {
    const night: CalendarConfig = {
      shifts: [{ id: 'night', name: '夜勤', start: '22:00', end: '06:00', breaks: [], days: ['mon'] }],
      holidays: [],
    };
    const states: StateInterval[] = [
      { state: 'RUN', from: jst('2025-06-02 20:00'), to: jst('2025-06-03 03:00') },
      { state: 'IDLE', from: jst('2025-06-03 03:00'), to: jst('2025-06-03 12:00') },
    ];
    const range = [jst('2025-06-02 00:00'), jst('2025-06-04 00:00')] as const;
    expect(rows(states, 'shift', ...range, night).map(minutes)).toEqual([
      '2025-06-02 22:00:00–06:00:00 night planned 480 run 300 idle 180 off 0 unknown 0 → 0.6250',
    ]);
    expect(rows(states, 'day', ...range, night).map((r) => [r.plannedMs / MIN, r.runMs / MIN, r.idleMs / MIN])).toEqual([
      [120, 120, 0],
      [360, 180, 180],
    ]);
  });

  it('local hours and days follow the wall clock across DST (America/New_York, 2025-03-09 has 23 hours)', () => {
    const tz = 'America/New_York';
    const dayFrom = Date.parse('2025-03-09T05:00:00Z');
    const dayTo = Date.parse('2025-03-10T04:00:00Z');
    const input = { states: [], planned: [], timeZone: tz, from: dayFrom, to: dayTo };
    const hours = utilizationRows({ ...input, by: 'hour' });
    expect(hours).toHaveLength(23);
    expect(hours.map((r) => formatLocal(r.from, tz).slice(11, 13)).slice(0, 4)).toEqual(['00', '01', '03', '04']);
    expect(hours.every((r) => r.to - r.from === 3_600_000)).toBe(true);
    const days = utilizationRows({ ...input, by: 'day' });
    expect(days.map((r) => (r.to - r.from) / 3_600_000)).toEqual([23]);
  });
});

import { describe, expect, it } from 'vitest';
import { oeeByDay, oeeByShift } from '../../../../gateway/production/oee.js';
import { machineRecord } from '../../../../gateway/production/record.js';
import type { ReasonEntry } from '../../../../gateway/production/stops.js';
import type { StateInterval } from '../../../../gateway/utilization/utilization.js';

const MIN = 60_000;
const at = (hh: number, mm = 0) => Date.UTC(2025, 5, 2, hh, mm);
const day = '2025-06-02';
// An 8 h day shift: 08:00–17:00 with a 60 min lunch break 12:00–13:00 (480 min planned).
const planned = [
  { from: at(8), to: at(12), shift: 'day', day },
  { from: at(13), to: at(17), shift: 'day', day },
];
// 朝礼 (morning meeting) and 清掃 (cleaning) are marked planned; material and breakdown are not.
const PLANNED = new Set(['chorei', 'cleaning']);

// 08:00–08:20 stopped: 10 min 朝礼, then 10 min waiting for material (one stop, two reasons).
// 10:00–10:35 breakdown. 11:50–12:30 cleaning across lunch: only its 10 planned minutes count.
// 16:50–17:00 cleaning. Run in planned time: 100 + 75 + 230 = 405 min.
const states: StateInterval[] = [
  { state: 'OFF', from: at(8), to: at(8, 20) },
  { state: 'RUN', from: at(8, 20), to: at(10) },
  { state: 'FAULT', from: at(10), to: at(10, 35) },
  { state: 'RUN', from: at(10, 35), to: at(11, 50) },
  { state: 'IDLE', from: at(11, 50), to: at(12, 30) },
  { state: 'RUN', from: at(12, 30), to: at(16, 50) },
  { state: 'OFF', from: at(16, 50), to: at(17) },
];
let n = 0;
const reason = (stopFrom: number, from: number, to: number | null, id: string): ReasonEntry => ({
  id: `r${n++}`,
  machine: 'press-1',
  at: (to ?? from) + MIN,
  stopFrom,
  from,
  to,
  reason: id,
  note: null,
  by: 'op',
});
const reasons = [
  reason(at(8), at(8), at(8, 10), 'chorei'),
  reason(at(8), at(8, 10), null, 'material'),
  reason(at(10), at(10), null, 'breakdown'),
  reason(at(11, 50), at(11, 50), null, 'cleaning'),
  reason(at(16, 50), at(16, 50), null, 'cleaning'),
];
// One part in each running minute (lunch included: made, but outside planned time).
const runMinutes = states
  .filter((s) => s.state === 'RUN')
  .flatMap((s) => Array.from({ length: (s.to - s.from) / MIN }, (_, i) => s.from + i * MIN));
const points = runMinutes.map((m, i) => ({ t: m + 30_000, epoch: at(8), total: i + 1, parts: 1 }));

function record(timeline: StateInterval[], entries: ReasonEntry[]) {
  return machineRecord({
    machine: 'press-1',
    from: at(0),
    end: at(20),
    states: timeline,
    planned,
    counter: { points, baseline: new Map(), cycles: [] },
    reasons: entries,
    rejects: [],
    inspection: null,
    stopSettings: { reasonAfterMs: 5 * MIN },
  });
}
// A 48 s ideal cycle: 405 parts × 48 s ÷ 405 min of run = 0.8.
const IDEAL = 48_000;

describe('OEE availability as TPM defines it: run time ÷ loading time (planned time − planned stops)', () => {
  it('takes the planned stops out of the loading time, and only their planned part', () => {
    const [row] = oeeByShift(record(states, reasons), IDEAL, PLANNED);
    // Planned stops: 朝礼 10 + cleaning before lunch 10 (not its 30 in the break) + cleaning 10 = 30 min.
    // Unplanned: material 10 + breakdown 35 = 45 min. Loading time 480 − 30 = 450 min.
    expect(row).toMatchObject({ shift: 'day', plannedMs: 480 * MIN, runMs: 405 * MIN, plannedStopMs: 30 * MIN, parts: 405 });
    expect(row?.availability).toBeCloseTo(405 / 450, 10); // 0.9; the kit's 稼働率 stays 405 / 480 = 0.84375
    expect(row?.performance).toBeCloseTo(0.8, 10);
    expect(row?.quality).toBe(1);
    expect(row?.oee).toBeCloseTo(0.9 * 0.8, 10);
  });

  it('the day row agrees with the shift row', () => {
    const [row] = oeeByDay(record(states, reasons), IDEAL, PLANNED, 'UTC', () => day);
    expect(row).toMatchObject({ day, plannedStopMs: 30 * MIN });
    expect(row?.availability).toBeCloseTo(0.9, 10);
  });

  it('holds a stop against the machine when its reason is not marked planned, as 稼働率 does', () => {
    const [row] = oeeByShift(record(states, reasons), IDEAL, new Set(['setup']));
    expect(row?.plannedStopMs).toBe(0);
    expect(row?.availability).toBeCloseTo(405 / 480, 10);
  });

  it('leaves time the kit did not record out of the loading time too', () => {
    // The edge was down 14:00–15:00: 60 min of run it never saw.
    const timeline: StateInterval[] = [
      ...states.slice(0, 5),
      { state: 'RUN', from: at(12, 30), to: at(14) },
      { state: 'NO_DATA', from: at(14), to: at(15) },
      { state: 'RUN', from: at(15), to: at(16, 50) },
      states[6]!,
    ];
    const [row] = oeeByShift(record(timeline, reasons), IDEAL, PLANNED);
    expect(row).toMatchObject({ noDataMs: 60 * MIN, runMs: 345 * MIN, plannedStopMs: 30 * MIN });
    // (480 − 60 − 30) = 390 min of loading time.
    expect(row?.availability).toBeCloseTo(345 / 390, 10);
  });

  it('a shift that was one planned stop has no availability to judge: no data, not 0 %', () => {
    const timeline: StateInterval[] = [{ state: 'OFF', from: at(8), to: at(17) }];
    const [row] = oeeByShift(record(timeline, [reason(at(8), at(8), null, 'cleaning')]), IDEAL, PLANNED);
    expect(row).toMatchObject({ plannedMs: 480 * MIN, plannedStopMs: 480 * MIN, runMs: 0 });
    expect(row?.availability).toBeNull();
    expect(row?.oee).toBeNull();
  });

  it('a shift the kit recorded nothing of stays no data', () => {
    const timeline: StateInterval[] = [{ state: 'NO_DATA', from: at(0), to: at(20) }];
    const [row] = oeeByShift(record(timeline, []), IDEAL, PLANNED);
    expect(row).toMatchObject({ noDataMs: 480 * MIN, plannedStopMs: 0, availability: null, oee: null });
  });
});

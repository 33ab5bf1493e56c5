import { describe, expect, it } from 'vitest';
import { oeeByShift } from '../../../../gateway/production/oee.js';
import { shiftBoard, shiftOccurrences } from '../../../../gateway/production/plan.js';
import { type InspectionMinute, machineRecord, type RejectEntry } from '../../../../gateway/production/record.js';

const MIN = 60_000;
const at = (hh: number, mm = 0) => Date.UTC(2025, 5, 2, hh, mm);
// 08:00–10:00 with a break 08:45–09:00.
const planned = [
  { from: at(8), to: at(8, 45), shift: 'day', day: '2025-06-02' },
  { from: at(9), to: at(10), shift: 'day', day: '2025-06-02' },
];
const [shift] = shiftOccurrences(planned);
// A press counting 10 parts a minute all shift long, breaks included.
const points = Array.from({ length: 121 }, (_, i) => ({ t: at(8) + i * MIN, epoch: at(8), total: 10 * i, parts: i > 0 ? 10 : 0 }));

function record(rejects: RejectEntry[], inspection: InspectionMinute[] | null) {
  return machineRecord({
    machine: 'press-1',
    from: at(8),
    end: at(10),
    states: [{ state: 'RUN', from: at(8), to: at(10) }],
    planned,
    counter: { points, baseline: new Map(), cycles: [] },
    reasons: [],
    rejects,
    inspection,
    stopSettings: { reasonAfterMs: 5 * MIN },
  });
}
const board = (r: ReturnType<typeof record>) => shiftBoard(r, shift!, 10 / MIN, 'UTC', at(10, 30));

describe('rejects on the board: the operator’s entry and the inspection station’s NG apart', () => {
  // The station judged 5 parts at 08:10 (3 NG) and 2 in the break at 08:50 (1 NG); the operator counted 2 more by hand.
  const verdicts = [
    { t: at(8, 10), judged: 5, ng: 3 },
    { t: at(8, 50), judged: 2, ng: 1 },
  ];
  const entered = [{ machine: 'press-1', at: at(8, 55), hourFrom: at(8), count: 2, by: 'op' }];

  it('carries what the operator entered and the NG verdicts of the hour separately, and their sum once', () => {
    const [eight, nine] = board(record(entered, verdicts));
    // NG verdicts in the break count on the board, as the parts made in it do.
    expect(eight).toMatchObject({ rejectsEntered: 2, inspection: { judged: 7, ng: 4 }, rejects: 6 });
    // An hour nobody entered rejects for says so (null), not 0; the station judged nothing in it.
    expect(nine).toMatchObject({ rejectsEntered: null, inspection: { judged: 0, ng: 0 }, rejects: 0 });
  });

  it('an operator who saves the field as pre-filled leaves the rejects as they were: NG verdicts are not counted twice', () => {
    const before = record(entered, verdicts);
    const row = board(before)[0]!;
    // The dashboard pre-fills the field with the row's entered count; saving it unchanged is a new, later entry.
    const again = { machine: 'press-1', at: at(9, 5), hourFrom: row.from, count: row.rejectsEntered ?? 0, by: 'op' };
    const after = record([...entered, again], verdicts);
    expect(board(after)[0]?.rejects).toBe(6);
    // OEE counts the entry and the planned-time NG (3; the break's verdict is outside planned time) each once.
    const [oee] = oeeByShift(after, 6000, new Set());
    expect(oee).toMatchObject({ rejects: 5, rejectsRecorded: true });
    expect(oeeByShift(before, 6000, new Set())[0]?.rejects).toBe(5);
  });

  it('a machine without an inspection station has no inspection figures on its rows', () => {
    const [eight] = board(record(entered, null));
    expect(eight).toMatchObject({ rejectsEntered: 2, inspection: null, rejects: 2 });
  });
});

import { describe, expect, it } from 'vitest';
import { findStops } from '../../../../gateway/production/stops.js';

const MIN = 60_000;
const at = (hh: number, mm = 0) => Date.UTC(2025, 5, 2, hh, mm);
const planned = [{ from: at(8, 30), to: at(17, 30), shift: 'day', day: '2025-06-02' }];

describe('findStops', () => {
  it('a fault stop (a signal tower red lamp) and the stop beside it are one stop that asks for a reason', () => {
    const states = [
      { state: 'RUN' as const, from: at(8, 30), to: at(10) },
      { state: 'FAULT' as const, from: at(10), to: at(10, 25) },
      { state: 'OFF' as const, from: at(10, 25), to: at(10, 40) },
      { state: 'RUN' as const, from: at(10, 40), to: at(17, 30) },
    ];
    const stops = findStops('press-1', states, planned, [], { reasonAfterMs: 5 * MIN }, at(18));
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ from: at(10), to: at(10, 40), plannedMs: 40 * MIN, needsReason: true, open: false });
  });

  it('UNKNOWN (no signal) is not a stop', () => {
    const states = [{ state: 'UNKNOWN' as const, from: at(8, 30), to: at(17, 30) }];
    expect(findStops('press-1', states, planned, [], { reasonAfterMs: 5 * MIN }, at(18))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { coveredMs, extendToNow, mergeSpans, NoDataOverlay, withNoData } from '../../../../gateway/utilization/coverage.js';
import type { StateInterval } from '../../../../gateway/utilization/utilization.js';

const MIN = 60_000;
const minutes = (...starts: number[]) => starts.map((m) => ({ from: m * MIN, to: (m + 1) * MIN }));

describe('data coverage', () => {
  it('merges covered minutes and hours into spans, cut to the range', () => {
    const spans = mergeSpans([...minutes(5, 3, 4, 9), { from: 60 * MIN, to: 120 * MIN }, ...minutes(120)], 3.5 * MIN, 200 * MIN);
    expect(spans).toEqual([
      { from: 3.5 * MIN, to: 6 * MIN },
      { from: 9 * MIN, to: 10 * MIN },
      { from: 60 * MIN, to: 121 * MIN },
    ]);
    expect(coveredMs(spans, 0, 200 * MIN)).toBe(2.5 * MIN + MIN + 61 * MIN);
  });

  it('takes a kit whose last minute is just being written as still recording, but not one silent for longer', () => {
    const spans = mergeSpans(minutes(0, 1, 2), 0, 10 * MIN);
    expect(extendToNow(spans, 4 * MIN)).toEqual([{ from: 0, to: 4 * MIN }]);
    expect(extendToNow(spans, 10 * MIN)).toEqual([{ from: 0, to: 3 * MIN }]);
  });

  it('turns the night a kit was unplugged into NO_DATA instead of its last state running on until morning', () => {
    // RUN recorded at 17:00, kit unplugged at 17:30, plugged in again at 08:00 seeing IDLE.
    const states: StateInterval[] = [
      { state: 'RUN', from: 0, to: 900 * MIN },
      { state: 'IDLE', from: 900 * MIN, to: 960 * MIN },
    ];
    const covered = [
      { from: 0, to: 30 * MIN },
      { from: 900 * MIN, to: 960 * MIN },
    ];
    expect(withNoData(states, covered)).toEqual([
      { state: 'RUN', from: 0, to: 30 * MIN },
      { state: 'NO_DATA', from: 30 * MIN, to: 900 * MIN },
      { state: 'IDLE', from: 900 * MIN, to: 960 * MIN },
    ]);
  });

  it('keeps UNKNOWN inside covered time as it is, and merges no-data pieces across interval edges', () => {
    const states: StateInterval[] = [
      { state: 'OFF', from: 0, to: 10 * MIN },
      { state: 'UNKNOWN', from: 10 * MIN, to: 20 * MIN },
      { state: 'RUN', from: 20 * MIN, to: 40 * MIN },
    ];
    const overlay = new NoDataOverlay([{ from: 5 * MIN, to: 15 * MIN }]);
    const out = [...states.flatMap((s) => overlay.push(s)), ...overlay.finish()];
    expect(out).toEqual([
      { state: 'NO_DATA', from: 0, to: 5 * MIN },
      { state: 'OFF', from: 5 * MIN, to: 10 * MIN },
      { state: 'UNKNOWN', from: 10 * MIN, to: 15 * MIN },
      { state: 'NO_DATA', from: 15 * MIN, to: 40 * MIN },
    ]);
  });

  it('makes a timeline with no coverage at all one NO_DATA stretch', () => {
    expect(withNoData([{ state: 'UNKNOWN', from: 0, to: 60 * MIN }], [])).toEqual([{ state: 'NO_DATA', from: 0, to: 60 * MIN }]);
  });
});

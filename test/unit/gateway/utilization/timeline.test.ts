import { describe, expect, it } from 'vitest';
import { buildTimeline, TimelineBuilder, toMachineState } from '../../../../gateway/utilization/timeline.js';

describe('buildTimeline', () => {
  it('starts with the state before from, then one interval per change, ending exactly at end', () => {
    expect(
      buildTimeline(100, 200, 'OFF', [
        { at: 120, state: 'RUN' },
        { at: 150, state: 'IDLE' },
      ]),
    ).toEqual([
      { state: 'OFF', from: 100, to: 120 },
      { state: 'RUN', from: 120, to: 150 },
      { state: 'IDLE', from: 150, to: 200 },
    ]);
  });

  it('is UNKNOWN until the first known state when nothing was recorded before from', () => {
    expect(buildTimeline(100, 200, undefined, [{ at: 130, state: 'RUN' }])).toEqual([
      { state: 'UNKNOWN', from: 100, to: 130 },
      { state: 'RUN', from: 130, to: 200 },
    ]);
    expect(buildTimeline(100, 200, undefined, [])).toEqual([{ state: 'UNKNOWN', from: 100, to: 200 }]);
  });

  it('merges a repeated state, replaces the state of a change at from, and ignores changes at or after end', () => {
    expect(
      buildTimeline(100, 200, 'OFF', [
        { at: 100, state: 'IDLE' },
        { at: 120, state: 'RUN' },
        { at: 140, state: 'RUN' },
        { at: 200, state: 'OFF' },
        { at: 250, state: 'IDLE' },
      ]),
    ).toEqual([
      { state: 'IDLE', from: 100, to: 120 },
      { state: 'RUN', from: 120, to: 200 },
    ]);
  });

  it('is empty for an empty range', () => {
    expect(buildTimeline(200, 200, 'RUN', [])).toEqual([]);
  });

  it('streams: each interval is handed back when the next change closes it', () => {
    const builder = new TimelineBuilder(0, 'OFF');
    expect(builder.change(10, 'RUN')).toEqual({ state: 'OFF', from: 0, to: 10 });
    expect(builder.change(15, 'RUN')).toBeUndefined();
    expect(builder.finish(30)).toEqual({ state: 'RUN', from: 10, to: 30 });
  });

  it('reads anything that is not a known state as UNKNOWN', () => {
    expect(['RUN', 'IDLE', 'OFF', 'UNKNOWN', 'BROKEN', 2, null].map(toMachineState)).toEqual([
      'RUN',
      'IDLE',
      'OFF',
      'UNKNOWN',
      'UNKNOWN',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });
});

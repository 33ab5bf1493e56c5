import { describe, expect, it } from 'vitest';
import { bucketMinutes, counterCoverage, partEvents } from '../../../../gateway/production/counts.js';

const MIN = 60_000;

describe('parts from running totals', () => {
  it('takes a lost message’s parts from the next total, counts a new epoch from 0, and ignores a stale duplicate', () => {
    const points = [
      { t: 1 * MIN, epoch: 0, total: 10, parts: 1 },
      // seq 11 and 12 were lost on the way: the total still holds their parts.
      { t: 4 * MIN, epoch: 0, total: 13, parts: 1 },
      { t: 5 * MIN, epoch: 0, total: 12, parts: 1 },
      // The edge restarted: its new epoch began inside the range, at 0.
      { t: 9 * MIN, epoch: 8 * MIN, total: 2, parts: 1 },
    ];
    expect(partEvents(points, 0, new Map([[0, 9]]))).toEqual([
      { t: 1 * MIN, parts: 1 },
      { t: 4 * MIN, parts: 3 },
      { t: 9 * MIN, parts: 2 },
    ]);
    // Without a total from before the range, an epoch that began earlier falls back to the edge's own delta.
    expect(partEvents(points.slice(0, 1), 30_000)).toEqual([{ t: 1 * MIN, parts: 1 }]);
  });
});

describe('when the counter was seen', () => {
  it('covers keepalive gaps, not an hour without messages, and reaches "now" only from a recent message', () => {
    const at = (m: number) => ({ t: m * MIN, epoch: 0, total: 1, parts: 0 });
    const points = [at(0), at(5), at(10), at(70), at(75)];
    expect(counterCoverage(points, 78 * MIN)).toEqual([
      { from: 0, to: 10 * MIN },
      { from: 70 * MIN, to: 78 * MIN },
    ]);
    expect(counterCoverage(points, 200 * MIN).at(-1)).toEqual({ from: 70 * MIN, to: 75 * MIN });
  });

  it('reads 30-minute summaries as seen through each bucket with data, a missing bucket as no data', () => {
    const at = (m: number) => ({ t: m * MIN, epoch: 0, total: 1, parts: 0 });
    expect(counterCoverage([at(0), at(30), at(90)], 300 * MIN, 30 * MIN)).toEqual([
      { from: 0, to: 60 * MIN },
      { from: 90 * MIN, to: 120 * MIN },
    ]);
  });
});

describe('summary buckets', () => {
  it('are as wide as the calendar, the zone and the hour allow', () => {
    // 08:30–17:30 with lunch 12:00–13:00 in Asia/Tokyo (+9 h): half hours.
    expect(bucketMinutes([510, 1050, 720, 780], [540])).toBe(30);
    // A 10:00–10:10 tea break: ten minutes.
    expect(bucketMinutes([510, 1050, 600, 610], [540])).toBe(10);
    // Nepal is +5:45: a quarter hour, whatever the shifts.
    expect(bucketMinutes([480, 1020], [345])).toBe(15);
    expect(bucketMinutes([], [540])).toBe(60);
  });
});

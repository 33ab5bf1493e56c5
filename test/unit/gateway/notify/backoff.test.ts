import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../../gateway/notify/backoff.js';

describe('retry backoff', () => {
  it('doubles from 1 s and stops at 5 min', () => {
    const middle = () => 0.5;
    const schedule = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, middle));
    expect(schedule).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
  });

  it('jitters within ±20 % and never beyond the cap', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999999)).toBe(1_200);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0.999999)).toBe(300_000);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0)).toBe(204_800);
    expect(backoffDelay(500, DEFAULT_BACKOFF, () => 0)).toBe(240_000);
  });

  it('takes other bounds for tests and slow links', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 10, maxMs: 30 }, () => 0.5))).toEqual([10, 20, 30, 30]);
  });
});

import { describe, expect, it } from 'vitest';
import { KitClock, ReadingRing } from '../../../firmware-sim/wifi/index.js';
import type { Queued } from '../../../firmware-sim/wifi/ring.js';

const reading = (seq: number): Queued => ({ seq, measuredAt: seq * 1000, reading: { kind: 'current', amps: { ct1: seq } } });

describe("the simulated node's kit clock", () => {
  it('is unknown until the first clock message, then keeps the quickest delivery of the last eight', () => {
    const clock = new KitClock();
    expect(clock.toKit(5000)).toBeUndefined();
    clock.observe(1_750_000_000_000, 1000);
    expect(clock.toKit(2000)).toBe(1_750_000_001_000);
    // Sent 10 s later, 50 ms on its way: the offset stays with the quicker message.
    clock.observe(1_750_000_010_000, 11_050);
    expect(clock.toKit(2000)).toBe(1_750_000_001_000);
    // Eight slow ones later the quick one has aged out: a drifting crystal is followed.
    for (let i = 2; i <= 9; i++) clock.observe(1_750_000_000_000 + i * 10_000, 1000 + i * 10_000 + 20);
    expect(clock.toKit(2000)).toBe(1_750_000_000_980);
  });

  it('follows the kit clock set back by a person at once, and set forward at once', () => {
    const clock = new KitClock();
    clock.observe(1_750_000_000_000, 0);
    clock.observe(1_749_999_000_000, 10_000); // set back by 1000 s
    expect(clock.toKit(10_000)).toBe(1_749_999_000_000);
    clock.observe(1_750_000_500_000, 20_000); // set forward
    expect(clock.toKit(20_000)).toBe(1_750_000_500_000);
  });
});

describe("the simulated node's ring", () => {
  it('drops the oldest when full and counts it', () => {
    const ring = new ReadingRing(3);
    for (let s = 0; s < 5; s++) expect(ring.push(reading(s))).toBe(true);
    expect([ring.at(0)?.seq, ring.at(1)?.seq, ring.at(2)?.seq]).toEqual([2, 3, 4]);
    expect(ring.dropped).toBe(2);
  });

  it('never drops one that is on its way to the kit: the new reading is dropped instead', () => {
    const ring = new ReadingRing(2);
    ring.push(reading(0));
    ring.push(reading(1));
    expect(ring.push(reading(2), 1)).toBe(false);
    expect([ring.at(0)?.seq, ring.at(1)?.seq, ring.dropped]).toEqual([0, 1, 1]);
    expect(ring.remove(ring.at(0) as Queued)).toBe(true);
    expect(ring.length).toBe(1);
  });
});

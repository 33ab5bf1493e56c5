/** The node's idea of the kit's clock: an offset from its own monotonic milliseconds, learnt from the kit's clock messages. */

/** Estimates kept: at 10 s between clock messages, the best of the last 80 s. */
export const CLOCK_WINDOW = 8;
/** An estimate this far below the offset is not a slow message but the kit's clock set back (by a person, from the tablet). */
export const CLOCK_STEP_BACK_MS = 2000;

/**
 * Each clock message says the kit's time `ts` when it was sent; it arrives after some delay, so `ts − now` is the offset
 * minus that delay: never too high. The best estimate is the highest of the recent ones (the quickest delivery). Old
 * estimates age out, so a node crystal that drifts (±50 ppm, seconds a day) and a kit clock set forward are followed
 * within a window; a kit clock set back is followed at once. Mirrors firmware/core/kit_clock.c.
 */
export class KitClock {
  private readonly estimates: number[] = [];
  private offset: number | undefined;

  get synced(): boolean {
    return this.offset !== undefined;
  }

  /** A clock message: the kit's `kitTs`, received when the node's monotonic clock read `monotonicMs`. */
  observe(kitTs: number, monotonicMs: number): void {
    const estimate = kitTs - monotonicMs;
    if (this.offset !== undefined && estimate < this.offset - CLOCK_STEP_BACK_MS) this.estimates.length = 0;
    this.estimates.push(estimate);
    if (this.estimates.length > CLOCK_WINDOW) this.estimates.shift();
    this.offset = Math.max(...this.estimates);
  }

  /** The kit's time at the node's `monotonicMs`, or undefined before the first clock message. */
  toKit(monotonicMs: number): number | undefined {
    return this.offset === undefined ? undefined : Math.round(monotonicMs + this.offset);
  }
}

/** Exponential backoff with jitter for reconnecting to a device that went away. */

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 10_000,
  ) {}

  /** The next delay: doubles each time up to maxMs, with ±20 % jitter so many nodes do not retry in step. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}

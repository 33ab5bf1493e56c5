/** The node's readings waiting for the kit: oldest first, bounded, the oldest dropped (and counted) when full. */

export type Reading =
  | { kind: 'current'; amps: Record<string, number> }
  | { kind: 'climate'; channel: string; temperatureC: number; humidityPct: number }
  | { kind: 'error'; channel: string; code: string };

export interface Queued {
  /** The node's count of readings (0–65535, wrapping): a gap at the kit is a reading lost here. */
  seq: number;
  /** When it was measured, on the node's monotonic clock. */
  measuredAt: number;
  /** The kit's time of measuring, fixed once known so that a resend is the same message. */
  ts?: number;
  reading: Reading;
}

export class ReadingRing {
  private readonly items: Queued[] = [];
  /** Readings dropped because the ring was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  /**
   * Adds the newest; when full, the oldest is dropped and counted. Never one of the `sending` oldest (handed to MQTT,
   * perhaps at the kit already): then the new one is dropped instead. Returns whether the new one was kept.
   */
  push(item: Queued, sending = 0): boolean {
    if (this.items.length >= this.capacity) {
      this.dropped++;
      if (sending > 0) return false;
      this.items.shift();
    }
    this.items.push(item);
    return true;
  }

  /** The `n`-th oldest, without taking it. */
  at(n: number): Queued | undefined {
    return this.items[n];
  }

  /** Takes an item once the kit has it (PUBACK); nearly always the oldest. */
  remove(item: Queued): boolean {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
    return i >= 0;
  }
}

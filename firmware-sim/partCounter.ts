/**
 * A count channel's part counter as the node keeps it: a uint32 total fed by its machine's running time, one part per cycle
 * (each drawn afresh from the channel's range), seeded per node and channel. One place, so the live node and its history count
 * alike.
 */
import { COUNT_MODULO, type SimFrame } from './encoder.js';
import { hashInts, hashString, mulberry32 } from './random.js';
import type { CountChannel, Scenario } from './scenario.js';

export class SimPartCounter {
  readonly id: string;
  /** The current channel whose running makes the parts. */
  readonly machine: string;
  /** The node's running total (wraps like the firmware's uint32). */
  total = 0;
  /** Simulated time of the last part, null before the first. */
  lastPartMs: number | null = null;
  private readonly cycleMs: [number, number];
  private readonly random: () => number;
  /** Running time since the last part, and how much the part in the making needs. */
  private runMs = 0;
  private nextPartMs: number;

  constructor(channel: CountChannel, nodeSalt: number) {
    this.id = channel.id;
    this.machine = channel.machine;
    this.cycleMs = [channel.cycleSeconds[0] * 1000, channel.cycleSeconds[1] * 1000];
    this.random = mulberry32(hashInts(nodeSalt, hashString(channel.id)));
    this.nextPartMs = this.drawCycle();
  }

  /** The machine ran for `ms` of simulated time ending at `atMs`: every part finished in it is counted at its own time. */
  run(ms: number, atMs: number): void {
    this.runMs += ms;
    while (this.runMs >= this.nextPartMs) {
      this.runMs -= this.nextPartMs;
      this.countPart(atMs - this.runMs);
      this.nextPartMs = this.drawCycle();
    }
  }

  countPart(atMs: number): void {
    this.total = (this.total + 1) % COUNT_MODULO;
    this.lastPartMs = atMs;
  }

  /** The P line's content at `simMs`; the age is like the firmware's millis(): since the last part, or since power-up before one. */
  frame(simMs: number, powerUpMs: number): Omit<Extract<SimFrame, { type: 'count' }>, 'seq'> {
    const age = Math.max(0, Math.round(simMs - (this.lastPartMs ?? powerUpMs)));
    return { type: 'count', channel: this.id, total: this.total, lastPartAgeMs: Math.min(age, COUNT_MODULO - 1) };
  }

  private drawCycle(): number {
    const [low, high] = this.cycleMs;
    return low + (high - low) * this.random();
  }
}

/** The scenario's count channels as counters, all at 0: a node that has just powered up. */
export function scenarioCounters(scenario: Scenario, nodeSalt: number): SimPartCounter[] {
  return scenario.channels.flatMap((channel) => (channel.kind === 'count' ? [new SimPartCounter(channel, nodeSalt)] : []));
}

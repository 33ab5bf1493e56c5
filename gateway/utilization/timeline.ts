/** A machine's state timeline built from recorded state changes: consecutive intervals, UNKNOWN until the first known state. Pure. */
import type { MachineStateName, StateInterval, TimelineState } from './utilization.js';

const STATES = new Set<string>(['RUN', 'IDLE', 'OFF', 'FAULT', 'UNKNOWN']);

/** Anything stored that is not one of the five states (a hand-written point, a future state) reads as UNKNOWN. */
export function toMachineState(value: unknown): MachineStateName {
  return typeof value === 'string' && STATES.has(value) ? (value as MachineStateName) : 'UNKNOWN';
}

/**
 * Fed with time-ordered changes, hands back each interval as soon as it is closed, so a year of changes can be
 * streamed to a CSV without holding it. Repeated states merge (a re-sent state is not a change), and a change at the
 * very instant the current interval began replaces its state instead of making an empty interval.
 */
export class TimelineBuilder {
  private state: TimelineState;
  private since: number;

  constructor(from: number, stateAtFrom: TimelineState = 'UNKNOWN') {
    this.state = stateAtFrom;
    this.since = from;
  }

  change(at: number, state: TimelineState): StateInterval | undefined {
    if (state === this.state) return undefined;
    const when = Math.max(at, this.since);
    const closed = when > this.since ? { state: this.state, from: this.since, to: when } : undefined;
    this.state = state;
    this.since = when;
    return closed;
  }

  /** The last, still open interval, cut at `at`. */
  finish(at: number): StateInterval | undefined {
    return at > this.since ? { state: this.state, from: this.since, to: at } : undefined;
  }
}

/** The intervals covering exactly [from, end): `before` is the last state recorded before `from`, if any. */
export function buildTimeline(
  from: number,
  end: number,
  before: MachineStateName | undefined,
  changes: { at: number; state: MachineStateName }[],
): StateInterval[] {
  if (!(end > from)) return [];
  const builder = new TimelineBuilder(from, before ?? 'UNKNOWN');
  const out: StateInterval[] = [];
  for (const c of changes) {
    if (c.at >= end) break;
    const closed = builder.change(c.at, c.state);
    if (closed) out.push(closed);
  }
  const last = builder.finish(end);
  if (last) out.push(last);
  return out;
}

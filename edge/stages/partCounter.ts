/**
 * A machine's part counter at the edge: pulses or a device's running total in, cumulative count messages out. Pure: time comes
 * in with each observation, so a golden test replays a shift in milliseconds.
 *
 * Every message carries the running total since the counter started (its epoch) and a sequence number, so a message lost on the
 * way (a full queue, a broken link) loses no part: the next one's total still holds it, and the reader sees the gap.
 */

export interface PartCounterSettings {
  /** Parts made per pulse or per step of the device's counter (a die with two cavities: 2). */
  partsPerPulse: number;
  /** A longer gap between two pulses is a stop, not a cycle: left out of the cycle time. */
  maxCycleMs: number;
  /** While parts keep coming, at most one message this often (a press at 5 strokes/s is not 5 messages/s). */
  publishEveryMs: number;
  /** The same while the broker is out of reach, so the edge's queue holds hours, not minutes, of counts. */
  offlinePublishEveryMs: number;
  /** A message without parts at least this often: "counting, nothing made" is then told apart from "not seen". */
  keepaliveMs: number;
}

export const DEFAULT_COUNTER_TIMING = { publishEveryMs: 1000, offlinePublishEveryMs: 60_000, keepaliveMs: 300_000 } as const;

export type CounterObservation =
  /** The edge started counting (epoch = ts): the first message, total 0. */
  | { kind: 'start'; ts: number }
  /** One pulse of a GPIO counter input, already debounced. */
  | { kind: 'pulse'; ts: number }
  /** A device's own running total (a node's P line, a Modbus register): it wraps at `modulo` and restarts at 0 when the device does. */
  | { kind: 'total'; ts: number; total: number; modulo: number; lastPartAgeMs?: number }
  /** The clock: coalesced parts go out, keepalives are due. `linkUp` is whether the broker is reachable. */
  | { kind: 'tick'; ts: number; linkUp: boolean }
  /** The edge is stopping: whatever is pending goes out. */
  | { kind: 'stop'; ts: number };

export interface CountMessage {
  /** When the total was last counted: the last part's pulse, the device reading, or the tick of a keepalive. */
  ts: number;
  /** When this count began (ms): a new epoch (the edge restarted) starts again from total 0. */
  epoch: number;
  /** +1 per message within the epoch, wrapping at 65536: a gap means a lost message, whose parts the next total still has. */
  seq: number;
  /** Parts since the epoch began. */
  total: number;
  /** Parts since the previous message. */
  parts: number;
  /** Mean cycle time per part of the measured cycles among those parts (ms), when any was measured. */
  cycleMs?: number;
  /** How many per-part cycles cycleMs is the mean of. */
  cycles?: number;
}

export interface PartCounterMemory {
  epoch?: number;
  seq: number;
  total: number;
  publishedTotal: number;
  lastPublishAt?: number;
  linkUp: boolean;
  /** The last part's time (edge clock), for the next cycle. */
  lastPartAt?: number;
  /** Cycle time measured since the last message: sum of per-pulse gaps and how many parts they cover. */
  cycleSumMs: number;
  cycles: number;
  /** The device's last raw total, the baseline of the next delta; undefined after a restart or before the first reading. */
  deviceTotal?: number;
  /** Readings whose total went down without a wrap: counted from 0 again. */
  deviceResets: number;
}

export const initialCounterMemory = (): PartCounterMemory => ({
  seq: 0,
  total: 0,
  publishedTotal: 0,
  linkUp: true,
  cycleSumMs: 0,
  cycles: 0,
  deviceResets: 0,
});

const SEQ_MODULO = 65536;

/**
 * Steps of a device counter between two readings. A total that went down either wrapped (the register rolled over: the old
 * value near the top, the new one near the bottom, less than a quarter of the range apart) or restarted from 0 (the device was
 * powered off): then every step of the new total is new.
 */
export function deviceSteps(previous: number, total: number, modulo: number): { steps: number; reset: boolean } {
  if (total >= previous) return { steps: total - previous, reset: false };
  const wrapped = total + modulo - previous;
  return wrapped <= modulo / 4 ? { steps: wrapped, reset: false } : { steps: total, reset: true };
}

/**
 * The message for what is counted so far. It is stamped with the last part's time when it carries parts (coalesced parts go
 * out at the next tick, but belong to the hour they were made in), else with `now`; never before the previous message.
 */
function emit(m: PartCounterMemory, now: number): { memory: PartCounterMemory; messages: CountMessage[] } {
  const parts = m.total - m.publishedTotal;
  const floor = m.lastPublishAt === undefined ? Number.NEGATIVE_INFINITY : m.lastPublishAt + 1;
  const ts = Math.min(now, Math.max(parts > 0 ? (m.lastPartAt ?? now) : now, floor));
  const message: CountMessage = { ts, epoch: m.epoch ?? ts, seq: m.seq, total: m.total, parts };
  if (m.cycles > 0) {
    message.cycleMs = Math.round(m.cycleSumMs / m.cycles);
    message.cycles = m.cycles;
  }
  const memory = { ...m, seq: (m.seq + 1) % SEQ_MODULO, publishedTotal: m.total, lastPublishAt: ts, cycleSumMs: 0, cycles: 0 };
  return { memory, messages: [message] };
}

/** Parts counted at `ts`: `steps` pulses or counter steps whose last one happened at `partAt`. */
function count(settings: PartCounterSettings, m: PartCounterMemory, steps: number, partAt: number): PartCounterMemory {
  if (steps <= 0) return m;
  const next = { ...m, total: m.total + steps * settings.partsPerPulse, lastPartAt: Math.max(partAt, m.lastPartAt ?? partAt) };
  if (m.lastPartAt !== undefined) {
    const span = partAt - m.lastPartAt;
    // The gap per pulse decides whether these were cycles or a stop; the time is then shared by the parts they made.
    if (span > 0 && span / steps <= settings.maxCycleMs) {
      next.cycleSumMs = m.cycleSumMs + span;
      next.cycles = m.cycles + steps * settings.partsPerPulse;
    }
  }
  return next;
}

/** A message is due once parts are pending and the last message is at least the link's interval old (or there was none). */
function due(settings: PartCounterSettings, m: PartCounterMemory, ts: number): boolean {
  if (m.total === m.publishedTotal) return false;
  const every = m.linkUp ? settings.publishEveryMs : settings.offlinePublishEveryMs;
  return m.lastPublishAt === undefined || ts - m.lastPublishAt >= every;
}

export function stepPartCounter(
  settings: PartCounterSettings,
  memory: PartCounterMemory,
  observation: CounterObservation,
): { memory: PartCounterMemory; messages: CountMessage[] } {
  const { ts } = observation;
  const none = (m: PartCounterMemory) => ({ memory: m, messages: [] });
  if (observation.kind === 'start') return memory.epoch === undefined ? emit({ ...initialCounterMemory(), epoch: ts }, ts) : none(memory);
  // Nothing is counted before the start: parts then belong to no epoch.
  if (memory.epoch === undefined) return none(memory);
  let m = memory;
  switch (observation.kind) {
    case 'pulse':
      m = count(settings, m, 1, ts);
      break;
    case 'total': {
      const { total, modulo, lastPartAgeMs = 0 } = observation;
      if (!(Number.isInteger(total) && total >= 0 && total < modulo)) return none(m);
      const previous = m.deviceTotal;
      m = { ...m, deviceTotal: total };
      if (previous === undefined) {
        // The first reading is a baseline only: what the device counted before the edge listened belongs to no epoch. Its last
        // part's time still gives the next part a cycle.
        m.lastPartAt ??= ts - lastPartAgeMs;
        return none(m);
      }
      const { steps, reset } = deviceSteps(previous, total, modulo);
      if (reset) m.deviceResets++;
      m = count(settings, m, steps, ts - lastPartAgeMs);
      break;
    }
    case 'tick':
      m = { ...m, linkUp: observation.linkUp };
      if (!due(settings, m, ts) && ts - (m.lastPublishAt ?? ts) >= settings.keepaliveMs) return emit(m, ts);
      break;
    case 'stop':
      return m.total === m.publishedTotal ? none(m) : emit(m, ts);
  }
  return due(settings, m, ts) ? emit(m, ts) : none(m);
}

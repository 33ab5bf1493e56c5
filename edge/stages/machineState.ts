/** Machine state (OFF / IDLE / RUN / FAULT / UNKNOWN) from RMS current, a meter's power, a digital input or a signal tower. Pure: time comes in with each sample. */

/** FAULT (異常停止) is stopped with an alarm, as a signal tower's red lamp says; current alone cannot tell it from OFF. */
export type MachineStateName = 'OFF' | 'IDLE' | 'RUN' | 'FAULT' | 'UNKNOWN';

export interface MachineStateSettings {
  /** Thresholds in amps (or in watts for a machine watched through its power); absent for a digital input. */
  idleAbove?: number;
  runAbove?: number;
  hysteresis?: number;
  /** A new state must hold this long before it is believed (a spindle pause is not a stop). */
  minDwellMs: number;
  /** No sample for this long and the state becomes UNKNOWN (無信号). */
  silentAfterMs: number;
}

/** `state`: what a signal tower's lamps say (edge/stages/signalTower.ts). */
export type MachineSample =
  | { ts: number; amps: number }
  | { ts: number; watts: number }
  | { ts: number; on: boolean }
  | { ts: number; state: Exclude<MachineStateName, 'UNKNOWN'> };

export interface MachineMemory {
  state: MachineStateName;
  /** When the current state began (ms); undefined before the first sample. */
  since?: number;
  lastSampleAt?: number;
  lastAmps?: number;
  /** A different state seen but not yet held for minDwellMs. */
  candidate?: { state: MachineStateName; since: number };
}

export interface StateChange {
  /** When the new state began: for a dwell-confirmed change, the first sample that showed it. */
  ts: number;
  state: MachineStateName;
  previous: MachineStateName;
  /** How long the previous state lasted, in ms (undefined when it had no start). */
  previousMs?: number;
  amps?: number;
  watts?: number;
}

export const initialMachineMemory = (): MachineMemory => ({ state: 'UNKNOWN' });

/** The state one sample shows, with the threshold lowered by the hysteresis while the machine is already at or above it. */
export function classify(settings: MachineStateSettings, sample: MachineSample, current: MachineStateName): MachineStateName {
  if ('on' in sample) return sample.on ? 'RUN' : 'OFF';
  if ('state' in sample) return sample.state;
  const { idleAbove = 0, runAbove = Number.POSITIVE_INFINITY, hysteresis = 0 } = settings;
  const run = current === 'RUN' ? runAbove - hysteresis : runAbove;
  const idle = current === 'RUN' || current === 'IDLE' ? idleAbove - hysteresis : idleAbove;
  const level = 'amps' in sample ? sample.amps : sample.watts;
  if (level >= run) return 'RUN';
  if (level >= idle) return 'IDLE';
  return 'OFF';
}

function change(memory: MachineMemory, state: MachineStateName, ts: number, sample?: MachineSample): [MachineMemory, StateChange] {
  const event: StateChange = { ts, state, previous: memory.state };
  if (memory.since !== undefined) event.previousMs = ts - memory.since;
  if (sample && 'amps' in sample) event.amps = sample.amps;
  if (sample && 'watts' in sample) event.watts = sample.watts;
  return [{ ...memory, state, since: ts, candidate: undefined }, event];
}

/** UNKNOWN from the last sample on, once nothing has come for silentAfterMs. */
export function checkSilence(
  settings: MachineStateSettings,
  memory: MachineMemory,
  now: number,
): { memory: MachineMemory; changes: StateChange[] } {
  if (memory.state === 'UNKNOWN' || memory.lastSampleAt === undefined || now - memory.lastSampleAt < settings.silentAfterMs) {
    return { memory, changes: [] };
  }
  const [next, event] = change(memory, 'UNKNOWN', memory.lastSampleAt);
  return { memory: next, changes: [event] };
}

export function stepMachineState(
  settings: MachineStateSettings,
  before: MachineMemory,
  sample: MachineSample,
): { memory: MachineMemory; changes: StateChange[] } {
  // Late or repeated samples (a replay, a clock step) must not rewrite history.
  if (before.lastSampleAt !== undefined && sample.ts <= before.lastSampleAt) return { memory: before, changes: [] };
  const silence = checkSilence(settings, before, sample.ts);
  const changes = [...silence.changes];
  const amps = 'amps' in sample ? sample.amps : undefined;
  let memory: MachineMemory = { ...silence.memory, lastSampleAt: sample.ts, lastAmps: amps };
  const seen = classify(settings, sample, memory.state);

  if (seen === memory.state) return { memory: { ...memory, candidate: undefined }, changes };
  if (memory.state === 'UNKNOWN') {
    // Coming out of no-signal there is no earlier state to protect, so believe the first sample. If the samples of the
    // silence arrive after all (a node on Wi-Fi sends what it buffered while the link was down), there was no gap in
    // what was measured: the state is dated where the UNKNOWN began, so that it replaces it in the record.
    const silentFrom = before.state === 'UNKNOWN' && before.since === before.lastSampleAt ? before.lastSampleAt : undefined;
    const bridged = silentFrom !== undefined && sample.ts - silentFrom < settings.silentAfterMs;
    const [next, event] = change(memory, seen, bridged ? silentFrom : sample.ts, sample);
    return { memory: next, changes: [...changes, event] };
  }
  if (memory.candidate?.state !== seen) memory = { ...memory, candidate: { state: seen, since: sample.ts } };
  const candidate = memory.candidate as { state: MachineStateName; since: number };
  if (sample.ts - candidate.since >= settings.minDwellMs) {
    const [next, event] = change(memory, seen, candidate.since, sample);
    return { memory: next, changes: [...changes, event] };
  }
  return { memory, changes };
}

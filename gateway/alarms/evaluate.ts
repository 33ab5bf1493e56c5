/** Alarm evaluation as a pure stage: `(memory, input, now) => { memory, transitions }`; no clock, no I/O, so a golden test replays a day in ms. */
import type { CalendarConfig } from '../../config/schema.js';
import { plannedIntervals } from '../utilization/calendar.js';
import type { FaultRule, LimitRule, Metric, ProductionRule, RuleInstance, TimeRule } from './rules.js';

export type MachineStateName = 'OFF' | 'IDLE' | 'RUN' | 'FAULT' | 'UNKNOWN';

/** What the engine feeds in; the time is the `now` passed beside it. */
export type AlarmInput =
  /** The engine (re)started: silence is counted from here, and rules that no longer exist are cleared. */
  | { kind: 'start' }
  /** The timer: delays mature and time rules are checked. */
  | { kind: 'tick' }
  | { kind: 'climate'; zone: string; temperatureC: number; humidityPct: number; wbgtC: number }
  | { kind: 'current'; machine: string; amps: number }
  /** A meter's active power on the channel of this machine. */
  | { kind: 'power'; machine: string; watts: number }
  /** A machine's new state and when it began (the edge back-dates a dwell-confirmed change to its first sample). */
  | { kind: 'state'; machine: string; state: MachineStateName; since: number }
  /** A sensor node spoke. */
  | { kind: 'seen'; node: string }
  /** A sensor node reported an error on the channel of this zone or machine, with its code (I2C_NACK, MODBUS_EXCEPTION_2). */
  | { kind: 'sensorError'; target: string; code: string }
  /** The production service's view of a machine: parts behind the shift's plan so far, how long its oldest stop has waited for a reason. */
  | { kind: 'production'; machine: string; behindParts: number | null; waitingMs: number | null };

export interface RuleMemory {
  active: boolean;
  /** When the condition began to hold while not active: the on-delay runs from here. */
  pendingSince?: number;
  /** When the value came back inside the limit by the deadband while active: the off-delay runs from here. */
  clearSince?: number;
  /** The last value seen (limit rules), so a tick can finish a delay when readings are sparse. */
  last?: number;
  /** The last error reported for the target (sensor-fault rules). */
  faultAt?: number;
}

export interface EvalMemory {
  startedAt?: number;
  rules: Record<string, RuleMemory>;
  /** Last time each node spoke. */
  seen: Record<string, number>;
  machines: Record<string, { state: MachineStateName; since: number }>;
  /** The calendar's last answer, kept until its boundary: working it out on every tick would cost more than the rest together. */
  plan?: PlanAt;
}

export interface Transition {
  type: 'raised' | 'cleared';
  key: string;
  ts: number;
  /** The value, or for time rules the duration (s for silence, min for machines); null when clearing for want of a rule. */
  value: number | null;
  /** A sensor fault's raise: the node's error code, for the message. */
  code?: string;
}

export interface EvalSetup {
  rules: RuleInstance[];
  byKey: Map<string, RuleInstance>;
  calendar: CalendarConfig;
  timeZone: string;
}

export const initialEvalMemory = (): EvalMemory => ({ rules: {}, seen: {}, machines: {} });

export function evaluationSetup(rules: RuleInstance[], calendar: CalendarConfig, timeZone: string): EvalSetup {
  return { rules, byKey: new Map(rules.map((r) => [r.key, r])), calendar, timeZone };
}

const DAY = 86_400_000;
/** How far to look for shift boundaries either side; a boundary further back is earlier than any state's start anyway. */
const PLAN_SPAN = 8 * DAY;

export interface PlanAt {
  inShift: boolean;
  /** In a shift: when this stretch of planned time began (adjacent shifts merged); outside: when the last one ended. */
  since: number;
  /** When this answer stops being true: the end of the stretch, or the start of the next one. */
  until: number;
  /** When it was worked out: an answer is reused only for times in [at, until). */
  at: number;
}

/** Whether `t` is planned work time (breaks and holidays are not), since when and until when that is so. */
export function planAt(calendar: CalendarConfig, timeZone: string, t: number): PlanAt {
  const from = t - PLAN_SPAN;
  const to = t + PLAN_SPAN;
  // Adjacent intervals (a day shift ending where a night shift starts) are one stretch of planned time.
  const runs: [number, number][] = [];
  for (const iv of plannedIntervals(calendar, timeZone, from, to)) {
    const last = runs.at(-1);
    if (last && iv.from <= last[1]) last[1] = Math.max(last[1], iv.to);
    else runs.push([iv.from, iv.to]);
  }
  let since = from;
  for (const [a, b] of runs) {
    if (a <= t && t < b) return { inShift: true, since: a, until: b, at: t };
    if (a > t) return { inShift: false, since, until: a, at: t };
    since = b;
  }
  return { inShift: false, since, until: to, at: t };
}

const violates = (rule: LimitRule, v: number) =>
  (rule.above !== undefined && v >= rule.above) || (rule.below !== undefined && v <= rule.below);
/** Back inside the limit by the deadband: a value hovering at the limit does not clear. */
const backInside = (rule: LimitRule, v: number) =>
  (rule.above === undefined || v < rule.above - rule.deadband) && (rule.below === undefined || v > rule.below + rule.deadband);

function metricOf(input: AlarmInput, metric: Metric): number | undefined {
  if (input.kind === 'climate')
    return metric === 'temperature'
      ? input.temperatureC
      : metric === 'humidity'
        ? input.humidityPct
        : metric === 'wbgt'
          ? input.wbgtC
          : undefined;
  if (input.kind === 'current') return metric === 'current' ? input.amps : undefined;
  if (input.kind === 'power') return metric === 'power' ? input.watts : undefined;
  return undefined;
}

function stepLimit(rule: LimitRule, before: RuleMemory, value: number, now: number, out: Transition[]): RuleMemory {
  const m: RuleMemory = { ...before, last: value };
  if (!m.active) {
    if (!violates(rule, value)) {
      delete m.pendingSince;
      return m;
    }
    m.pendingSince ??= now;
    if (now - m.pendingSince < rule.onDelayMs) return m;
    delete m.pendingSince;
    delete m.clearSince;
    out.push({ type: 'raised', key: rule.key, ts: now, value });
    return { ...m, active: true };
  }
  if (!backInside(rule, value)) {
    delete m.clearSince;
    return m;
  }
  m.clearSince ??= now;
  if (now - m.clearSince < rule.offDelayMs) return m;
  delete m.clearSince;
  delete m.pendingSince;
  out.push({ type: 'cleared', key: rule.key, ts: now, value });
  return { ...m, active: false };
}

function stepTime(rule: TimeRule, memory: EvalMemory, now: number, plan: () => PlanAt, out: Transition[]): RuleMemory {
  const before = memory.rules[rule.key] ?? { active: false };
  let duration: number | undefined;
  if (rule.kind === 'silent') {
    // A node never heard from since the start is silent from the start, not from the epoch.
    const seenAt = Math.max(memory.seen[rule.target.id] ?? Number.NEGATIVE_INFINITY, memory.startedAt ?? now);
    if (now - seenAt >= rule.afterMs) duration = Math.floor((now - seenAt) / 1000);
  } else if (rule.kind === 'machineFault') {
    // A fault needs a person whenever it happens, in a shift or not.
    const machine = memory.machines[rule.target.id];
    if (machine?.state === 'FAULT' && now - machine.since >= rule.afterMs) duration = Math.floor((now - machine.since) / 60_000);
  } else {
    const machine = memory.machines[rule.target.id];
    const stopped = machine?.state === 'OFF' || machine?.state === 'IDLE' || machine?.state === 'FAULT';
    const watched = rule.kind === 'stoppedTooLong' ? stopped : machine?.state === 'RUN';
    if (machine && watched) {
      const p = plan();
      // Stopped counts only inside planned time (not at lunch, not after hours); running only outside it.
      if (p.inShift === (rule.kind === 'stoppedTooLong')) {
        const elapsed = now - Math.max(machine.since, p.since);
        if (elapsed >= rule.afterMs) duration = Math.floor(elapsed / 60_000);
      }
    }
  }
  if (duration !== undefined && !before.active) {
    out.push({ type: 'raised', key: rule.key, ts: now, value: duration });
    return { active: true };
  }
  if (duration === undefined && before.active) {
    out.push({ type: 'cleared', key: rule.key, ts: now, value: null });
    return { active: false };
  }
  return before;
}

/** An error raises at once; a reading clears only once the errors have stopped for clearAfterMs. */
function stepFault(rule: FaultRule, before: RuleMemory, input: AlarmInput, now: number, out: Transition[]): RuleMemory {
  if (input.kind === 'sensorError') {
    if (!before.active) out.push({ type: 'raised', key: rule.key, ts: now, value: null, code: input.code });
    return { active: true, faultAt: now };
  }
  if (before.active && now - (before.faultAt ?? now) >= rule.clearAfterMs) {
    out.push({ type: 'cleared', key: rule.key, ts: now, value: null });
    return { active: false };
  }
  return before;
}

/** Raised while the condition holds (value: parts behind, or minutes waiting), cleared once it does not. */
function stepProduction(
  rule: ProductionRule,
  before: RuleMemory,
  input: Extract<AlarmInput, { kind: 'production' }>,
  now: number,
  out: Transition[],
): RuleMemory {
  const value =
    rule.kind === 'behindPlan'
      ? input.behindParts !== null && input.behindParts > rule.parts
        ? input.behindParts
        : null
      : input.waitingMs !== null && input.waitingMs >= rule.afterMs
        ? Math.floor(input.waitingMs / 60_000)
        : null;
  if (value !== null && !before.active) {
    out.push({ type: 'raised', key: rule.key, ts: now, value });
    return { active: true, last: value };
  }
  if (value === null && before.active) {
    out.push({ type: 'cleared', key: rule.key, ts: now, value: null });
    return { active: false };
  }
  return value === null ? before : { ...before, last: value };
}

/** One step: the memory after `input` at `now`, and the alarms it raised or cleared. */
export function evaluate(
  setup: EvalSetup,
  memory: EvalMemory,
  input: AlarmInput,
  now: number,
): { memory: EvalMemory; transitions: Transition[] } {
  const out: Transition[] = [];
  const rules = { ...memory.rules };
  let next: EvalMemory = { ...memory, rules };
  const plan = () => {
    const known = next.plan;
    if (known && known.at <= now && now < known.until) return known;
    next.plan = planAt(setup.calendar, setup.timeZone, now);
    return next.plan;
  };

  switch (input.kind) {
    case 'start': {
      next.startedAt = now;
      // The calendar may have changed while the kit was down.
      delete next.plan;
      // A rule removed from the config while its alarm was up: nothing will ever clear it otherwise.
      for (const [key, m] of Object.entries(rules)) {
        if (setup.byKey.has(key)) continue;
        if (m.active) out.push({ type: 'cleared', key, ts: now, value: null });
        delete rules[key];
      }
      break;
    }
    case 'tick': {
      for (const rule of setup.rules) {
        if (rule.kind === 'limit') {
          const m = rules[rule.key];
          if (m?.last !== undefined && (m.pendingSince !== undefined || m.clearSince !== undefined))
            rules[rule.key] = stepLimit(rule, m, m.last, now, out);
        } else if (rule.kind === 'silent' || rule.kind === 'stoppedTooLong' || rule.kind === 'runningOffShift') {
          rules[rule.key] = stepTime(rule, next, now, plan, out);
        }
      }
      break;
    }
    case 'climate':
    case 'current':
    case 'power': {
      const target = input.kind === 'climate' ? input.zone : input.machine;
      for (const rule of setup.rules) {
        if (rule.target.id !== target) continue;
        if (rule.kind === 'sensorError') rules[rule.key] = stepFault(rule, rules[rule.key] ?? { active: false }, input, now, out);
        if (rule.kind !== 'limit') continue;
        const value = metricOf(input, rule.metric);
        if (value === undefined) continue;
        rules[rule.key] = stepLimit(rule, rules[rule.key] ?? { active: false }, value, now, out);
      }
      break;
    }
    case 'state': {
      const known = memory.machines[input.machine];
      // A repeated or late state message (a retained one re-sent) must not move the start of the state.
      if (known && known.state === input.state) break;
      next = { ...next, machines: { ...memory.machines, [input.machine]: { state: input.state, since: Math.min(input.since, now) } } };
      for (const rule of setup.rules) {
        if (
          (rule.kind === 'stoppedTooLong' || rule.kind === 'runningOffShift' || rule.kind === 'machineFault') &&
          rule.target.id === input.machine
        )
          rules[rule.key] = stepTime(rule, next, now, plan, out);
      }
      break;
    }
    case 'sensorError': {
      for (const rule of setup.rules) {
        if (rule.kind === 'sensorError' && rule.target.id === input.target)
          rules[rule.key] = stepFault(rule, rules[rule.key] ?? { active: false }, input, now, out);
      }
      break;
    }
    case 'production': {
      for (const rule of setup.rules) {
        if ((rule.kind === 'behindPlan' || rule.kind === 'reasonMissing') && rule.target.id === input.machine)
          rules[rule.key] = stepProduction(rule, rules[rule.key] ?? { active: false }, input, now, out);
      }
      break;
    }
    case 'seen': {
      next = { ...next, seen: { ...memory.seen, [input.node]: now } };
      for (const rule of setup.rules) {
        if (rule.kind === 'silent' && rule.target.id === input.node) rules[rule.key] = stepTime(rule, next, now, plan, out);
      }
      break;
    }
  }
  return { memory: next, transitions: out };
}

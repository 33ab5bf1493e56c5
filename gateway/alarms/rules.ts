/** The kit's alarm rules expanded into concrete instances, one per rule and target, each with a stable key `${ruleId}/${targetId}`. */

import { channelCarries } from '../../config/modbusMaps.js';
import type { AlarmRuleConfig, KitConfig, Severity } from '../../config/schema.js';
import { sensorNodes } from '../../config/sensorNodes.js';

export type TargetKind = 'zone' | 'machine' | 'node';
export type Metric = 'temperature' | 'humidity' | 'wbgt' | 'current' | 'power';
export type RuleKind = AlarmRuleConfig['kind'];

export interface Bilingual {
  ja: string;
  en: string;
}

interface RuleBase {
  /** `${ruleId}/${targetId}`: the same across restarts and config reloads, so persisted state finds its rule again. */
  key: string;
  ruleId: string;
  target: { kind: TargetKind; id: string };
  /** The rule's own label, e.g. 厳重警戒 / severe warning. */
  label: Bilingual;
  /** The zone's, machine's or node's name as configured. */
  targetName: Bilingual;
  severity: Severity;
  /** Notification channel ids; undefined = every channel whose minSeverity the alarm reaches. */
  notify?: string[];
}

export interface LimitRule extends RuleBase {
  kind: 'limit';
  metric: Metric;
  above?: number;
  below?: number;
  deadband: number;
  onDelayMs: number;
  offDelayMs: number;
}

export interface TimeRule extends RuleBase {
  kind: 'silent' | 'stoppedTooLong' | 'runningOffShift' | 'machineFault';
  afterMs: number;
}

/** A sensor node reported an error (an `X` line) on the channel of a zone or a machine. */
export interface FaultRule extends RuleBase {
  kind: 'sensorError';
  /** Readings without an error for this long clear it: a sensor that fails every other reading stays raised. */
  clearAfterMs: number;
}

/** Production (docs/production.md): behind the shift's plan by more than `parts`, or a stop waiting for its reason `afterMs`. */
export interface ProductionRule extends RuleBase {
  kind: 'behindPlan' | 'reasonMissing';
  parts: number;
  afterMs: number;
}

export type RuleInstance = LimitRule | TimeRule | FaultRule | ProductionRule;

/** The built-in rules' ids; a configured rule with the same id replaces the built-in one. */
export const BUILTIN_IDS = {
  wbgtWarning: 'wbgt-warning',
  wbgtSevere: 'wbgt-severe',
  wbgtDanger: 'wbgt-danger',
  airLegal: 'air-temperature-legal',
  silent: 'sensor-silent',
  sensorError: 'sensor-fault',
  stopped: 'stopped-too-long',
  offShift: 'running-off-shift',
  fault: 'machine-fault',
} as const;

const MINUTE = 60_000;
const zero = { deadband: 0, onDelaySeconds: 0, offDelaySeconds: 0 };
/** Heat rules wait a minute before raising and five before clearing: a door opened for a forklift is not a heat wave, and a heat wave does not end in one cool minute. */
const HEAT = { deadband: 0.5, onDelaySeconds: 60, offDelaySeconds: 300 };

/** The built-in rules as if written in the config; `afterMinutes` of silent is filled per node from its silentAfterSeconds. */
function builtinRules(config: KitConfig): AlarmRuleConfig[] {
  const limit = (id: string, name: string, nameEn: string, metric: 'wbgt' | 'temperature', above: number, severity: Severity) =>
    ({ id, name, nameEn, kind: 'limit', metric, above, severity, targets: [], ...HEAT }) satisfies AlarmRuleConfig;
  return [
    limit(BUILTIN_IDS.wbgtWarning, '警戒', 'warning', 'wbgt', 25, 'warning'),
    limit(BUILTIN_IDS.wbgtSevere, '厳重警戒', 'severe warning', 'wbgt', 28, 'critical'),
    limit(BUILTIN_IDS.wbgtDanger, '危険', 'danger', 'wbgt', 31, 'critical'),
    // 労働安全衛生規則 第612条の2: air temperature ≥ 31 °C obliges the employer to act whatever the WBGT says.
    limit(BUILTIN_IDS.airLegal, '法定基準', 'legal threshold', 'temperature', 31, 'critical'),
    { id: BUILTIN_IDS.silent, name: 'センサー無応答', nameEn: 'sensor silent', kind: 'silent', targets: [], severity: 'critical', ...zero },
    // A node that still talks but whose climate sensor is dead leaves the heat alarms blind: say so.
    {
      id: BUILTIN_IDS.sensorError,
      name: 'センサー異常',
      nameEn: 'sensor fault',
      kind: 'sensorError',
      targets: [],
      severity: 'critical',
      ...zero,
      offDelaySeconds: 30,
    },
    {
      id: BUILTIN_IDS.stopped,
      name: '長時間停止',
      nameEn: 'stopped too long',
      kind: 'stoppedTooLong',
      targets: [],
      afterMinutes: config.alarms.stoppedTooLongMinutes,
      severity: 'warning',
      ...zero,
    },
    // A signal tower's red lamp: the machine stopped itself with an alarm and waits for a person.
    {
      id: BUILTIN_IDS.fault,
      name: '異常停止',
      nameEn: 'fault stop',
      kind: 'machineFault',
      targets: [],
      ...(config.alarms.faultAfterMinutes > 0 ? { afterMinutes: config.alarms.faultAfterMinutes } : {}),
      severity: 'warning',
      ...zero,
    },
    {
      id: BUILTIN_IDS.offShift,
      name: '時間外稼働',
      nameEn: 'running outside shifts',
      kind: 'runningOffShift',
      targets: [],
      afterMinutes: config.alarms.runningOffShiftMinutes,
      severity: 'warning',
      ...zero,
    },
  ];
}
const CLIMATE = new Set<string>(['temperature', 'humidity', 'wbgt']);

/** Every rule instance of the config: built-in ones first (unless disabled or replaced), then the configured ones. */
export function expandRules(config: KitConfig): RuleInstance[] {
  const configured = config.alarms.rules;
  const replaced = new Set(configured.map((r) => r.id));
  const all = [...(config.alarms.builtin ? builtinRules(config).filter((r) => !replaced.has(r.id)) : []), ...configured];
  return all.flatMap((rule) => instancesOf(config, rule));
}

function instancesOf(config: KitConfig, rule: AlarmRuleConfig): RuleInstance[] {
  const label = { ja: rule.name, en: rule.nameEn ?? rule.name };
  const pick = <T extends { id: string }>(pool: T[]) =>
    rule.targets.length === 0 ? pool : pool.filter((t) => rule.targets.includes(t.id));
  const base = (kind: TargetKind, target: { id: string; name?: string; nameEn?: string }) => ({
    key: `${rule.id}/${target.id}`,
    ruleId: rule.id,
    target: { kind, id: target.id },
    label,
    targetName: { ja: target.name ?? target.id, en: target.nameEn ?? target.name ?? target.id },
    severity: rule.severity,
    ...(rule.notify ? { notify: rule.notify } : {}),
  });
  if (rule.kind === 'limit') {
    if (!rule.metric || (rule.above === undefined && rule.below === undefined)) return [];
    const metric = rule.metric;
    // A machine watched through a digital input has no amps to compare, and only one on a meter's channel has watts.
    const machines = config.machines.filter(
      (m) => 'node' in m.source && (metric !== 'power' || channelCarries(config, m.source.node, m.source.channel, 'power')),
    );
    const targets = CLIMATE.has(metric) ? pick(config.zones).map((z) => base('zone', z)) : pick(machines).map((m) => base('machine', m));
    return targets.map((b) => ({
      ...b,
      kind: 'limit' as const,
      metric,
      ...(rule.above !== undefined ? { above: rule.above } : {}),
      ...(rule.below !== undefined ? { below: rule.below } : {}),
      deadband: rule.deadband,
      onDelayMs: rule.onDelaySeconds * 1000,
      offDelayMs: rule.offDelaySeconds * 1000,
    }));
  }
  if (rule.kind === 'silent') {
    return pick(sensorNodes(config)).map((node) => ({
      ...base('node', node),
      kind: 'silent' as const,
      afterMs: rule.afterMinutes !== undefined ? rule.afterMinutes * MINUTE : node.silentAfterSeconds * 1000,
    }));
  }
  if (rule.kind === 'sensorError') {
    const zones = pick(config.zones).map((z) => base('zone', z));
    const machines = pick(config.machines.filter((m) => 'node' in m.source)).map((m) => base('machine', m));
    return [...zones, ...machines].map((b) => ({ ...b, kind: 'sensorError' as const, clearAfterMs: rule.offDelaySeconds * 1000 }));
  }
  if (rule.kind === 'machineFault') {
    // Only a signal tower tells a fault from a stop.
    return pick(config.machines.filter((m) => 'tower' in m.source)).map((m) => ({
      ...base('machine', m),
      kind: 'machineFault' as const,
      afterMs: (rule.afterMinutes ?? 0) * MINUTE,
    }));
  }
  if (rule.kind === 'behindPlan' || rule.kind === 'reasonMissing') {
    const kind = rule.kind;
    const counted = new Set(config.production.machines.filter((p) => p.counter && p.target).map((p) => p.machine));
    const machines = kind === 'behindPlan' ? config.machines.filter((m) => counted.has(m.id)) : config.machines;
    return pick(machines).map((m) => ({ ...base('machine', m), kind, parts: rule.parts ?? 0, afterMs: (rule.afterMinutes ?? 0) * MINUTE }));
  }
  if (rule.afterMinutes === undefined) return [];
  const afterMs = rule.afterMinutes * MINUTE;
  return pick(config.machines).map((m) => ({ ...base('machine', m), kind: rule.kind as TimeRule['kind'], afterMs }));
}

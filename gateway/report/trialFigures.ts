/**
 * The trial report's figures, worked out from what the kit recorded: 稼働率 per day and shift, the longest stops, the
 * idle share, the energy estimate, heat and humidity exposure, alarm acknowledgement times and data coverage. Pure: the
 * data comes in (./trialData.ts reads it), numbers go out, so every figure can be checked against a hand-made week.
 */
import type { KitConfig, MachineConfig, ZoneConfig } from '../../config/schema.js';
import { LEGAL_AIR_C, LEGAL_WBGT_C, type WbgtLevel, wbgtLevel } from '../../edge/stages/wbgt.js';
import type { AlarmHistoryEntryBody } from '../http/alarmSchemas.js';
import { type PlannedInterval, plannedIntervals } from '../utilization/calendar.js';
import { coveredMs, type Span } from '../utilization/coverage.js';
import { addDays, formatDate, localDate, startOfLocalDay, zonedInstant } from '../utilization/timeZone.js';
import { type StateInterval, type UtilizationRow, utilizationRows } from '../utilization/utilization.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Used when the kit file names no electricity price: roughly what a small factory on a low- or high-voltage contract paid in 2025. */
export const ASSUMED_TARIFF_YEN_PER_KWH = 27;
/** A stop shorter than this is a pause, not worth a line in the report. */
const STOP_LISTED_MS = 10 * MINUTE;
const LONGEST_STOPS = 5;

export interface TrialInput {
  config: KitConfig;
  from: number;
  /** Already cut at "now" by the caller: the report never counts the future. */
  to: number;
  coverage: Span[];
  /** Per machine its timeline and minute means: amps from a CT clamp, or watts from an energy meter (measured, not estimated). */
  machines: { config: MachineConfig; timeline: StateInterval[]; amps: [number, number][]; watts?: [number, number][] }[];
  zones: { config: ZoneConfig; minutes: [number, number | null, number | null, number | null][] }[];
  alarms: AlarmHistoryEntryBody[];
}

/** A machine's 稼働率 row summed over the whole period, with the idle share (IDLE ÷ planned time with data) beside it. */
export type Totals = Omit<UtilizationRow, 'from' | 'to' | 'shift'> & { idleShare: number | null };

export interface Stop {
  from: number;
  to: number;
  /** The part of the stop inside planned time: what it cost in production. */
  plannedMs: number;
}

/** kWh by what the machine was doing, estimated from the CT current (see energyFactorKw). */
export interface Energy {
  kwh: { total: number; run: number; idle: number; off: number; unknown: number };
  /** kWh while idling outside planned time (left on over lunch, overnight). */
  idleOutsidePlannedKwh: number;
  yen: { total: number; idle: number };
  /** Mean power while running and while idling, kW. */
  meanKw: { run: number | null; idle: number | null };
  /** Minutes with a reading. */
  minutes: number;
  /** From an energy meter's watts rather than estimated from amps. */
  measured: boolean;
}

export interface MachineFigures {
  config: MachineConfig;
  days: UtilizationRow[];
  shifts: UtilizationRow[];
  totals: Totals;
  longestStops: Stop[];
  timeline: StateInterval[];
  /** Null for a machine on a digital input: no current, no energy. */
  energy: Energy | null;
}

export interface ZoneFigures {
  config: ZoneConfig;
  /** Minutes with a reading. */
  minutes: number;
  /** Minutes at each WBGT level. */
  wbgtLevels: Record<WbgtLevel, number>;
  /** Minutes at or above the legal thresholds (WBGT 28 °C or air 31 °C), all day and within planned work time. */
  legal: { wbgtMinutes: number; wbgtWorkMinutes: number; airMinutes: number; airWorkMinutes: number };
  humidity: { belowMinutes: number; aboveMinutes: number; workMinutes: number };
  days: { day: string; maxWbgt: number | null; maxTemperature: number | null }[];
  maxWbgt: number | null;
  maxTemperature: number | null;
}

export interface AlarmRuleFigures {
  ruleId: string;
  target: AlarmHistoryEntryBody['target'];
  severity: AlarmHistoryEntryBody['severity'];
  raised: number;
  acknowledged: number;
  /** Raised to acknowledged, ms: median and slowest, over the acknowledged ones. */
  medianAckMs: number | null;
  maxAckMs: number | null;
}

export interface AlarmFigures {
  raised: number;
  acknowledged: number;
  medianAckMs: number | null;
  rules: AlarmRuleFigures[];
}

export interface CoverageFigures {
  rangeMs: number;
  coveredMs: number;
  days: { day: string; from: number; to: number; coveredMs: number }[];
  /** Stretches of an hour or more without data. */
  gaps: Span[];
}

export interface TrialFigures {
  config: KitConfig;
  from: number;
  to: number;
  tariffYenPerKwh: number;
  tariffAssumed: boolean;
  machines: MachineFigures[];
  zones: ZoneFigures[];
  alarms: AlarmFigures;
  coverage: CoverageFigures;
}

/**
 * kW per ampere of CT current: P = √3 · V · I · cos φ for a balanced three-phase load (V line to line, I in the one wire
 * the clamp is on), P = V · I · cos φ for one phase. An estimate: the voltage sags and swells, cos φ changes with load
 * (an idling motor's is lower than its rated one), and the clamp sees one phase of three.
 */
export function energyFactorKw(supply: MachineConfig['supply']): number {
  return ((supply.phases === 3 ? Math.sqrt(3) : 1) * supply.volts * supply.powerFactor) / 1000;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Index of the span or interval holding `t`, or -1 (items sorted, not overlapping). */
function indexAt<T extends { from: number; to: number }>(items: T[], t: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid] as T;
    if (t < item.from) hi = mid - 1;
    else if (t >= item.to) lo = mid + 1;
    else return mid;
  }
  return -1;
}

function totalsOf(rows: UtilizationRow[]): Totals {
  const t = {
    plannedMs: sum(rows.map((r) => r.plannedMs)),
    runMs: sum(rows.map((r) => r.runMs)),
    idleMs: sum(rows.map((r) => r.idleMs)),
    offMs: sum(rows.map((r) => r.offMs)),
    faultMs: sum(rows.map((r) => r.faultMs)),
    unknownMs: sum(rows.map((r) => r.unknownMs)),
    noDataMs: sum(rows.map((r) => r.noDataMs)),
  };
  const seen = t.plannedMs - t.noDataMs;
  return { ...t, utilization: seen > 0 ? t.runMs / seen : null, idleShare: seen > 0 ? t.idleMs / seen : null };
}

/**
 * The OFF and FAULT (異常停止) stretches that began during a shift, by the planned time they cost in that shift, longest first. A machine
 * still off from the evening before is a late start, not a stop, and is left to the daily 稼働率; lunch inside a stop
 * is not counted as lost.
 */
export function longestStops(timeline: StateInterval[], planned: PlannedInterval[], count = LONGEST_STOPS): Stop[] {
  const shifts = new Map<string, Span[]>();
  for (const p of planned) {
    const key = `${p.day}|${p.shift}`;
    shifts.set(key, [...(shifts.get(key) ?? []), { from: p.from, to: p.to }]);
  }
  const stops: Stop[] = [];
  for (const iv of timeline) {
    if (iv.state !== 'OFF' && iv.state !== 'FAULT') continue;
    const piece = planned[indexAt(planned, iv.from)];
    const pieces = piece && shifts.get(`${piece.day}|${piece.shift}`);
    if (!pieces || iv.from === pieces[0]?.from) continue;
    const plannedMs = coveredMs(pieces, iv.from, iv.to);
    if (plannedMs >= STOP_LISTED_MS) stops.push({ from: iv.from, to: iv.to, plannedMs });
  }
  return stops.sort((a, b) => b.plannedMs - a.plannedMs || a.from - b.from).slice(0, count);
}

/**
 * Energy by state from minute means, each minute counted in the state the machine was in at its middle: a meter's watts
 * as they are, or CT amps through energyFactorKw.
 */
export function energyOf(
  machine: MachineConfig,
  readings: { amps: [number, number][]; watts?: [number, number][] },
  timeline: StateInterval[],
  planned: PlannedInterval[],
  tariffYenPerKwh: number,
): Energy {
  const measured = readings.watts !== undefined;
  const kwPer = measured ? 1 / 1000 : energyFactorKw(machine.supply);
  const minutes = readings.watts ?? readings.amps;
  const kwh = { total: 0, run: 0, idle: 0, off: 0, unknown: 0 };
  const minutesIn = { run: 0, idle: 0 };
  let idleOutsidePlannedKwh = 0;
  for (const [t, value] of minutes) {
    // A meter reads negative watts for power flowing back; that is not energy the machine used.
    const e = (Math.max(0, value) * kwPer) / 60;
    const middle = t + MINUTE / 2;
    const state = timeline[indexAt(timeline, middle)]?.state ?? 'UNKNOWN';
    kwh.total += e;
    if (state === 'RUN') {
      kwh.run += e;
      minutesIn.run++;
    } else if (state === 'IDLE') {
      kwh.idle += e;
      minutesIn.idle++;
      if (indexAt(planned, middle) < 0) idleOutsidePlannedKwh += e;
    } else if (state === 'OFF' || state === 'FAULT') kwh.off += e;
    else kwh.unknown += e;
  }
  return {
    kwh,
    idleOutsidePlannedKwh,
    yen: { total: kwh.total * tariffYenPerKwh, idle: kwh.idle * tariffYenPerKwh },
    meanKw: {
      run: minutesIn.run > 0 ? (kwh.run * 60) / minutesIn.run : null,
      idle: minutesIn.idle > 0 ? (kwh.idle * 60) / minutesIn.idle : null,
    },
    minutes: minutes.length,
    measured,
  };
}

/** The local days of [from, to): their date and bounds. */
export function localDays(from: number, to: number, timeZone: string): { day: string; from: number; to: number }[] {
  const out: { day: string; from: number; to: number }[] = [];
  for (let start = startOfLocalDay(from, timeZone); start < to; ) {
    const date = localDate(start, timeZone);
    const next = zonedInstant(addDays(date, 1), 0, timeZone);
    out.push({ day: formatDate(date), from: Math.max(start, from), to: Math.min(next, to) });
    start = next;
  }
  return out;
}

export function zoneFigures(
  zone: ZoneConfig,
  minutes: TrialInput['zones'][number]['minutes'],
  planned: PlannedInterval[],
  days: { day: string; from: number; to: number }[],
): ZoneFigures {
  const wbgtLevels: Record<WbgtLevel, number> = { safe: 0, caution: 0, warning: 0, severe: 0, danger: 0 };
  const legal = { wbgtMinutes: 0, wbgtWorkMinutes: 0, airMinutes: 0, airWorkMinutes: 0 };
  const humidity = { belowMinutes: 0, aboveMinutes: 0, workMinutes: 0 };
  const dayMax = days.map((d) => ({ day: d.day, maxWbgt: null as number | null, maxTemperature: null as number | null }));
  let counted = 0;
  for (const [t, temperature, rh, wbgt] of minutes) {
    if (temperature === null && rh === null && wbgt === null) continue;
    counted++;
    const atWork = indexAt(planned, t + MINUTE / 2) >= 0;
    const d = dayMax[indexAt(days, t)];
    if (wbgt !== null) {
      wbgtLevels[wbgtLevel(wbgt)]++;
      if (wbgt >= LEGAL_WBGT_C) {
        legal.wbgtMinutes++;
        if (atWork) legal.wbgtWorkMinutes++;
      }
      if (d) d.maxWbgt = Math.max(d.maxWbgt ?? wbgt, wbgt);
    }
    if (temperature !== null) {
      if (temperature >= LEGAL_AIR_C) {
        legal.airMinutes++;
        if (atWork) legal.airWorkMinutes++;
      }
      if (d) d.maxTemperature = Math.max(d.maxTemperature ?? temperature, temperature);
    }
    if (rh !== null && (rh < zone.humidityRange.min || rh > zone.humidityRange.max)) {
      if (rh < zone.humidityRange.min) humidity.belowMinutes++;
      else humidity.aboveMinutes++;
      if (atWork) humidity.workMinutes++;
    }
  }
  const maxOf = (xs: (number | null)[]) => xs.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.max(m, x)), null);
  return {
    config: zone,
    minutes: counted,
    wbgtLevels,
    legal,
    humidity,
    days: dayMax,
    maxWbgt: maxOf(dayMax.map((d) => d.maxWbgt)),
    maxTemperature: maxOf(dayMax.map((d) => d.maxTemperature)),
  };
}

/** Alarms raised in the range, per rule, and how long each took to be acknowledged. */
export function alarmFigures(entries: AlarmHistoryEntryBody[], from: number, to: number): AlarmFigures {
  const raisedAt = new Map<string, AlarmHistoryEntryBody>();
  const ackAt = new Map<string, number>();
  for (const e of [...entries].sort((a, b) => a.ts - b.ts)) {
    if (e.event === 'raised' && e.ts >= from && e.ts < to) raisedAt.set(e.id, e);
    if (e.event === 'acknowledged' && !ackAt.has(e.id)) ackAt.set(e.id, e.ts);
  }
  // Per rule and target: "WBGT severe on floor 1" and "on floor 2" are different things to act on.
  const byRule = new Map<string, { entry: AlarmHistoryEntryBody; raised: number; delays: number[] }>();
  for (const [id, e] of raisedAt) {
    const key = `${e.ruleId}/${e.target.id}`;
    const rule = byRule.get(key) ?? { entry: e, raised: 0, delays: [] };
    rule.raised++;
    const ack = ackAt.get(id);
    if (ack !== undefined && ack >= e.ts) rule.delays.push(ack - e.ts);
    byRule.set(key, rule);
  }
  const rules = [...byRule.values()]
    .map((r) => ({
      ruleId: r.entry.ruleId,
      target: r.entry.target,
      severity: r.entry.severity,
      raised: r.raised,
      acknowledged: r.delays.length,
      medianAckMs: median(r.delays),
      maxAckMs: r.delays.length > 0 ? Math.max(...r.delays) : null,
    }))
    .sort((a, b) => b.raised - a.raised || a.ruleId.localeCompare(b.ruleId));
  const delays = [...byRule.values()].flatMap((r) => r.delays);
  return { raised: raisedAt.size, acknowledged: delays.length, medianAckMs: median(delays), rules };
}

export function coverageFigures(
  coverage: Span[],
  days: { day: string; from: number; to: number }[],
  from: number,
  to: number,
): CoverageFigures {
  const gaps: Span[] = [];
  let cursor = from;
  for (const span of [...coverage, { from: to, to }]) {
    if (span.from - cursor >= HOUR) gaps.push({ from: cursor, to: span.from });
    cursor = Math.max(cursor, span.to);
  }
  return {
    rangeMs: to - from,
    coveredMs: coveredMs(coverage, from, to),
    days: days.map((d) => ({ ...d, coveredMs: coveredMs(coverage, d.from, d.to) })),
    gaps,
  };
}

export function trialFigures(input: TrialInput): TrialFigures {
  const { config, from, to } = input;
  const timeZone = config.kit.timeZone;
  const planned = plannedIntervals(config.calendar, timeZone, from, to);
  const tariffAssumed = config.kit.tariffYenPerKwh === undefined;
  const tariffYenPerKwh = config.kit.tariffYenPerKwh ?? ASSUMED_TARIFF_YEN_PER_KWH;
  const days = localDays(from, to, timeZone);
  const rows = (timeline: StateInterval[], by: 'day' | 'shift') => utilizationRows({ states: timeline, planned, by, timeZone, from, to });
  return {
    config,
    from,
    to,
    tariffYenPerKwh,
    tariffAssumed,
    machines: input.machines.map(({ config: machine, timeline, amps, watts }) => {
      const byDay = rows(timeline, 'day');
      return {
        config: machine,
        days: byDay,
        shifts: rows(timeline, 'shift'),
        totals: totalsOf(byDay),
        longestStops: longestStops(timeline, planned),
        timeline,
        energy:
          'node' in machine.source ? energyOf(machine, { amps, ...(watts ? { watts } : {}) }, timeline, planned, tariffYenPerKwh) : null,
      };
    }),
    zones: input.zones.map((z) => zoneFigures(z.config, z.minutes, planned, days)),
    alarms: alarmFigures(input.alarms, from, to),
    coverage: coverageFigures(input.coverage, days, from, to),
  };
}

/** Signal models for the simulated sensors: a machine's current through its work day, and shop-floor climate. */
import {
  DAY_MS,
  localClockToMs,
  localDayIndex,
  localDayStartMs,
  localTimeOfDayMs,
  localWeekday,
  MINUTE_MS,
  TOKYO_OFFSET_MINUTES,
} from './localTime.js';
import { between, hashInts, mulberry32, uniformAt } from './random.js';

// Every model here is deterministic: the value at time t depends only on the seed, the parameters and
// t (ms since the epoch, passed in — no clock is read), so a test can ask for 14:00 on some day directly
// and a replay with the same seed gives the same numbers.

export type MachineState = 'run' | 'idle' | 'off';

/** The factory's day, in local minutes after midnight. */
export interface WorkCalendar {
  startMin: number;
  endMin: number;
  /** Equal start and end: no lunch break. */
  lunchStartMin: number;
  lunchEndMin: number;
  /** Working weekdays, 0 = Sunday. */
  weekdays: number[];
  /** Local days off (days since 1970-01-01, see localDayIndex): no work even on a working weekday. */
  holidays?: number[];
}

export const DEFAULT_CALENDAR: WorkCalendar = {
  startMin: 8 * 60 + 30,
  endMin: 17 * 60 + 30,
  lunchStartMin: 12 * 60,
  lunchEndMin: 13 * 60,
  // Every day, so that a demo started on a Sunday still shows machines at work; a scenario can narrow it.
  weekdays: [0, 1, 2, 3, 4, 5, 6],
};

/** What the calendar has people doing at tMs: at work, at lunch, or gone (night, weekend, holiday). */
export function workPeriod(calendar: WorkCalendar, tMs: number, tzOffsetMinutes = TOKYO_OFFSET_MINUTES): 'work' | 'lunch' | 'off' {
  const day = localDayIndex(tMs, tzOffsetMinutes);
  if (!calendar.weekdays.includes(localWeekday(day)) || calendar.holidays?.includes(day)) return 'off';
  const minute = localTimeOfDayMs(tMs, tzOffsetMinutes) / MINUTE_MS;
  if (minute < calendar.startMin || minute >= calendar.endMin) return 'off';
  return minute >= calendar.lunchStartMin && minute < calendar.lunchEndMin ? 'lunch' : 'work';
}

/** One machine's electrical behaviour as a CT clamp sees it. */
export interface MachineParams {
  /** Typical RMS current while running (cutting, pressing …). */
  runA: number;
  /** Spindle off, controls and pumps on. */
  idleA: number;
  /** Length of one run cycle, minutes [min, max]. */
  runMinutes?: [number, number];
  /** Length of one idle gap (loading, measuring, waiting for material), minutes [min, max]. */
  idleMinutes?: [number, number];
  /** Chance that a gap is a full stop (operator switches the machine off) rather than idling. */
  stopProbability?: number;
  /** What the machine does over lunch: 'mixed' picks idle or off per day. */
  lunch?: 'idle' | 'off' | 'mixed';
  /** Start-up current as a multiple of runA, [min, max] drawn per start. */
  inrushFactor?: [number, number];
  /** How long the start-up current takes to settle, seconds. */
  inrushSeconds?: number;
  /** Largest reading of a stopped machine (CT and ADC noise); at most 0.2 A on real hardware. */
  offNoiseA?: number;
  /** Load fluctuation while running, ± fraction of the level. */
  loadNoise?: number;
}

const MACHINE_DEFAULTS: Required<Omit<MachineParams, 'runA' | 'idleA'>> = {
  runMinutes: [8, 40],
  idleMinutes: [2, 12],
  stopProbability: 0.1,
  lunch: 'mixed',
  inrushFactor: [3, 6],
  inrushSeconds: 2,
  offNoiseA: 0.15,
  loadNoise: 0.06,
};

/** A daily window in local clock minutes, [from, to); on the given weekdays only (0 = Sunday), or every day. */
export interface ClockWindow {
  fromMin: number;
  toMin: number;
  weekdays?: number[];
}

/** A state forced from outside (a demo button, a test), in force since `sinceMs`. */
export interface ChannelOverride {
  state: MachineState;
  sinceMs: number;
}

/** Where a machine is at some instant, and since when (for the start-up inrush). */
export interface MachineStateAt {
  state: MachineState;
  sinceMs: number;
}

export interface MachineReading {
  state: MachineState;
  amps: number;
}

interface Segment {
  startMs: number;
  endMs: number;
  state: MachineState;
}

export interface MachineSignalOptions {
  params: MachineParams;
  /** Mixes the scenario seed, node and channel: machines of one scenario get different days. */
  salt: number;
  calendar?: WorkCalendar;
  tzOffsetMinutes?: number;
  /** Daily windows in which the machine is broken down and reads ~0 A. */
  breakdowns?: ClockWindow[];
}

const MAX_AMPS = 1000; // the protocol's range; a CT clamp would saturate anyway

/** A machine on a CT clamp: a randomised duty cycle of RUN / IDLE / OFF through a work day. */
export class MachineSignal {
  readonly params: Required<MachineParams>;
  readonly calendar: WorkCalendar;
  readonly tzOffsetMinutes: number;
  readonly breakdowns: ClockWindow[];
  private readonly salt: number;
  // Building a day's schedule costs a few dozen random draws; thousands of samples per second would
  // redo it each time, so the last few days are kept. Results do not depend on the cache.
  private readonly days = new Map<number, Segment[]>();

  constructor(options: MachineSignalOptions) {
    this.params = { ...MACHINE_DEFAULTS, ...options.params };
    this.calendar = options.calendar ?? DEFAULT_CALENDAR;
    this.tzOffsetMinutes = options.tzOffsetMinutes ?? TOKYO_OFFSET_MINUTES;
    this.breakdowns = options.breakdowns ?? [];
    this.salt = options.salt >>> 0;
  }

  /** The planned run/idle/off segments of one local day, ignoring breakdowns and overrides. */
  schedule(dayIndex: number): readonly Segment[] {
    let segments = this.days.get(dayIndex);
    if (!segments) {
      segments = this.buildDay(dayIndex);
      if (this.days.size >= 4) this.days.delete(this.days.keys().next().value as number);
      this.days.set(dayIndex, segments);
    }
    return segments;
  }

  private buildDay(dayIndex: number): Segment[] {
    const dayStart = localDayStartMs(dayIndex, this.tzOffsetMinutes);
    const dayEnd = dayStart + DAY_MS;
    if (!this.calendar.weekdays.includes(localWeekday(dayIndex)) || this.calendar.holidays?.includes(dayIndex))
      return [{ startMs: dayStart, endMs: dayEnd, state: 'off' }];

    const random = mulberry32(hashInts(this.salt, dayIndex));
    const p = this.params;
    const at = (minutes: number) => localClockToMs(dayIndex, minutes, this.tzOffsetMinutes);
    // People do not switch machines on at the bell: on 0–15 min after the start, off 0–20 min before the end.
    const powerOn = at(this.calendar.startMin + between(random, 0, 15));
    const powerOff = at(this.calendar.endMin - between(random, 0, 20));
    const lunchStart = at(this.calendar.lunchStartMin);
    const lunchEnd = at(this.calendar.lunchEndMin);
    const lunchState: MachineState = p.lunch === 'mixed' ? (random() < 0.5 ? 'idle' : 'off') : p.lunch;

    const segments: Segment[] = [];
    const push = (startMs: number, endMs: number, state: MachineState) => {
      if (endMs <= startMs) return;
      const last = segments[segments.length - 1];
      if (last && last.state === state && last.endMs === startMs) last.endMs = endMs;
      else segments.push({ startMs, endMs, state });
    };
    // A work period starts idle (warm-up, first part loaded), then alternates cycles and gaps.
    const work = (from: number, to: number) => {
      let t = from;
      let running = false;
      while (t < to) {
        const minutes = running ? between(random, p.runMinutes[0], p.runMinutes[1]) : between(random, p.idleMinutes[0], p.idleMinutes[1]);
        const end = Math.min(to, t + minutes * MINUTE_MS);
        const state: MachineState = running ? 'run' : random() < p.stopProbability ? 'off' : 'idle';
        push(t, end, state);
        t = end;
        running = !running;
      }
    };

    push(dayStart, Math.min(powerOn, dayEnd), 'off');
    const hasLunch = lunchEnd > lunchStart && lunchStart > powerOn && lunchEnd < powerOff;
    if (hasLunch) {
      work(powerOn, lunchStart);
      push(lunchStart, lunchEnd, lunchState);
      work(lunchEnd, powerOff);
    } else {
      work(powerOn, powerOff);
    }
    push(Math.max(powerOff, dayStart), dayEnd, 'off');
    return segments;
  }

  private scheduledAt(tMs: number): Segment {
    const day = localDayIndex(tMs, this.tzOffsetMinutes);
    const segments = this.schedule(day);
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((segments[mid] as Segment).startMs <= tMs) low = mid;
      else high = mid - 1;
    }
    return segments[low] as Segment;
  }

  /** The state from the schedule and the breakdown windows, before any override. */
  plannedStateAt(tMs: number): MachineStateAt {
    const segment = this.scheduledAt(tMs);
    const day = localDayIndex(tMs, this.tzOffsetMinutes);
    let sinceMs = segment.startMs;
    for (const window of this.breakdowns) {
      if (window.weekdays && !window.weekdays.includes(localWeekday(day))) continue;
      const from = localClockToMs(day, window.fromMin, this.tzOffsetMinutes);
      const to = localClockToMs(day, window.toMin, this.tzOffsetMinutes);
      if (tMs >= from && tMs < to) return { state: 'off', sinceMs: from };
      // Repaired during a planned run: the machine restarts at the end of the window (and draws inrush).
      if (to > sinceMs && to <= tMs && segment.state !== 'off') sinceMs = to;
    }
    return { state: segment.state, sinceMs };
  }

  /** The state at tMs, an override winning over schedule and breakdowns. */
  stateAt(tMs: number, override?: ChannelOverride | null): MachineStateAt {
    if (!override || tMs < override.sinceMs) return this.plannedStateAt(tMs);
    const before = this.plannedStateAt(override.sinceMs);
    // Forcing the state the machine was already in changes nothing, so it keeps its old start time.
    return { state: override.state, sinceMs: before.state === override.state ? before.sinceMs : override.sinceMs };
  }

  /**
   * The RMS current at tMs for a given state. `runStartMs` is when the current run began (null: long
   * ago); within inrushSeconds of it the motor's start-up current is added, decaying linearly.
   */
  ampsAt(tMs: number, state: MachineState, runStartMs: number | null = null): number {
    const p = this.params;
    const noise = uniformAt(this.salt, tMs, 1) - 0.5; // −0.5 … 0.5
    let amps: number;
    if (state === 'off') {
      amps = uniformAt(this.salt, tMs, 2) * p.offNoiseA;
    } else if (state === 'idle') {
      amps = p.idleA * (1 + noise * 0.2);
    } else {
      // Each run has its own load (material, tool, feed), and the cut itself fluctuates around it.
      const loadKey = runStartMs === null ? Math.floor(tMs / (10 * MINUTE_MS)) : runStartMs;
      const load = 0.85 + 0.25 * uniformAt(this.salt, loadKey, 3);
      amps = p.runA * load * (1 + noise * 2 * p.loadNoise);
      if (runStartMs !== null) {
        const sinceStart = tMs - runStartMs;
        const inrushMs = p.inrushSeconds * 1000;
        if (sinceStart >= 0 && sinceStart < inrushMs) {
          const factor = p.inrushFactor[0] + (p.inrushFactor[1] - p.inrushFactor[0]) * uniformAt(this.salt, runStartMs, 4);
          amps = p.runA * (1 + (factor - 1) * (1 - sinceStart / inrushMs));
        }
      }
    }
    return Math.min(MAX_AMPS, Math.max(0, amps));
  }

  /** State and current at tMs with nothing remembered between calls: inrush follows the exact start time. */
  sampleAt(tMs: number, override?: ChannelOverride | null): MachineReading {
    const at = this.stateAt(tMs, override);
    return { state: at.state, amps: this.ampsAt(tMs, at.state, at.state === 'run' ? at.sinceMs : null) };
  }
}

/**
 * A machine sampled as a sequence (what the node does once per tick). It remembers the previous state
 * so that a start the schedule cannot see — an override being lifted, say — still shows its inrush.
 */
export class MachineChannel {
  private lastState: MachineState | null = null;
  private lastMs: number | null = null;
  private runStartMs: number | null = null;

  constructor(readonly signal: MachineSignal) {}

  sample(tMs: number, override?: ChannelOverride | null): MachineReading {
    const at = this.signal.stateAt(tMs, override);
    if (at.state === 'run') {
      if (this.lastState === 'run') {
        // Stopped and restarted between two samples (a short breakdown): a new start all the same.
        if (this.runStartMs !== null && at.sinceMs > this.runStartMs) this.runStartMs = at.sinceMs;
      } else {
        const startedSinceLastSample = this.lastMs === null || at.sinceMs > this.lastMs;
        this.runStartMs = startedSinceLastSample ? at.sinceMs : tMs;
      }
    } else {
      this.runStartMs = null;
    }
    this.lastState = at.state;
    this.lastMs = tMs;
    return { state: at.state, amps: this.signal.ampsAt(tMs, at.state, this.runStartMs) };
  }
}

/** Shop-floor climate: a daily temperature curve, humidity moving against it, a little sensor noise. */
export interface ClimateParams {
  /** Daily minimum (early morning) and maximum (mid afternoon), °C. */
  minC: number;
  maxC: number;
  /** Relative humidity at the warmest and at the coolest hour, %RH. */
  humidityMinPct: number;
  humidityMaxPct: number;
  /** Local hour of the minimum and of the maximum. */
  minHour?: number;
  maxHour?: number;
  /** Day-to-day variation of the whole curve, ± °C. */
  dayToDayC?: number;
  /** Sensor noise, ± °C and ± %RH (an SHT3x is good to ±0.2–0.3 °C). */
  noiseC?: number;
  noisePct?: number;
  /** A hot afternoon on these weekdays: up to extraC warmer, rising from 10:00, peaking at 15:00, gone by 20:00. */
  hotAfternoon?: { weekdays: number[]; extraC: number };
}

const CLIMATE_DEFAULTS = {
  minHour: 5,
  maxHour: 14.5,
  dayToDayC: 0.8,
  noiseC: 0.08,
  noisePct: 0.4,
  hotAfternoon: { weekdays: [], extraC: 0 },
};
const HOT_FROM_HOUR = 10;
const HOT_TO_HOUR = 20;

/** 0 outside 10:00–20:00, rising to 1 at 15:00: the hot afternoon's extra heat, gone at both ends so no day jumps at midnight. */
export function afternoonBump(hour: number): number {
  if (hour <= HOT_FROM_HOUR || hour >= HOT_TO_HOUR) return 0;
  return Math.sin((Math.PI * (hour - HOT_FROM_HOUR)) / (HOT_TO_HOUR - HOT_FROM_HOUR)) ** 2;
}

export const DEFAULT_CLIMATE: ClimateParams = { minC: 19, maxC: 27, humidityMinPct: 45, humidityMaxPct: 68 };

export interface ClimateReading {
  temperatureC: number;
  humidityPct: number;
}

export interface ClimateSignalOptions {
  params: ClimateParams;
  salt: number;
  tzOffsetMinutes?: number;
  /** This sensor's place: near a furnace reads warmer, by an open door cooler. */
  offsetC?: number;
}

/** 0 at the coolest hour, 1 at the warmest: a slow morning rise and a longer evening fall, like real days. */
export function diurnalShape(hour: number, minHour: number, maxHour: number): number {
  if (hour >= minHour && hour < maxHour) return (1 - Math.cos((Math.PI * (hour - minHour)) / (maxHour - minHour))) / 2;
  const h = hour < minHour ? hour + 24 : hour;
  return (1 + Math.cos((Math.PI * (h - maxHour)) / (minHour + 24 - maxHour))) / 2;
}

/** An SHT3x-class sensor on the shop floor. */
export class ClimateSignal {
  readonly params: Required<ClimateParams>;
  readonly tzOffsetMinutes: number;
  readonly offsetC: number;
  private readonly salt: number;

  constructor(options: ClimateSignalOptions) {
    this.params = { ...CLIMATE_DEFAULTS, ...options.params };
    this.tzOffsetMinutes = options.tzOffsetMinutes ?? TOKYO_OFFSET_MINUTES;
    this.offsetC = options.offsetC ?? 0;
    this.salt = options.salt >>> 0;
  }

  sampleAt(tMs: number): ClimateReading {
    const p = this.params;
    const hour = localTimeOfDayMs(tMs, this.tzOffsetMinutes) / 3_600_000;
    const shape = diurnalShape(hour, p.minHour, p.maxHour);
    // Each day is a little warmer or cooler; blending towards tomorrow's offset avoids a jump at midnight.
    const day = localDayIndex(tMs, this.tzOffsetMinutes);
    const today = (uniformAt(this.salt, day, 5) - 0.5) * 2 * p.dayToDayC;
    const tomorrow = (uniformAt(this.salt, day + 1, 5) - 0.5) * 2 * p.dayToDayC;
    const drift = today + (tomorrow - today) * (hour / 24);
    const noiseT = (uniformAt(this.salt, tMs, 6) - 0.5) * 2 * p.noiseC;
    const noiseH = (uniformAt(this.salt, tMs, 7) - 0.5) * 2 * p.noisePct;
    const hot = p.hotAfternoon.weekdays.includes(localWeekday(day)) ? p.hotAfternoon.extraC * afternoonBump(hour) : 0;
    const temperatureC = p.minC + (p.maxC - p.minC) * shape + drift + this.offsetC + noiseT + hot;
    // Warm air holds more water, so with the same moisture the relative humidity falls as it warms.
    const humidityPct = p.humidityMaxPct - (p.humidityMaxPct - p.humidityMinPct) * shape + noiseH;
    return {
      temperatureC: Math.min(125, Math.max(-40, temperatureC)),
      humidityPct: Math.min(100, Math.max(0, humidityPct)),
    };
  }
}

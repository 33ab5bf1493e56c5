/** Scenario files (firmware-sim/scenarios/*.yaml): what the simulated node has wired up and what its day holds. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { MAX_LINE_LENGTH } from './encoder.js';
import { formatClockTime, parseClockTime, TOKYO_OFFSET_MINUTES } from './localTime.js';
import {
  type ClimateParams,
  type ClockWindow,
  DEFAULT_CALENDAR,
  DEFAULT_CLIMATE,
  type MachineParams,
  type WorkCalendar,
} from './signals.js';

export interface CurrentChannel {
  id: string;
  kind: 'current';
  machine: MachineParams;
}

export interface ClimateChannel {
  id: string;
  kind: 'climate';
  /** Added to the shop-floor curve for this sensor's place (near a furnace, by a door). */
  offsetC: number;
}

/** A part counter (a proximity sensor on a press, say): one part per cycle while its machine's current channel runs. */
export interface CountChannel {
  id: string;
  kind: 'count';
  /** The current channel of the machine whose parts it counts. */
  machine: string;
  /** Seconds of running per part, drawn afresh for each part. */
  cycleSeconds: [number, number];
}

export type ScenarioChannel = CurrentChannel | ClimateChannel | CountChannel;

/** Channels a node lists in its hello: count channels are not (protocol v1 keeps the hello's kinds to I and C). */
export function helloChannels(channels: ScenarioChannel[]): { id: string; kind: 'current' | 'climate' }[] {
  return channels.flatMap((c) => (c.kind === 'count' ? [] : [{ id: c.id, kind: c.kind }]));
}

export interface Breakdown {
  channel: string;
  window: ClockWindow;
}

/** Chance per line that the link spoils it; all 0 unless a scenario or an option says otherwise. */
export interface FaultRates {
  badChecksumRate: number;
  garbageRate: number;
  truncatedRate: number;
  overlongRate: number;
}

/** A fault at a local clock time, every day. A sensorError with `untilMin` is an outage, not a single line. */
export type ScheduledFault =
  | { atMin: number; fault: 'sensorError'; channel: string; code: string; untilMin?: number }
  | { atMin: number; fault: 'badChecksum' | 'truncated' }
  | { atMin: number; fault: 'garbage'; bytes: number }
  | { atMin: number; fault: 'overlong'; length: number };

export interface FaultPlan extends FaultRates {
  schedule: ScheduledFault[];
}

export interface Scenario {
  /** The file it came from (or a label), named in every error. */
  source: string;
  name: string;
  description: string;
  nodeId: string;
  firmware: string;
  seed: number;
  tzOffsetMinutes: number;
  calendar: WorkCalendar;
  channels: ScenarioChannel[];
  climate: ClimateParams;
  breakdowns: Breakdown[];
  faults: FaultPlan;
}

export const NO_FAULTS: FaultPlan = { badChecksumRate: 0, garbageRate: 0, truncatedRate: 0, overlongRate: 0, schedule: [] };

/** Ids on the wire (docs/protocol.md). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const ERROR_CODE_PATTERN = /^[A-Z0-9_]{1,24}$/;
export const FIRMWARE_PATTERN = /^[\w.+-]{1,16}$/;

export type ScenarioErrorCode = 'SCENARIO_NOT_FOUND' | 'SCENARIO_UNREADABLE' | 'SCENARIO_INVALID';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly code: ScenarioErrorCode,
    readonly source: string,
    /** One entry per problem, each `field.path: reason`. */
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    const heading =
      code === 'SCENARIO_NOT_FOUND'
        ? `シナリオが見つかりません / scenario not found: ${source}`
        : code === 'SCENARIO_UNREADABLE'
          ? `シナリオを読めません / cannot read scenario ${source}`
          : `シナリオに誤りがあります / invalid scenario ${source}`;
    super([heading, ...problems.map((problem) => `  ${source}: ${problem}`)].join('\n'), options);
  }
}

// ---------- validation helpers: each reads one field, records `path: reason` on a problem ----------

type Obj = Record<string, unknown>;

class Reader {
  readonly problems: string[] = [];

  isObject(value: unknown): value is Obj {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  object(value: unknown, path: string): Obj | undefined {
    if (this.isObject(value)) return value;
    this.problems.push(`${path || '(top level)'}: must be a mapping (key: value)`);
    return undefined;
  }

  /** Unknown keys are rejected: a typo like `runa:` must not silently fall back to a default. */
  keys(obj: Obj, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.problems.push(`${join(path, key)}: unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  string(obj: Obj, key: string, path: string, pattern?: RegExp, hint?: string): string | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) {
      this.problems.push(`${at}: required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problems.push(`${at}: must be a string${typeof value === 'number' ? ' (put it in quotes)' : ''}`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      this.problems.push(`${at}: ${JSON.stringify(value)} ${hint ?? `must match ${pattern}`}`);
      return undefined;
    }
    return value;
  }

  number(obj: Obj, key: string, path: string, rule: { min?: number; max?: number; above?: number; integer?: boolean }): number | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) {
      this.problems.push(`${at}: required`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problems.push(`${at}: must be a number`);
      return undefined;
    }
    if (rule.integer && !Number.isInteger(value)) this.problems.push(`${at}: must be a whole number`);
    else if (rule.above !== undefined && value <= rule.above) this.problems.push(`${at}: must be > ${rule.above}`);
    else if (rule.min !== undefined && value < rule.min) this.problems.push(`${at}: must be >= ${rule.min}`);
    else if (rule.max !== undefined && value > rule.max) this.problems.push(`${at}: must be <= ${rule.max}`);
    else return value;
    return undefined;
  }

  optionalNumber(obj: Obj, key: string, path: string, rule: Parameters<Reader['number']>[3]): number | undefined {
    return obj[key] === undefined ? undefined : this.number(obj, key, path, rule);
  }

  /** A `[min, max]` pair. */
  range(obj: Obj, key: string, path: string, rule: { above?: number; max?: number }): [number, number] | undefined {
    const value = obj[key];
    if (value === undefined) return undefined;
    const at = join(path, key);
    if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      this.problems.push(`${at}: must be [min, max], two numbers`);
      return undefined;
    }
    const [low, high] = value as [number, number];
    if (rule.above !== undefined && low <= rule.above) this.problems.push(`${at}: min must be > ${rule.above}`);
    else if (rule.max !== undefined && high > rule.max) this.problems.push(`${at}: max must be <= ${rule.max}`);
    else if (low > high) this.problems.push(`${at}: min must not exceed max`);
    else return [low, high];
    return undefined;
  }

  /** A local clock time "HH:MM", as minutes after midnight. */
  clock(obj: Obj, key: string, path: string): number | undefined {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) {
      this.problems.push(`${at}: required`);
      return undefined;
    }
    const minutes = typeof value === 'string' ? parseClockTime(value) : null;
    if (minutes === null) {
      // YAML 1.1 readers turn an unquoted 10:30 into 630 (base 60); say how to avoid that.
      this.problems.push(`${at}: must be a clock time "HH:MM" in quotes, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return minutes;
  }

  list(obj: Obj, key: string, path: string): unknown[] {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problems.push(`${join(path, key)}: must be a list`);
      return [];
    }
    return value;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function readCalendar(r: Reader, value: unknown): WorkCalendar {
  if (value === undefined) return DEFAULT_CALENDAR;
  const obj = r.object(value, 'calendar');
  if (!obj) return DEFAULT_CALENDAR;
  r.keys(obj, 'calendar', ['start', 'end', 'lunch', 'weekdays', 'holidays']);
  const startMin = r.clock(obj, 'start', 'calendar') ?? DEFAULT_CALENDAR.startMin;
  const endMin = r.clock(obj, 'end', 'calendar') ?? DEFAULT_CALENDAR.endMin;
  if (endMin <= startMin) r.problems.push(`calendar.end: must be after calendar.start (night shifts are not simulated)`);
  let lunchStartMin = startMin;
  let lunchEndMin = startMin;
  if (obj.lunch !== undefined && obj.lunch !== null) {
    const lunch = r.object(obj.lunch, 'calendar.lunch');
    if (lunch) {
      r.keys(lunch, 'calendar.lunch', ['from', 'to']);
      const from = r.clock(lunch, 'from', 'calendar.lunch');
      const to = r.clock(lunch, 'to', 'calendar.lunch');
      if (from !== undefined && to !== undefined) {
        if (!(startMin < from && from < to && to < endMin)) r.problems.push('calendar.lunch: must lie inside the work day, from before to');
        lunchStartMin = from;
        lunchEndMin = to;
      }
    }
  }
  const weekdays = obj.weekdays === undefined ? DEFAULT_CALENDAR.weekdays : readWeekdays(r, obj, 'calendar');
  const holidays: number[] = [];
  r.list(obj, 'holidays', 'calendar').forEach((date, index) => {
    const ms = typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(ms)) r.problems.push(`calendar.holidays[${index}]: must be a date "YYYY-MM-DD"`);
    else holidays.push(Math.round(ms / 86_400_000));
  });
  return { startMin, endMin, lunchStartMin, lunchEndMin, weekdays, ...(holidays.length > 0 ? { holidays } : {}) };
}

const CURRENT_KEYS = [
  'id',
  'kind',
  'label',
  'runA',
  'idleA',
  'runMinutes',
  'idleMinutes',
  'stopProbability',
  'lunch',
  'inrushFactor',
  'inrushSeconds',
  'offNoiseA',
  'loadNoise',
] as const;

function readChannel(r: Reader, value: unknown, path: string): ScenarioChannel | undefined {
  const obj = r.object(value, path);
  if (!obj) return undefined;
  const id = r.string(
    obj,
    'id',
    path,
    ID_PATTERN,
    'must be a protocol id: a–z, 0–9, _ or -, 1–32 characters, starting with a letter or digit',
  );
  const kind = r.string(obj, 'kind', path, /^(current|climate|count)$/, 'must be current, climate or count');
  if (obj.label !== undefined && typeof obj.label !== 'string') r.problems.push(`${path}.label: must be a string`);
  if (kind === 'count') {
    r.keys(obj, path, ['id', 'kind', 'label', 'machine', 'cycleSeconds']);
    const machine = r.string(obj, 'machine', path);
    const cycleSeconds = r.range(obj, 'cycleSeconds', path, { above: 0, max: 86400 });
    if (obj.cycleSeconds === undefined) r.problems.push(`${path}.cycleSeconds: required`);
    return id === undefined || machine === undefined || !cycleSeconds ? undefined : { id, kind: 'count', machine, cycleSeconds };
  }
  if (kind === 'climate') {
    r.keys(obj, path, ['id', 'kind', 'label', 'offsetC']);
    const offsetC = r.optionalNumber(obj, 'offsetC', path, { min: -20, max: 20 }) ?? 0;
    return id === undefined ? undefined : { id, kind: 'climate', offsetC };
  }
  if (kind !== 'current') return undefined;
  r.keys(obj, path, CURRENT_KEYS);
  const runA = r.number(obj, 'runA', path, { above: 0, max: 1000 });
  const idleA = r.number(obj, 'idleA', path, { min: 0, max: 1000 });
  if (runA !== undefined && idleA !== undefined && idleA >= runA) r.problems.push(`${path}.idleA: must be less than runA`);
  const machine: MachineParams = { runA: runA ?? 1, idleA: idleA ?? 0 };
  const runMinutes = r.range(obj, 'runMinutes', path, { above: 0 });
  const idleMinutes = r.range(obj, 'idleMinutes', path, { above: 0 });
  const inrushFactor = r.range(obj, 'inrushFactor', path, { above: 0.99, max: 20 });
  if (runMinutes) machine.runMinutes = runMinutes;
  if (idleMinutes) machine.idleMinutes = idleMinutes;
  if (inrushFactor) machine.inrushFactor = inrushFactor;
  const stopProbability = r.optionalNumber(obj, 'stopProbability', path, { min: 0, max: 1 });
  const inrushSeconds = r.optionalNumber(obj, 'inrushSeconds', path, { min: 0, max: 60 });
  const offNoiseA = r.optionalNumber(obj, 'offNoiseA', path, { min: 0, max: 0.2 });
  const loadNoise = r.optionalNumber(obj, 'loadNoise', path, { min: 0, max: 0.5 });
  if (stopProbability !== undefined) machine.stopProbability = stopProbability;
  if (inrushSeconds !== undefined) machine.inrushSeconds = inrushSeconds;
  if (offNoiseA !== undefined) machine.offNoiseA = offNoiseA;
  if (loadNoise !== undefined) machine.loadNoise = loadNoise;
  if (obj.lunch !== undefined) {
    const lunch = r.string(obj, 'lunch', path, /^(idle|off|mixed)$/, 'must be idle, off or mixed');
    if (lunch) machine.lunch = lunch as MachineParams['lunch'];
  }
  return id === undefined ? undefined : { id, kind: 'current', machine };
}

function readClimate(r: Reader, value: unknown): ClimateParams {
  if (value === undefined) return DEFAULT_CLIMATE;
  const obj = r.object(value, 'climate');
  if (!obj) return DEFAULT_CLIMATE;
  const path = 'climate';
  r.keys(obj, path, [
    'minC',
    'maxC',
    'humidityMinPct',
    'humidityMaxPct',
    'minHour',
    'maxHour',
    'dayToDayC',
    'noiseC',
    'noisePct',
    'hotAfternoon',
  ]);
  const minC = r.number(obj, 'minC', path, { min: -40, max: 125 }) ?? DEFAULT_CLIMATE.minC;
  const maxC = r.number(obj, 'maxC', path, { min: -40, max: 125 }) ?? DEFAULT_CLIMATE.maxC;
  if (maxC < minC) r.problems.push('climate.maxC: must not be below climate.minC');
  const humidityMinPct = r.number(obj, 'humidityMinPct', path, { min: 0, max: 100 }) ?? DEFAULT_CLIMATE.humidityMinPct;
  const humidityMaxPct = r.number(obj, 'humidityMaxPct', path, { min: 0, max: 100 }) ?? DEFAULT_CLIMATE.humidityMaxPct;
  if (humidityMaxPct < humidityMinPct) r.problems.push('climate.humidityMaxPct: must not be below climate.humidityMinPct');
  const params: ClimateParams = { minC, maxC, humidityMinPct, humidityMaxPct };
  const minHour = r.optionalNumber(obj, 'minHour', path, { min: 0, max: 24 });
  const maxHour = r.optionalNumber(obj, 'maxHour', path, { min: 0, max: 24 });
  if ((minHour ?? 5) >= (maxHour ?? 14.5)) r.problems.push('climate.maxHour: must be later in the day than climate.minHour');
  const dayToDayC = r.optionalNumber(obj, 'dayToDayC', path, { min: 0, max: 10 });
  const noiseC = r.optionalNumber(obj, 'noiseC', path, { min: 0, max: 5 });
  const noisePct = r.optionalNumber(obj, 'noisePct', path, { min: 0, max: 20 });
  if (minHour !== undefined) params.minHour = minHour;
  if (maxHour !== undefined) params.maxHour = maxHour;
  if (dayToDayC !== undefined) params.dayToDayC = dayToDayC;
  if (noiseC !== undefined) params.noiseC = noiseC;
  if (noisePct !== undefined) params.noisePct = noisePct;
  if (obj.hotAfternoon !== undefined) {
    const hot = r.object(obj.hotAfternoon, `${path}.hotAfternoon`);
    if (hot) {
      r.keys(hot, `${path}.hotAfternoon`, ['weekdays', 'extraC']);
      const extraC = r.number(hot, 'extraC', `${path}.hotAfternoon`, { min: 0, max: 30 });
      const weekdays = readWeekdays(r, hot, `${path}.hotAfternoon`);
      if (extraC !== undefined) params.hotAfternoon = { weekdays, extraC };
    }
  }
  return params;
}

/** A list of weekday names (sun … sat) as 0–6. */
function readWeekdays(r: Reader, obj: Obj, path: string): number[] {
  const days: number[] = [];
  r.list(obj, 'weekdays', path).forEach((name, index) => {
    const day = typeof name === 'string' ? WEEKDAYS.indexOf(name.toLowerCase()) : -1;
    if (day < 0) r.problems.push(`${path}.weekdays[${index}]: must be one of ${WEEKDAYS.join(', ')}`);
    else days.push(day);
  });
  return days;
}

function readBreakdowns(r: Reader, top: Obj, channels: ScenarioChannel[]): Breakdown[] {
  const breakdowns: Breakdown[] = [];
  r.list(top, 'breakdowns', '').forEach((value, index) => {
    const path = `breakdowns[${index}]`;
    const obj = r.object(value, path);
    if (!obj) return;
    r.keys(obj, path, ['channel', 'from', 'to', 'weekdays', 'note']);
    const channel = r.string(obj, 'channel', path);
    const fromMin = r.clock(obj, 'from', path);
    const toMin = r.clock(obj, 'to', path);
    if (channel !== undefined && !channels.some((c) => c.id === channel && c.kind === 'current')) {
      r.problems.push(`${path}.channel: ${JSON.stringify(channel)} is not a current channel of this scenario`);
    }
    if (fromMin !== undefined && toMin !== undefined && toMin <= fromMin) r.problems.push(`${path}.to: must be after ${path}.from`);
    const weekdays = obj.weekdays === undefined ? undefined : readWeekdays(r, obj, path);
    if (channel !== undefined && fromMin !== undefined && toMin !== undefined)
      breakdowns.push({ channel, window: { fromMin, toMin, ...(weekdays ? { weekdays } : {}) } });
  });
  return breakdowns;
}

const RATE_KEYS = ['badChecksumRate', 'garbageRate', 'truncatedRate', 'overlongRate'] as const;

function readFaults(r: Reader, value: unknown, channels: ScenarioChannel[]): FaultPlan {
  if (value === undefined || value === null) return NO_FAULTS;
  const obj = r.object(value, 'faults');
  if (!obj) return NO_FAULTS;
  r.keys(obj, 'faults', [...RATE_KEYS, 'schedule']);
  const plan: FaultPlan = { ...NO_FAULTS, schedule: [] };
  for (const key of RATE_KEYS) plan[key] = r.optionalNumber(obj, key, 'faults', { min: 0, max: 1 }) ?? 0;
  r.list(obj, 'schedule', 'faults').forEach((entry, index) => {
    const path = `faults.schedule[${index}]`;
    const item = r.object(entry, path);
    if (!item) return;
    const atMin = r.clock(item, 'at', path);
    const fault = r.string(
      item,
      'fault',
      path,
      /^(sensorError|badChecksum|truncated|garbage|overlong)$/,
      'must be sensorError, badChecksum, truncated, garbage or overlong',
    );
    if (atMin === undefined || fault === undefined) return;
    switch (fault) {
      case 'sensorError': {
        r.keys(item, path, ['at', 'until', 'fault', 'channel', 'code']);
        const channel = r.string(item, 'channel', path);
        const code = r.string(item, 'code', path, ERROR_CODE_PATTERN, 'must be an error code: A–Z, 0–9 or _, 1–24 characters');
        if (channel !== undefined && !channels.some((c) => c.id === channel))
          r.problems.push(`${path}.channel: ${JSON.stringify(channel)} is not a channel of this scenario`);
        const untilMin = item.until === undefined ? undefined : r.clock(item, 'until', path);
        if (untilMin !== undefined && untilMin <= atMin) r.problems.push(`${path}.until: must be after ${path}.at`);
        if (channel !== undefined && code !== undefined)
          plan.schedule.push({ atMin, fault, channel, code, ...(untilMin === undefined ? {} : { untilMin }) });
        return;
      }
      case 'garbage': {
        r.keys(item, path, ['at', 'fault', 'bytes']);
        const bytes = r.optionalNumber(item, 'bytes', path, { min: 1, max: 4096, integer: true }) ?? 8;
        plan.schedule.push({ atMin, fault, bytes });
        return;
      }
      case 'overlong': {
        r.keys(item, path, ['at', 'fault', 'length']);
        const length = r.optionalNumber(item, 'length', path, { min: MAX_LINE_LENGTH + 1, max: 65536, integer: true }) ?? 200;
        plan.schedule.push({ atMin, fault, length });
        return;
      }
      default:
        r.keys(item, path, ['at', 'fault']);
        plan.schedule.push({ atMin, fault: fault as 'badChecksum' | 'truncated' });
    }
  });
  return plan;
}

/**
 * The longest line each frame type of this scenario can produce (seq 65535, currents at the 1000 A
 * ceiling). A node with too many channels for one line would be a firmware bug; it is caught here
 * instead of as `too_long` rejects at the edge.
 */
export function lineBudgetProblems(scenario: Pick<Scenario, 'nodeId' | 'firmware' | 'channels'>): string[] {
  const problems: string[] = [];
  const head = 'M1,65535,';
  const tail = '*FFFF'.length;
  const hello = `${head}H,${scenario.nodeId},${scenario.firmware},${helloChannels(scenario.channels)
    .map((c) => `${c.id}:${c.kind === 'current' ? 'I' : 'C'}`)
    .join(';')}`;
  if (hello.length + tail > MAX_LINE_LENGTH)
    problems.push(`channels: the hello line would be ${hello.length + tail} characters, over the protocol's ${MAX_LINE_LENGTH}`);
  const current = scenario.channels.filter((c) => c.kind === 'current');
  const amps = `${head}I,${current.map((c) => `${c.id}=1000.00`).join(',')}`;
  if (amps.length + tail > MAX_LINE_LENGTH) {
    problems.push(
      `channels: ${current.length} current channels make an I line of up to ${amps.length + tail} characters, over the protocol's ${MAX_LINE_LENGTH}`,
    );
  }
  return problems;
}

/**
 * A work calendar given from outside (the kit's, so that a demo's machines keep the kit's shifts): the scenario file's
 * `calendar` form, plus `holidays` as local dates.
 */
export function calendarFromObject(data: unknown, source: string): WorkCalendar {
  const r = new Reader();
  const calendar = readCalendar(r, data);
  if (r.problems.length > 0) throw new ScenarioError('SCENARIO_INVALID', source, r.problems);
  return calendar;
}

/** Validates a parsed YAML document. `source` names the file in errors. */
export function scenarioFromObject(data: unknown, source: string): Scenario {
  const r = new Reader();
  const top = r.object(data, '');
  if (!top) throw new ScenarioError('SCENARIO_INVALID', source, r.problems);
  r.keys(top, '', [
    'name',
    'description',
    'node',
    'firmware',
    'seed',
    'timezoneOffsetMinutes',
    'calendar',
    'channels',
    'climate',
    'breakdowns',
    'faults',
  ]);
  const fallbackName = basename(source, extname(source));
  const name = top.name === undefined ? fallbackName : (r.string(top, 'name', '') ?? fallbackName);
  const description = top.description === undefined ? '' : (r.string(top, 'description', '') ?? '');
  const nodeId = r.string(top, 'node', '', ID_PATTERN, 'must be a protocol id: a–z, 0–9, _ or -, 1–32 characters') ?? 'node';
  const firmware =
    r.string(top, 'firmware', '', FIRMWARE_PATTERN, 'must be a version like "1.2.0" (letters, digits, . _ + -; at most 16)') ?? '0';
  const seed = r.optionalNumber(top, 'seed', '', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 1;
  const tzOffsetMinutes =
    r.optionalNumber(top, 'timezoneOffsetMinutes', '', { min: -720, max: 840, integer: true }) ?? TOKYO_OFFSET_MINUTES;
  const calendar = readCalendar(r, top.calendar);

  const channels: ScenarioChannel[] = [];
  const rawChannels = r.list(top, 'channels', '');
  if (rawChannels.length === 0 && top.channels !== undefined && Array.isArray(top.channels))
    r.problems.push('channels: must list at least one channel');
  if (top.channels === undefined) r.problems.push('channels: required');
  rawChannels.forEach((value, index) => {
    const channel = readChannel(r, value, `channels[${index}]`);
    if (!channel) return;
    if (channels.some((c) => c.id === channel.id)) r.problems.push(`channels[${index}].id: ${JSON.stringify(channel.id)} is used twice`);
    else channels.push(channel);
  });
  channels.forEach((channel, index) => {
    if (channel.kind === 'count' && !channels.some((c) => c.id === channel.machine && c.kind === 'current'))
      r.problems.push(`channels[${index}].machine: ${JSON.stringify(channel.machine)} is not a current channel of this scenario`);
  });
  const climate = readClimate(r, top.climate);
  const breakdowns = readBreakdowns(r, top, channels);
  const faults = readFaults(r, top.faults, channels);
  if (r.problems.length === 0) r.problems.push(...lineBudgetProblems({ nodeId, firmware, channels }));
  if (r.problems.length > 0) throw new ScenarioError('SCENARIO_INVALID', source, r.problems);
  return { source, name, description, nodeId, firmware, seed, tzOffsetMinutes, calendar, channels, climate, breakdowns, faults };
}

/** Parses and validates YAML text. */
export function parseScenario(text: string, source: string): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ScenarioError('SCENARIO_UNREADABLE', source, [`YAML: ${(error as Error).message}`], { cause: error });
  }
  return scenarioFromObject(data, source);
}

/**
 * Folders searched for a scenario given by name. tsc does not copy YAML into dist/, so the compiled
 * loader (dist/firmware-sim/) also looks in the source tree two levels up.
 */
export function scenarioFolders(): string[] {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [resolve(here, 'scenarios'), resolve(here, '../../firmware-sim/scenarios')];
}

/** A name like `heat-wave` → the bundled file; anything with a slash or a .yaml/.yml ending → a path. */
export function resolveScenarioPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\') || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath) return isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  for (const folder of scenarioFolders()) {
    for (const ext of ['.yaml', '.yml']) {
      const candidate = resolve(folder, nameOrPath + ext);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new ScenarioError('SCENARIO_NOT_FOUND', nameOrPath, [`no ${nameOrPath}.yaml in ${scenarioFolders().join(' or ')}`]);
}

/** The bundled scenario names, for help texts. */
export async function listScenarios(): Promise<string[]> {
  for (const folder of scenarioFolders()) {
    try {
      const files = await readdir(folder);
      const names = files.filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''));
      if (names.length > 0) return names.sort();
    } catch {
      // not this layout (source tree vs dist); try the next folder
    }
  }
  return [];
}

/** Loads a bundled scenario by name or a scenario file by path, validated. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const path = resolveScenarioPath(nameOrPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'SCENARIO_NOT_FOUND' : 'SCENARIO_UNREADABLE';
    throw new ScenarioError(code, path, [(error as Error).message], { cause: error });
  }
  return parseScenario(text, path);
}

/** For messages: "10:30–12:15". */
export function describeWindow(window: ClockWindow): string {
  return `${formatClockTime(window.fromMin)}–${formatClockTime(window.toMin)}`;
}

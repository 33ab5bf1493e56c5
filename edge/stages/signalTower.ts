/** A signal tower (積層信号灯) seen through photo sensors on its lamps: each lamp off, lit or blinking, and the state they say. Pure. */

export const LAMP_COLOURS = ['red', 'yellow', 'green', 'blue', 'white'] as const;
export type LampColour = (typeof LAMP_COLOURS)[number];
export type LampPattern = 'off' | 'lit' | 'blinking';
/** What a lamp says: a machine state, or nothing about it (a blue lamp for a material call, say). */
export type LampMeaning = 'RUN' | 'IDLE' | 'FAULT' | 'none';
export type TowerState = 'RUN' | 'IDLE' | 'FAULT' | 'OFF';
export type MeaningKey = LampColour | `${LampColour}Blinking`;

/**
 * What the lamps mean unless the kit file says otherwise, as machine makers in Japan wire them: green 自動運転中, yellow
 * 運転完了・段取り・呼出 (waiting for a person), red 異常 (an alarm has stopped the machine). Green blinking is a machine that
 * is ready or paused, not cutting, so it is IDLE. Blue and white are extras whose meaning differs per maker.
 */
export const DEFAULT_MEANING: Readonly<Record<MeaningKey, LampMeaning>> = {
  red: 'FAULT',
  redBlinking: 'FAULT',
  yellow: 'IDLE',
  yellowBlinking: 'IDLE',
  green: 'RUN',
  greenBlinking: 'IDLE',
  blue: 'none',
  blueBlinking: 'none',
  white: 'none',
  whiteBlinking: 'none',
};

/** When lamps say different things the most urgent wins: a red lamp beside a green one is a fault, green beside yellow runs. */
const RANK: Record<TowerState, number> = { OFF: 0, IDLE: 1, RUN: 2, FAULT: 3 };

export interface TowerSettings {
  /** The lamps that are wired. */
  lamps: readonly LampColour[];
  meaning: Readonly<Record<MeaningKey, LampMeaning>>;
  /** A level held for less than this is a glitch (a reflection, a sensor's chatter), not an edge. */
  glitchMs: number;
  /**
   * The longest on or off phase of a blink. A lamp on for longer is lit, off for longer is off; an on and an off phase
   * in a row that are both shorter make it blinking. 1500 ms covers 1–2 Hz blinking with any duty cycle down to 0.4 Hz.
   */
  blinkPhaseMaxMs: number;
}

export type LampSample = { ts: number; lamp: LampColour; on: boolean };

interface LampMemory {
  /** The level as last sampled, and since when. */
  raw: boolean;
  rawAt: number;
  /** The level once it held for glitchMs, and when that phase began. */
  level: boolean;
  levelAt: number;
  /** Undefined until the first phase has shown what the lamp does. */
  pattern?: LampPattern;
  /** Short phases in a row, and when the first of them began. */
  shortRun: number;
  runStart: number;
}

export interface TowerMemory {
  lamps: Partial<Record<LampColour, LampMemory>>;
  /** Undefined until every wired lamp has shown its pattern. */
  state?: TowerState;
  since?: number;
  /** The latest time seen: earlier samples are late and ignored. */
  at?: number;
}

export interface TowerChange {
  /** When the new state began: the first edge of the pattern that shows it, never before the previous change. */
  ts: number;
  state: TowerState;
  /** Every wired lamp's pattern from then on. */
  lamps: Partial<Record<LampColour, LampPattern>>;
}

export interface TowerStep {
  memory: TowerMemory;
  changes: TowerChange[];
  /**
   * No change found later will be dated before this: the state is final up to here. Decisions wait up to two blink
   * phases (is it blinking or steady?), so this trails the newest sample; a caller feeding the state onwards at this
   * time never has to take anything back.
   */
  settledUntil?: number;
}

export const initialTowerMemory = (): TowerMemory => ({ lamps: {} });

type PatternEvent = { ts: number; lamp: LampColour; pattern: LampPattern };

/** The phase that began at levelAt has lasted blinkPhaseMaxMs by `until`: the lamp is steady. */
function decideSteady(settings: TowerSettings, lamp: LampColour, m: LampMemory, until: number, out: PatternEvent[]): void {
  if (until - m.levelAt < settings.blinkPhaseMaxMs) return;
  m.shortRun = 0;
  const steady = m.level ? 'lit' : 'off';
  if (m.pattern === steady) return;
  m.pattern = steady;
  out.push({ ts: m.levelAt, lamp, pattern: steady });
}

/** A debounced edge at `t` ends the phase that began at levelAt. */
function edge(settings: TowerSettings, lamp: LampColour, m: LampMemory, t: number, out: PatternEvent[]): void {
  if (t - m.levelAt < settings.blinkPhaseMaxMs) {
    if (m.shortRun === 0) m.runStart = m.levelAt;
    m.shortRun++;
    // One short on and one short off phase: a single flash or a single drop-out is not a blink.
    if (m.shortRun >= 2 && m.pattern !== 'blinking') {
      m.pattern = 'blinking';
      out.push({ ts: m.runStart, lamp, pattern: 'blinking' });
    }
  } else {
    m.shortRun = 0;
  }
  m.level = !m.level;
  m.levelAt = t;
}

/** Everything `now` shows about one lamp: an edge whose level has held past the glitch time, then a phase long enough to be steady. */
function advanceLamp(settings: TowerSettings, lamp: LampColour, before: LampMemory, now: number, out: PatternEvent[]): LampMemory {
  const m = { ...before };
  if (m.raw !== m.level && now - m.rawAt >= settings.glitchMs) {
    decideSteady(settings, lamp, m, m.rawAt, out);
    edge(settings, lamp, m, m.rawAt, out);
  }
  // While an edge waits for its glitch time, the level is only known to have held until that edge.
  decideSteady(settings, lamp, m, m.raw !== m.level ? m.rawAt : now, out);
  return m;
}

/** The earliest time a later decision about this lamp could be dated. */
function lampSettledUntil(settings: TowerSettings, m: LampMemory, now: number): number {
  const knownUntil = m.raw !== m.level ? m.rawAt : now;
  if (m.pattern !== undefined && knownUntil - m.levelAt >= settings.blinkPhaseMaxMs) return knownUntil;
  // A run of short phases may still turn out to be a blink dated at its start, unless the lamp is already blinking.
  return m.shortRun > 0 && m.pattern !== 'blinking' ? m.runStart : m.levelAt;
}

function patternsOf(settings: TowerSettings, memory: TowerMemory): Partial<Record<LampColour, LampPattern>> {
  const out: Partial<Record<LampColour, LampPattern>> = {};
  for (const lamp of settings.lamps) {
    const pattern = memory.lamps[lamp]?.pattern;
    if (pattern) out[lamp] = pattern;
  }
  return out;
}

/** The state the lamps say, or undefined while a wired lamp has not shown its pattern yet. */
export function towerState(settings: TowerSettings, patterns: Partial<Record<LampColour, LampPattern>>): TowerState | undefined {
  let state: TowerState = 'OFF';
  for (const lamp of settings.lamps) {
    const pattern = patterns[lamp];
    if (pattern === undefined) return undefined;
    if (pattern === 'off') continue;
    const key: MeaningKey = pattern === 'blinking' ? `${lamp}Blinking` : lamp;
    const meaning = settings.meaning[key];
    if (meaning !== 'none' && RANK[meaning] > RANK[state]) state = meaning;
  }
  return state;
}

/** Moves every lamp on to `now` and turns their pattern changes, in time order, into state changes. */
function advance(settings: TowerSettings, before: TowerMemory, now: number): TowerStep {
  const events: PatternEvent[] = [];
  const lamps = { ...before.lamps };
  for (const lamp of settings.lamps) {
    const m = lamps[lamp];
    if (m) lamps[lamp] = advanceLamp(settings, lamp, m, now, events);
  }
  // Each lamp's own events are in order; different lamps' may interleave.
  events.sort((a, b) => a.ts - b.ts);
  const memory: TowerMemory = { ...before, lamps, at: Math.max(before.at ?? now, now) };
  const patterns = patternsOf(settings, { lamps: before.lamps });
  const changes: TowerChange[] = [];
  events.forEach((event, i) => {
    patterns[event.lamp] = event.pattern;
    // Lamps that changed at the same instant (green out, yellow on) are one change, not two.
    if (events[i + 1]?.ts === event.ts) return;
    const state = towerState(settings, patterns);
    if (state === undefined || state === memory.state) return;
    // Lamps decide at different delays, so one lamp's change may surface after a later-dated one of another.
    const ts = Math.max(event.ts, memory.since ?? event.ts);
    memory.state = state;
    memory.since = ts;
    changes.push({ ts, state, lamps: { ...patterns } });
  });
  let settledUntil: number | undefined;
  if (memory.state !== undefined) {
    settledUntil = now;
    for (const lamp of settings.lamps) {
      const m = lamps[lamp] as LampMemory;
      settledUntil = Math.min(settledUntil, lampSettledUntil(settings, m, now));
    }
    settledUntil = Math.max(settledUntil, memory.since ?? settledUntil);
  }
  return { memory, changes, ...(settledUntil !== undefined ? { settledUntil } : {}) };
}

/** The clock moved on without an edge (the edge's timer): steady lamps are recognised by time passing. */
export function advanceTower(settings: TowerSettings, memory: TowerMemory, now: number): TowerStep {
  if (memory.at !== undefined && now < memory.at) return { memory, changes: [] };
  return advance(settings, memory, now);
}

/** One lamp's level as its input reported it (after the input's own debounce). */
export function stepTower(settings: TowerSettings, memory: TowerMemory, sample: LampSample): TowerStep {
  if (!settings.lamps.includes(sample.lamp) || (memory.at !== undefined && sample.ts < memory.at)) return { memory, changes: [] };
  // First what the time alone shows (an edge waiting for its glitch time may be confirmed by now), then the new level.
  const before = advance(settings, memory, sample.ts);
  const lamps = { ...before.memory.lamps };
  const m = lamps[sample.lamp];
  if (!m) {
    lamps[sample.lamp] = { raw: sample.on, rawAt: sample.ts, level: sample.on, levelAt: sample.ts, shortRun: 0, runStart: sample.ts };
  } else if (m.raw !== sample.on) {
    lamps[sample.lamp] = { ...m, raw: sample.on, rawAt: sample.ts };
  }
  const after = advance(settings, { ...before.memory, lamps }, sample.ts);
  return { ...after, changes: [...before.changes, ...after.changes] };
}

/** The simulated sensor node: sends hello, current, climate and heartbeat lines down a serial line, with faults on demand. */
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { scenarioSignals } from './channels.js';
import { encodeFrame, formatFixed, LINE_END, MAX_LINE_LENGTH, nextSeq, type SimFrame } from './encoder.js';
import { corruptLine, garbageBytes, overlongLine, truncateLine } from './faults.js';
import { localClockToMs, localDayIndex, localTimeOfDayMs, MINUTE_MS } from './localTime.js';
import { type SimPartCounter, scenarioCounters } from './partCounter.js';
import { hashInts, mulberry32 } from './random.js';
import {
  ERROR_CODE_PATTERN,
  type FaultRates,
  FIRMWARE_PATTERN,
  helloChannels,
  ID_PATTERN,
  lineBudgetProblems,
  type Scenario,
  type ScheduledFault,
} from './scenario.js';
import type { ChannelOverride, ClimateSignal, MachineChannel, MachineState } from './signals.js';

/** What a line on the wire is: a frame type, or the fault that produced it. */
export type LineKind = SimFrame['type'] | 'badChecksum' | 'garbage' | 'truncated' | 'overlong';

export interface SentLine {
  /** The line as written, without its CRLF (garbage as latin1, one character per byte). */
  line: string;
  /** The frame it carries or was meant to carry; null for garbage and overlong lines. */
  frame: SimFrame | null;
  kind: LineKind;
}

export interface SentCount {
  /** Every line written, good or faulty. */
  lines: number;
  /** Bytes written, terminators included. */
  bytes: number;
  /** Channel values in good lines: one per entry of an I line, one per C line. */
  readings: number;
  hello: number;
  current: number;
  climate: number;
  heartbeat: number;
  sensorError: number;
  count: number;
  badChecksum: number;
  garbage: number;
  truncated: number;
  overlong: number;
}

export interface SimNodeOptions {
  /**
   * Ticks per second of wall-clock time; each tick sends one `I` line (hello, `C` and heartbeat lines
   * come on top of it at their own cadence). Default 1, as the real node; thousands work for benchmarks.
   */
  linesPerSecond?: number;
  /** Wall clock in ms (default Date.now); paces the ticks and gives the heartbeat's uptime. */
  clock?: () => number;
  /** Simulated time (ms since the epoch) of the first tick; default the clock at start(). */
  startAt?: number;
  /** Simulated ms per wall-clock ms: 60 plays an hour in a minute. Default 1. */
  speed?: number;
  /** Ticks between climate lines; default 2 s worth of ticks. */
  climateEveryTicks?: number;
  /** Ticks between heartbeats; default 10 s worth. */
  heartbeatEveryTicks?: number;
  /** Ticks between repeated hellos; default 60 s worth. */
  helloEveryTicks?: number;
  /** Per-line fault probabilities; each given rate replaces the scenario's. */
  faults?: Partial<FaultRates>;
  /** Stop by itself after this many lines (of any kind). */
  maxLines?: number;
  /** Called for every line as it is queued for writing. */
  onLine?: (line: string, frame: SimFrame | null, kind: LineKind) => void;
}

type SimNodeEvents = {
  line: [SentLine];
  error: [Error];
  stopped: [];
};

// Omit over a union keeps it a union: a frame the node is about to number.
type Draft = SimFrame extends infer F ? (F extends SimFrame ? Omit<F, 'seq'> : never) : never;

interface CurrentPoint {
  id: string;
  channel: MachineChannel;
  override: { state: MachineState; sinceMs: number | null } | null;
}

interface ClimatePoint {
  id: string;
  signal: ClimateSignal;
}

// Ticks per timer callback at most: a large batch is one write() (cheap), but an unbounded one would
// block the event loop after a long stall.
const BATCH_TICKS = 2000;
// How long stop() waits for the last write to reach the device before giving up (a pty nobody reads).
const FLUSH_TIMEOUT_MS = 2000;

function emptyCount(): SentCount {
  return {
    lines: 0,
    bytes: 0,
    readings: 0,
    hello: 0,
    current: 0,
    climate: 0,
    heartbeat: 0,
    sensorError: 0,
    count: 0,
    badChecksum: 0,
    garbage: 0,
    truncated: 0,
    overlong: 0,
  };
}

/**
 * A sensor node on a serial line. Sequence numbers start at 0 with the hello at start(), go up by one
 * per line and wrap at 65536. If the output fails (a pty that vanished), the node stops, keeps the error
 * in `lastError` and emits 'error' only when someone listens, so a pulled cable never crashes a demo.
 *
 * Which faulty lines use up a sequence number: bad-checksum, truncated and overlong lines do — the node
 * sent a numbered frame and the wire (or the firmware) spoiled it, so the edge also sees a gap and
 * counts one lost line besides the reject. Garbage does not: it is noise, not a frame.
 */
export class SimNode extends EventEmitter<SimNodeEvents> {
  readonly scenario: Scenario;
  readonly linesPerSecond: number;
  readonly speed: number;
  private readonly target: Writable | string;
  private readonly clock: () => number;
  private readonly options: SimNodeOptions;
  private readonly rates: FaultRates;
  private readonly climateEvery: number;
  private readonly heartbeatEvery: number;
  private readonly helloEvery: number;
  private readonly tickSimMs: number;
  private readonly currents: CurrentPoint[];
  private readonly climates: ClimatePoint[];
  private readonly counters: SimPartCounter[];
  /** Each current channel's state at the last tick, which its counters follow. */
  private readonly runningChannels = new Set<string>();
  private readonly faultRandom: () => number;
  private readonly counts = emptyCount();

  private output: Writable | null = null;
  private phase: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private seqNext = 0;
  private tick = 0;
  private startedAtMs = 0;
  private simStartMs = 0;
  private previousTickSimMs: number | null = null;
  private baseTimeMs = 0;
  private baseTick = 0;
  private timer: NodeJS.Timeout | null = null;
  private waitingForDrain = false;
  private batch: string[] = [];
  private lastWrite: Promise<void> = Promise.resolve();
  private lastAmps: Record<string, number> | null = null;
  private outages = new Map<string, string>();
  private stopping: Promise<void> | null = null;
  private error: Error | null = null;
  private resolveFinished!: () => void;
  /** Resolves once the node has stopped: stop(), maxLines reached, or the output failed. */
  readonly finished: Promise<void>;

  constructor(output: Writable | string, scenario: Scenario, options: SimNodeOptions = {}) {
    super();
    this.target = output;
    this.scenario = scenario;
    this.options = options;
    this.linesPerSecond = options.linesPerSecond ?? 1;
    this.speed = options.speed ?? 1;
    if (!(this.linesPerSecond > 0 && this.linesPerSecond <= 1_000_000))
      throw new RangeError(`linesPerSecond must be in (0, 1e6], got ${this.linesPerSecond}`);
    if (!(this.speed > 0 && Number.isFinite(this.speed))) throw new RangeError(`speed must be > 0, got ${this.speed}`);
    if (!ID_PATTERN.test(scenario.nodeId)) throw new RangeError(`node id ${JSON.stringify(scenario.nodeId)} is not a protocol id`);
    if (!FIRMWARE_PATTERN.test(scenario.firmware))
      throw new RangeError(`firmware version ${JSON.stringify(scenario.firmware)} cannot go in a hello`);
    const budget = lineBudgetProblems(scenario);
    if (budget.length > 0) throw new RangeError(budget.join('; '));
    if (options.maxLines !== undefined && !(Number.isInteger(options.maxLines) && options.maxLines > 0))
      throw new RangeError('maxLines must be a positive integer');
    this.clock = options.clock ?? (() => Date.now());
    this.rates = { ...scenario.faults, ...options.faults };
    const everyTicks = (seconds: number, given: number | undefined) => Math.max(1, Math.round(given ?? seconds * this.linesPerSecond));
    this.climateEvery = everyTicks(2, options.climateEveryTicks);
    this.heartbeatEvery = everyTicks(10, options.heartbeatEveryTicks);
    this.helloEvery = everyTicks(60, options.helloEveryTicks);
    // Simulated time moves by a fixed step per tick, not by reading the clock, so the values a test sees
    // do not depend on how punctual the timers were.
    this.tickSimMs = (1000 / this.linesPerSecond) * this.speed;

    const { nodeSalt, currents, climates } = scenarioSignals(scenario);
    this.currents = currents.map((c) => ({ ...c, override: null }));
    this.climates = climates;
    this.counters = scenarioCounters(scenario, nodeSalt);
    this.faultRandom = mulberry32(hashInts(nodeSalt, 0xfa17));
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  get running(): boolean {
    return this.phase === 'running';
  }

  /** Lines sent so far, by kind, and the readings they carried. */
  get sentCount(): SentCount {
    return { ...this.counts };
  }

  /** The sequence number the next numbered line will carry. */
  get seq(): number {
    return this.seqNext;
  }

  /** Simulated time (ms) of the next tick. */
  get simTime(): number {
    return this.simStartMs + this.tick * this.tickSimMs;
  }

  /** Why the node stopped on its own, if the output failed (also emitted as 'error' when someone listens). */
  get lastError(): Error | null {
    return this.error;
  }

  /** Powers the node up: hello (seq 0) now, then ticks at linesPerSecond. */
  start(): void {
    if (this.phase !== 'new') throw new Error('SimNode.start(): a node starts once; create a new one to restart');
    const output = typeof this.target === 'string' ? createWriteStream(this.target, { flags: 'w' }) : this.target;
    this.output = output;
    output.on('error', this.onOutputError);
    output.on('drain', this.onDrain);
    const now = this.clock();
    this.startedAtMs = now;
    this.simStartMs = this.options.startAt ?? now;
    this.baseTimeMs = now;
    this.baseTick = 0;
    for (const point of this.currents) if (point.override && point.override.sinceMs === null) point.override.sinceMs = this.simStartMs;
    this.phase = 'running';
    this.sendFrame({
      type: 'hello',
      nodeId: this.scenario.nodeId,
      firmware: this.scenario.firmware,
      channels: helloChannels(this.scenario.channels),
    });
    this.pump();
  }

  /** Stops ticking, waits for the last write, and closes the device if the node opened it (a given Writable is left open). */
  stop(): Promise<void> {
    if (this.phase === 'new') {
      this.phase = 'stopped';
      this.resolveFinished();
      return this.finished;
    }
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.phase = 'stopping';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
    await withTimeout(this.lastWrite, FLUSH_TIMEOUT_MS);
    const output = this.output;
    if (output) {
      output.off('drain', this.onDrain);
      if (typeof this.target === 'string' && !output.destroyed) {
        await withTimeout(
          new Promise<void>((resolve) => {
            output.once('close', resolve);
            output.end();
          }),
          FLUSH_TIMEOUT_MS,
        );
        output.destroy();
      }
      output.off('error', this.onOutputError);
      // Keep swallowing late errors of a device we opened and no longer use (EIO from a vanished pty).
      if (typeof this.target === 'string') output.on('error', () => {});
    }
    this.phase = 'stopped';
    this.emit('stopped');
    this.resolveFinished();
  }

  /**
   * Forces a current channel to run, idle or off from the next tick on (null: back to its schedule).
   * A forced start draws the start-up inrush like a real one.
   */
  setOverride(channel: string, state: MachineState | null): void {
    const point = this.currents.find((c) => c.id === channel);
    if (!point) throw new RangeError(`${JSON.stringify(channel)} is not a current channel of node ${this.scenario.nodeId}`);
    point.override = state === null ? null : { state, sinceMs: this.phase === 'new' ? null : this.simTime };
  }

  /** A current line with one digit flipped after its checksum was computed. Uses a sequence number. */
  injectBadChecksum(): string {
    this.mustRun('injectBadChecksum');
    const line = this.pushBadChecksum();
    this.flush();
    return line;
  }

  /** Noise: `bytes` random bytes (or the given bytes), then CRLF. Uses no sequence number. */
  injectGarbage(bytes: number | Uint8Array = 8): string {
    this.mustRun('injectGarbage');
    const line = this.pushGarbage(bytes);
    this.flush();
    return line;
  }

  /** A numbered line cut off before its checksum, then CRLF. Uses a sequence number. */
  injectTruncated(): string {
    this.mustRun('injectTruncated');
    const line = this.pushTruncated();
    this.flush();
    return line;
  }

  /** A well-formed line of exactly `length` (> 160) characters with a good checksum. Uses a sequence number. */
  injectOverlong(length = 200): string {
    this.mustRun('injectOverlong');
    const line = this.pushOverlong(length);
    this.flush();
    return line;
  }

  /** A valid `X` line: the node reports that a sensor failed. Uses a sequence number. */
  injectSensorError(channel: string, code: string): string {
    this.mustRun('injectSensorError');
    // Checked here so that a bad argument does not use up a sequence number.
    if (!ID_PATTERN.test(channel)) throw new RangeError(`${JSON.stringify(channel)} is not a protocol channel id`);
    if (!ERROR_CODE_PATTERN.test(code)) throw new RangeError(`${JSON.stringify(code)} is not an error code ([A-Z0-9_]{1,24})`);
    const line = this.sendFrame({ type: 'sensorError', channel, code });
    this.flush();
    return line ?? '';
  }

  /** Parts made outside the schedule (a test's pulses): counted now and reported with the next P line. */
  addParts(channel: string, parts = 1): void {
    const counter = this.counters.find((c) => c.id === channel);
    if (!counter) throw new RangeError(`${JSON.stringify(channel)} is not a count channel of node ${this.scenario.nodeId}`);
    for (let i = 0; i < parts; i++) counter.countPart(this.simTime);
  }

  /** A counter's total as the node holds it (a uint32 that wraps). */
  counterTotal(channel: string): number | undefined {
    return this.counters.find((c) => c.id === channel)?.total;
  }

  // ---------- pacing ----------

  private readonly onDrain = (): void => {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    if (this.phase === 'running' && !this.timer) this.pump();
  };

  /** The output failed (or a tick threw): remember why, tell listeners, stop. */
  private readonly onOutputError = (error: Error): void => {
    this.error = error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    void this.stop();
  };

  private readonly pump = (): void => {
    this.timer = null;
    if (this.phase !== 'running' || this.waitingForDrain) return;
    try {
      this.pumpTicks();
    } catch (error) {
      // A bug in a signal model must not leave a timer-less node that never finishes: stop and report.
      this.onOutputError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private pumpTicks(): void {
    const now = this.clock();
    const perMs = this.linesPerSecond / 1000;
    let due = this.baseTick + Math.floor((now - this.baseTimeMs) * perMs) + 1 - this.tick;
    if (due > this.linesPerSecond + 1) {
      // More than a second behind (a slow reader, a suspended laptop): resume the pace from now rather
      // than firing the whole backlog at once, as a real node would simply have missed those readings.
      this.baseTimeMs = now;
      this.baseTick = this.tick;
      due = 1;
    }
    const ticks = Math.min(due, BATCH_TICKS);
    for (let i = 0; i < ticks && !this.atLimit(); i++) this.runTick();
    this.flush();
    if (this.atLimit()) {
      void this.stop();
      return;
    }
    if (this.waitingForDrain || this.phase !== 'running') return;
    const nextDueMs = this.baseTimeMs + (this.tick - this.baseTick) / perMs;
    this.timer = setTimeout(this.pump, ticks < due ? 0 : Math.max(0, nextDueMs - now));
  }

  private atLimit(): boolean {
    return this.options.maxLines !== undefined && this.counts.lines >= this.options.maxLines;
  }

  private mustRun(what: string): void {
    if (this.phase !== 'running') throw new Error(`SimNode.${what}(): the node is not running`);
  }

  // ---------- one tick ----------

  private runTick(): void {
    const simMs = this.simTime;
    const tick = this.tick;
    if (tick > 0 && tick % this.helloEvery === 0) {
      this.sendFrame({
        type: 'hello',
        nodeId: this.scenario.nodeId,
        firmware: this.scenario.firmware,
        channels: helloChannels(this.scenario.channels),
      });
    }
    this.runSchedule(simMs);

    const amps: Record<string, number> = {};
    let any = false;
    for (const point of this.currents) {
      const override: ChannelOverride | null = point.override
        ? { state: point.override.state, sinceMs: point.override.sinceMs ?? simMs }
        : null;
      // Sample even while the sensor is out so the machine's own history (its run starts) stays true.
      const reading = point.channel.sample(simMs, override);
      if (reading.state === 'run') this.runningChannels.add(point.id);
      else this.runningChannels.delete(point.id);
      if (this.outages.has(point.id)) continue;
      amps[point.id] = Number(formatFixed(reading.amps, 2));
      any = true;
    }
    if (any) {
      this.lastAmps = amps;
      this.sendFrame({ type: 'current', amps });
    }

    for (const counter of this.counters) {
      if (this.runningChannels.has(counter.machine)) counter.run(this.tickSimMs, simMs);
      this.sendFrame(counter.frame(simMs, this.simStartMs));
    }

    if (tick % this.climateEvery === 0) {
      for (const point of this.climates) {
        const code = this.outages.get(point.id);
        if (code !== undefined) continue;
        const reading = point.signal.sampleAt(simMs);
        this.sendFrame({
          type: 'climate',
          channel: point.id,
          temperatureC: Number(formatFixed(reading.temperatureC, 2)),
          humidityPct: Number(formatFixed(reading.humidityPct, 1)),
        });
      }
      // A sensor that is out reports so at the climate cadence, instead of its readings.
      for (const [channel, code] of this.outages) this.sendFrame({ type: 'sensorError', channel, code });
    }

    if (tick > 0 && tick % this.heartbeatEvery === 0) {
      this.sendFrame({ type: 'heartbeat', uptimeS: Math.max(0, Math.floor((this.clock() - this.startedAtMs) / 1000)) });
    }
    this.previousTickSimMs = simMs;
    this.tick = tick + 1;
  }

  /** The scenario's fault schedule: outages by time of day, one-shot faults when their clock time passes. */
  private runSchedule(simMs: number): void {
    const schedule = this.scenario.faults.schedule;
    if (schedule.length === 0) return;
    const tz = this.scenario.tzOffsetMinutes;
    const minuteOfDay = localTimeOfDayMs(simMs, tz) / MINUTE_MS;
    const previous = this.previousTickSimMs ?? simMs - this.tickSimMs;
    this.outages.clear();
    for (const entry of schedule) {
      if (entry.fault === 'sensorError' && entry.untilMin !== undefined) {
        if (minuteOfDay >= entry.atMin && minuteOfDay < entry.untilMin) this.outages.set(entry.channel, entry.code);
        continue;
      }
      // Fire once when the clock time falls in (previous tick, this tick]; at most a few days are
      // looked at, so a very fast simulation fires a daily fault once per tick, not once per skipped day.
      const firstDay = Math.max(localDayIndex(previous, tz), localDayIndex(simMs, tz) - 2);
      for (let day = firstDay; day <= localDayIndex(simMs, tz); day++) {
        const at = localClockToMs(day, entry.atMin, tz);
        if (at > previous && at <= simMs) {
          this.fire(entry);
          break;
        }
      }
    }
  }

  private fire(entry: ScheduledFault): void {
    switch (entry.fault) {
      case 'sensorError':
        this.sendFrame({ type: 'sensorError', channel: entry.channel, code: entry.code });
        return;
      case 'badChecksum':
        this.pushBadChecksum();
        return;
      case 'truncated':
        this.pushTruncated();
        return;
      case 'garbage':
        this.pushGarbage(entry.bytes);
        return;
      case 'overlong':
        this.pushOverlong(entry.length);
        return;
    }
  }

  // ---------- lines ----------

  private takeSeq(): number {
    const seq = this.seqNext;
    this.seqNext = nextSeq(seq);
    return seq;
  }

  /**
   * Numbers and queues a regular frame; the per-line fault rates may spoil it on the way (it keeps its
   * sequence number) or put noise before it. Returns the line, or null at maxLines.
   */
  private sendFrame(draft: Draft): string | null {
    if (this.atLimit()) return null;
    const random = this.faultRandom;
    if (this.rates.garbageRate > 0 && random() < this.rates.garbageRate) this.pushGarbage(8 + Math.floor(random() * 17));
    if (this.rates.overlongRate > 0 && random() < this.rates.overlongRate)
      this.pushOverlong(MAX_LINE_LENGTH + 1 + Math.floor(random() * 80));
    if (this.atLimit()) return null;
    const frame = numbered(draft, this.takeSeq());
    const line = encodeFrame(frame);
    if (this.rates.badChecksumRate > 0 && random() < this.rates.badChecksumRate)
      return this.push(corruptLine(line, random), frame, 'badChecksum');
    if (this.rates.truncatedRate > 0 && random() < this.rates.truncatedRate)
      return this.push(truncateLine(line, random), frame, 'truncated');
    if (frame.type === 'current') this.counts.readings += Object.keys(frame.amps).length;
    else if (frame.type === 'climate') this.counts.readings += 1;
    return this.push(line, frame, frame.type);
  }

  /** The most recent current frame (or a heartbeat before the first one), as the frame to spoil. */
  private victim(): Draft {
    if (this.lastAmps) return { type: 'current', amps: this.lastAmps };
    return { type: 'heartbeat', uptimeS: Math.max(0, Math.floor((this.clock() - this.startedAtMs) / 1000)) };
  }

  private pushBadChecksum(): string {
    const frame = numbered(this.victim(), this.takeSeq());
    return this.push(corruptLine(encodeFrame(frame), this.faultRandom), frame, 'badChecksum');
  }

  private pushTruncated(): string {
    const frame = numbered(this.victim(), this.takeSeq());
    return this.push(truncateLine(encodeFrame(frame), this.faultRandom), frame, 'truncated');
  }

  private pushGarbage(bytes: number | Uint8Array): string {
    let text: string;
    if (typeof bytes === 'number') {
      if (!(Number.isInteger(bytes) && bytes > 0)) throw new RangeError(`garbage length must be a positive integer, got ${bytes}`);
      text = garbageBytes(bytes, this.faultRandom);
    } else {
      text = Buffer.from(bytes).toString('latin1');
    }
    return this.push(text, null, 'garbage');
  }

  private pushOverlong(length: number): string {
    // Check before taking a sequence number, so a bad argument leaves the node as it was.
    const probe = overlongLine(this.seqNext, length);
    this.takeSeq();
    return this.push(probe, null, 'overlong');
  }

  private push(line: string, frame: SimFrame | null, kind: LineKind): string {
    this.counts.lines += 1;
    this.counts[kind] += 1;
    this.counts.bytes += line.length + LINE_END.length;
    this.batch.push(line, LINE_END);
    this.options.onLine?.(line, frame, kind);
    if (this.listenerCount('line') > 0) this.emit('line', { line, frame, kind });
    return line;
  }

  /** One write() per batch: thousands of lines per second cost one syscall-sized chunk each, not one each. */
  private flush(): void {
    if (this.batch.length === 0) return;
    const chunk = Buffer.from(this.batch.join(''), 'latin1');
    this.batch = [];
    const output = this.output;
    if (!output || output.destroyed || output.writableEnded) return;
    this.lastWrite = new Promise<void>((resolve) => {
      const accepted = output.write(chunk, () => resolve());
      if (!accepted) this.waitingForDrain = true;
    });
  }
}

/** The frame with its number, fields in wire order (type, seq, …) so that it reads like the vectors. */
function numbered(draft: Draft, seq: number): SimFrame {
  const { type, ...fields } = draft;
  return { type, seq, ...fields } as SimFrame;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref?.();
    }),
  ]);
  if (timer) clearTimeout(timer);
}

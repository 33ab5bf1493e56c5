/** The transactional buffer in front of the sink: batches points, writes one batch at a time, spools to disk while the sink is away, replays in order. */
import type { Logger } from 'pino';
import { describeError, LogThrottle } from './failureLog.js';
import type { PointSink, RejectedPoint, SinkWriteResult, StoredPoint } from './point.js';
import type { Spool } from './spool.js';

/** 'direct': batches go straight to the sink. 'spooling': the spool holds older points, so new batches queue up behind them on disk. */
export type PointBufferState = 'direct' | 'spooling';

export interface PointBufferOptions {
  sink: PointSink;
  spool: Spool;
  /** A batch is written once this many points are queued. Default 5000. */
  batchSize?: number;
  /** ...or once the oldest queued point has waited this long. Default 1000. */
  flushIntervalMs?: number;
  /** Past this many points in memory (a slow sink) the queue spills to the spool. Default 50000. */
  maxQueuedPoints?: number;
  /**
   * Most points per replay write; spooled records are merged up to it. Default batchSize: four times that replayed a
   * little faster but took almost twice the memory (bench/storage.ts), and a replay runs when the kit is busiest.
   */
  replayBatchSize?: number;
  /** Backoff between replay attempts while the sink is down. Defaults 500 and 30000. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** While the sink is down, how often its probe() is asked whether it answers again (a replay then starts at once). Default 1000. */
  probeIntervalMs?: number;
  /** Where the points the sink refuses for good go (the dead-letter file). */
  deadLetters?: { add(rejected: readonly RejectedPoint[]): void };
  /** How long stop() may spend writing before it puts the rest in the spool. Default 5000. */
  stopTimeoutMs?: number;
  log: Logger;
  /** Clock for lastWriteAt (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** Called on each switch between 'direct' and 'spooling' (for the health report). */
  onStateChange?: (state: PointBufferState, previous: PointBufferState) => void;
}

export interface PointBufferStats {
  /** Points handed to add()/addMany(). */
  received: number;
  /** Points the sink accepted (direct and replayed). */
  written: number;
  /** Points this buffer appended to the spool. */
  spooled: number;
  /** Points the sink accepted from the spool. */
  replayed: number;
  /** Points lost: dropped by the spool to stay under its size, a spool write that failed, points added after stop(). */
  dropped: number;
  /** Points the sink refused for good (InfluxDB 4xx: beyond retention, field type conflict, unparsable): in the dead letters. */
  rejected: number;
  /** Failed sink writes. */
  writeErrors: number;
  /** Points in memory now. */
  queued: number;
  /** Points waiting in the spool now. */
  spoolPendingPoints: number;
  lastError?: string;
  /** When the sink last accepted a batch (ms since the epoch). */
  lastWriteAt?: number;
  state: PointBufferState;
}

interface InFlight {
  kind: 'direct' | 'replay';
  points: StoredPoint[];
  /** Settles (true = written) once the outcome has been booked. */
  done: Promise<boolean>;
  /** For a direct write: the spool record that also holds this batch (set when the buffer went to spooling during the write). */
  spooledAs?: number;
}

interface FlushWaiter {
  /** Resolved once this many enqueued points are in the sink or the spool. */
  target: number;
  resolve: () => void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`PointBuffer: ${name} must be a positive integer (got ${value})`);
  return value;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PointBuffer {
  private readonly sink: PointSink;
  private readonly spool: Spool;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly onStateChange: PointBufferOptions['onStateChange'];
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuedPoints: number;
  private readonly replayBatchSize: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly probeIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly deadLetters: PointBufferOptions['deadLetters'];

  private queue: StoredPoint[] = [];
  /** Points ever put in the queue, and how many of them are now in the sink or the spool (both count from the front). */
  private enqueued = 0;
  private settled = 0;
  private readonly flushWaiters: FlushWaiter[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** The oldest queued point has waited flushIntervalMs: write (or spool) even a small batch. */
  private due = false;
  private replayTimer: NodeJS.Timeout | undefined;
  /** The one write in flight, direct or replay: never more, so batches reach the sink in order. */
  private inflight: InFlight | undefined;
  private current: PointBufferState;
  private retryAttempt = 0;
  /** The outcome of the last sink write (true before the first). */
  private sinkHealthy = true;
  /** Failed writes since the last one that went through; the first is logged, the rest summarised. */
  private failedAttempts = 0;
  private readonly failureLog = new LogThrottle();
  /** A probe loop runs while the sink is down; once a probe has seen it down, the next that sees it up starts the replay. */
  private probing = false;
  private probeSawDown = false;
  private stopping = false;
  private closed = false;
  private stopPromise: Promise<void> | undefined;
  private lateDropWarned = false;

  private received = 0;
  private written = 0;
  private spooled = 0;
  private replayed = 0;
  private droppedHere = 0;
  private rejected = 0;
  private writeErrors = 0;
  private lastError: string | undefined;
  private lastWriteAt: number | undefined;

  constructor(options: PointBufferOptions) {
    this.sink = options.sink;
    this.spool = options.spool;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.onStateChange = options.onStateChange;
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? 5000);
    this.flushIntervalMs = positiveInteger('flushIntervalMs', options.flushIntervalMs ?? 1000);
    this.maxQueuedPoints = positiveInteger('maxQueuedPoints', options.maxQueuedPoints ?? 50_000);
    this.replayBatchSize = positiveInteger('replayBatchSize', options.replayBatchSize ?? this.batchSize);
    this.retryMinMs = positiveInteger('retryMinMs', options.retryMinMs ?? 500);
    this.retryMaxMs = Math.max(this.retryMinMs, positiveInteger('retryMaxMs', options.retryMaxMs ?? 30_000));
    this.probeIntervalMs = positiveInteger('probeIntervalMs', options.probeIntervalMs ?? 1000);
    this.stopTimeoutMs = positiveInteger('stopTimeoutMs', options.stopTimeoutMs ?? 5000);
    this.deadLetters = options.deadLetters;
    // Points left in the spool by an earlier run are older than anything that arrives now: replay them first.
    this.current = this.spool.isEmpty ? 'direct' : 'spooling';
    if (this.current === 'spooling') {
      this.log.info({ spoolPendingPoints: this.spool.pendingPoints }, 'point buffer: spool holds points from an earlier run, replaying');
      this.scheduleReplay(0);
    }
  }

  get state(): PointBufferState {
    return this.current;
  }

  /** Queues one point. Synchronous and cheap; never throws, never waits for the sink. */
  add(point: StoredPoint): void {
    this.received++;
    if (this.closed) {
      this.dropLate(1);
      return;
    }
    this.queue.push(point);
    this.enqueued++;
    if (this.queue.length === 1) this.armFlushTimer();
    if (this.queue.length >= this.batchSize) this.kick();
  }

  /** Queues points in order. Synchronous and cheap; never throws, never waits for the sink. */
  addMany(points: readonly StoredPoint[]): void {
    if (points.length === 0) return;
    this.received += points.length;
    if (this.closed) {
      this.dropLate(points.length);
      return;
    }
    const wasEmpty = this.queue.length === 0;
    // A loop, not push(...points): a spread of a very large array overflows the call stack.
    for (const point of points) this.queue.push(point);
    this.enqueued += points.length;
    if (wasEmpty) this.armFlushTimer();
    if (this.queue.length >= this.batchSize) this.kick();
  }

  /**
   * Resolves once every point queued before the call is in the sink or, if the sink is down, in the spool.
   * Waits for the write in flight (the sink's own request timeout bounds it). Never rejects.
   */
  flush(): Promise<void> {
    const target = this.enqueued;
    if (this.closed || this.settled >= target) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ target, resolve });
      this.kick();
    });
  }

  /**
   * Graceful stop: no new timers; within stopTimeoutMs writes the queue (and replays the spool, if the sink's last
   * write went well); whatever did not reach the sink goes to the spool, which is then synced and closed.
   * Afterwards every point is either in the sink or in the spool files. Never rejects.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.runStop();
    return this.stopPromise;
  }

  stats(): PointBufferStats {
    const spoolStats = this.spool.stats;
    return {
      received: this.received,
      written: this.written,
      spooled: this.spooled,
      replayed: this.replayed,
      dropped: this.droppedHere + spoolStats.droppedPoints,
      rejected: this.rejected,
      writeErrors: this.writeErrors,
      queued: this.queue.length,
      spoolPendingPoints: this.spool.pendingPoints,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.lastWriteAt === undefined ? {} : { lastWriteAt: this.lastWriteAt }),
      state: this.current,
    };
  }

  // ---- deciding what to do next ----

  /** Looks at the queue and starts whatever is due. Runs on the hot path: cheap when nothing is due, and never throws. */
  private kick(): void {
    if (this.closed) return;
    try {
      if (this.current === 'direct' && this.queue.length > this.maxQueuedPoints) {
        this.log.warn(
          { queued: this.queue.length, maxQueuedPoints: this.maxQueuedPoints },
          'point buffer: sink too slow, spilling the queue to the spool',
        );
        this.enterSpooling();
      }
      if (this.current === 'spooling') {
        // Older points wait in the spool: a new batch must queue up behind them there, or it would overtake them.
        while (this.batchDue()) this.spoolBatch(this.take());
        if (!this.inflight && !this.replayTimer && !this.stopping) this.scheduleReplay(this.sinkHealthy ? 0 : this.nextBackoff());
        return;
      }
      if (this.inflight || this.stopping) return;
      if (this.batchDue()) this.startDirect(this.take());
    } catch (err) {
      // Nothing above should throw (spool errors are caught where they happen); keep ingest alive if something does.
      this.log.error({ error: describeError(err) }, 'point buffer: unexpected error');
    }
  }

  private batchDue(): boolean {
    const length = this.queue.length;
    if (length >= this.batchSize) return true;
    if (length === 0) return false;
    if (this.due) return true;
    const lastWaiter = this.flushWaiters[this.flushWaiters.length - 1];
    return lastWaiter !== undefined && lastWaiter.target > this.enqueued - length;
  }

  /** Takes up to batchSize points from the front of the queue. */
  private take(): StoredPoint[] {
    let batch: StoredPoint[];
    if (this.queue.length <= this.batchSize) {
      batch = this.queue;
      this.queue = [];
    } else {
      batch = this.queue.splice(0, this.batchSize);
    }
    if (this.queue.length === 0) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.due = false;
    }
    return batch;
  }

  private armFlushTimer(): void {
    if (this.flushTimer || this.stopping) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.due = true;
      this.kick();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  private settle(points: number): void {
    this.settled += points;
    while (this.flushWaiters.length > 0 && (this.flushWaiters[0] as FlushWaiter).target <= this.settled) {
      (this.flushWaiters.shift() as FlushWaiter).resolve();
    }
  }

  private setState(next: PointBufferState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    if (next === 'spooling') {
      this.log.warn({ lastError: this.lastError, spoolPendingPoints: this.spool.pendingPoints }, 'point buffer: spooling to disk');
    } else {
      this.log.info({ replayed: this.replayed }, 'point buffer: spool replayed, writing directly again');
    }
    try {
      this.onStateChange?.(next, previous);
    } catch (err) {
      this.log.error({ error: describeError(err) }, 'point buffer: onStateChange threw');
    }
  }

  private enterSpooling(): void {
    if (this.current === 'spooling') return;
    // The batch in flight is older than anything that will now be spooled. Put a copy at the head of the (empty)
    // spool first: if its write fails it is already in the right place; if it succeeds its record is acknowledged.
    const inflight = this.inflight;
    if (inflight?.kind === 'direct' && inflight.spooledAs === undefined) {
      try {
        inflight.spooledAs = this.spool.append(inflight.points);
        if (inflight.spooledAs !== undefined) {
          this.spooled += inflight.points.length;
          this.settle(inflight.points.length);
        }
      } catch (err) {
        this.log.error(
          { error: describeError(err) },
          'point buffer: could not spool the batch in flight; it stays in memory until its write settles',
        );
      }
    }
    this.setState('spooling');
    if (!this.inflight && !this.stopping) this.scheduleReplay(this.sinkHealthy ? 0 : this.nextBackoff());
  }

  /** Appends a batch to the spool; a failing disk loses the batch, counted and logged, and never reaches the caller. */
  private spoolBatch(points: StoredPoint[]): void {
    try {
      if (this.spool.append(points) !== undefined) this.spooled += points.length;
    } catch (err) {
      this.droppedHere += points.length;
      this.lastError = messageOf(err);
      this.log.error({ error: describeError(err), points: points.length }, 'point buffer: could not spool a batch, points lost');
    }
    this.settle(points.length);
  }

  private dropLate(points: number): void {
    this.droppedHere += points;
    if (!this.lateDropWarned) {
      this.lateDropWarned = true;
      this.log.warn({ points }, 'point buffer: points added after stop() are dropped');
    }
  }

  private nextBackoff(): number {
    const base = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** this.retryAttempt);
    this.retryAttempt++;
    // Jitter so that a gateway restarting with InfluxDB does not retry in lockstep with its own earlier attempts.
    return Math.max(this.retryMinMs, Math.round(base * (0.75 + Math.random() * 0.25)));
  }

  // ---- writing ----

  /**
   * One sink write; true when the batch is settled: stored, except the points the sink refused for good, which go to the
   * dead letters. False when the sink is unavailable (the whole batch is to be written again later).
   */
  private async attempt(points: StoredPoint[]): Promise<boolean> {
    let result: SinkWriteResult;
    try {
      result = await this.sink.write(points);
    } catch (err) {
      this.sinkHealthy = false;
      this.writeErrors++;
      this.failedAttempts++;
      this.lastError = messageOf(err);
      const heldBack = this.failureLog.take();
      if (heldBack !== undefined) {
        this.log.warn(
          { error: describeError(err), points: points.length, failedAttempts: this.failedAttempts, heldBack },
          'point buffer: sink unavailable, points wait in the spool',
        );
      }
      this.startProbing();
      return false;
    }
    if (this.failedAttempts > 0) {
      this.log.info({ failedAttempts: this.failedAttempts }, 'point buffer: sink answers again');
      this.failedAttempts = 0;
      this.failureLog.reset();
    }
    this.sinkHealthy = true;
    this.lastWriteAt = this.now();
    const rejected = result?.rejected ?? [];
    this.written += points.length - rejected.length;
    if (rejected.length > 0) {
      this.rejected += rejected.length;
      try {
        this.deadLetters?.add(rejected);
      } catch (err) {
        this.log.error({ error: describeError(err) }, 'point buffer: dead letters not kept');
      }
    }
    return true;
  }

  /** While the sink is down: ask it every probeIntervalMs whether it answers, and replay at once when it is back. */
  private startProbing(): void {
    const probe = this.sink.probe?.bind(this.sink);
    if (!probe || this.probing) return;
    this.probing = true;
    this.probeSawDown = false;
    const tick = async (): Promise<void> => {
      if (this.sinkHealthy || this.stopping || this.closed) {
        this.probing = false;
        return;
      }
      const up = await probe().catch(() => false);
      if (!up) {
        this.probeSawDown = true;
      } else if (this.probeSawDown && !this.sinkHealthy && !this.stopping && !this.closed) {
        // Back after being away: no reason to wait out a backoff of up to retryMaxMs.
        this.probeSawDown = false;
        this.retryAttempt = 0;
        clearTimeout(this.replayTimer);
        this.replayTimer = undefined;
        if (this.current === 'spooling' && !this.inflight) void this.runReplay();
      }
      setTimeout(() => void tick(), this.probeIntervalMs).unref();
    };
    setTimeout(() => void tick(), this.probeIntervalMs).unref();
  }

  private startDirect(points: StoredPoint[]): InFlight {
    const write: InFlight = { kind: 'direct', points, done: Promise.resolve(false) };
    this.inflight = write;
    write.done = this.finishDirect(write);
    return write;
  }

  private async finishDirect(write: InFlight): Promise<boolean> {
    const ok = await this.attempt(write.points);
    if (this.inflight === write) this.inflight = undefined;
    if (ok) {
      if (write.spooledAs === undefined) this.settle(write.points.length);
      else if (!this.closed && this.spool.oldestRecordNo === write.spooledAs) this.spool.ack(1);
    } else {
      if (write.spooledAs === undefined && !this.closed) this.spoolBatch(write.points);
      this.enterSpooling();
    }
    this.afterWrite();
    return ok;
  }

  /** Starts a write of the oldest spooled points, or returns undefined when the spool is empty. */
  private startReplay(): InFlight | undefined {
    const batch = this.spool.peekBatch(this.replayBatchSize);
    if (!batch) return undefined;
    const write: InFlight = { kind: 'replay', points: batch.points, done: Promise.resolve(false) };
    this.inflight = write;
    write.done = (async () => {
      const ok = await this.attempt(batch.points);
      if (this.inflight === write) this.inflight = undefined;
      if (ok) {
        this.replayed += batch.points.length;
        // Only if those records are still the head: the spool may have dropped them to stay under its size meanwhile.
        if (!this.closed && this.spool.oldestRecordNo === batch.firstRecordNo) this.spool.ack(batch.records);
      }
      return ok;
    })();
    return write;
  }

  private scheduleReplay(delayMs: number): void {
    if (this.replayTimer || this.inflight || this.stopping || this.closed) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      void this.runReplay();
    }, delayMs);
    this.replayTimer.unref();
  }

  /** Replays spooled batches back to back while the sink accepts them; backs off on failure; goes direct once the spool is empty. */
  private async runReplay(): Promise<void> {
    while (this.current === 'spooling' && !this.inflight && !this.stopping && !this.closed) {
      const write = this.startReplay();
      if (!write) {
        this.setState('direct');
        break;
      }
      if (!(await write.done)) {
        this.scheduleReplay(this.nextBackoff());
        return;
      }
      this.retryAttempt = 0;
    }
    if (!this.stopping) this.kick();
  }

  private afterWrite(): void {
    if (this.stopping || this.closed) return;
    if (this.current === 'direct') {
      this.retryAttempt = 0;
      this.kick();
      return;
    }
    // Batches that filled up while the write was in flight queue up behind the spool before the replay starts.
    while (this.batchDue()) this.spoolBatch(this.take());
    if (this.sinkHealthy) void this.runReplay();
    else this.scheduleReplay(this.nextBackoff());
  }

  // ---- stopping ----

  private async runStop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.replayTimer);
    this.flushTimer = undefined;
    this.replayTimer = undefined;

    let expired = false;
    let expire: () => void = () => {};
    const deadline = new Promise<'timeout'>((resolve) => {
      expire = () => resolve('timeout');
    });
    const timer = setTimeout(() => {
      expired = true;
      expire();
    }, this.stopTimeoutMs);
    const within = <T>(work: Promise<T>): Promise<T | 'timeout'> => Promise.race([work, deadline]);

    try {
      if (this.inflight) await within(this.inflight.done);
      // Only hand the sink more if its last write went well: with InfluxDB down, a SIGTERM should not wait for it.
      while (!expired && !this.inflight && this.sinkHealthy) {
        if (this.current === 'spooling') {
          // The queue goes to disk first so that it is safe however the replay below ends.
          while (this.queue.length > 0) this.spoolBatch(this.take());
          const write = this.startReplay();
          if (!write) {
            this.setState('direct');
            continue;
          }
          if ((await within(write.done)) !== true) break;
        } else {
          if (this.queue.length === 0) break;
          // On failure finishDirect spools the batch and switches to spooling; sinkHealthy then ends the loop.
          if ((await within(this.startDirect(this.take()).done)) === 'timeout') break;
        }
      }
    } catch (err) {
      this.log.error({ error: describeError(err) }, 'point buffer: unexpected error while stopping');
    } finally {
      clearTimeout(timer);
    }

    // Whatever did not reach the sink goes to the spool, oldest first. A direct write still hanging is spooled too:
    // if it lands after all, its points are written twice, which InfluxDB absorbs (same series and time = same point).
    const hanging = this.inflight;
    if (hanging?.kind === 'direct' && hanging.spooledAs === undefined) {
      hanging.spooledAs = -1;
      this.spoolBatch(hanging.points);
    }
    while (this.queue.length > 0) this.spoolBatch(this.take());
    if (!this.spool.isEmpty) this.setState('spooling');
    // From here on add() drops (and counts): nothing may land in a queue that no one will write.
    this.closed = true;
    try {
      await this.spool.close();
    } catch (err) {
      this.log.error({ error: describeError(err) }, 'point buffer: closing the spool failed');
    }
    for (const waiter of this.flushWaiters.splice(0)) waiter.resolve();
    const stats = this.stats();
    this.log.info(
      { written: stats.written, spoolPendingPoints: stats.spoolPendingPoints, dropped: stats.dropped },
      'point buffer: stopped',
    );
  }
}

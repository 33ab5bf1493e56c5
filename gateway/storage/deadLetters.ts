/** The points InfluxDB refused for good, kept as JSON lines with their reason in a bounded, owner-only file for a person to look at. */
import { appendFileSync, chmodSync, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../privateFiles.js';
import { describeError, LogThrottle } from './failureLog.js';
import type { RejectedPoint } from './point.js';

export interface DeadLetterOptions {
  /** The folder of the two files, normally `<dataDir>/dead-letters`. */
  dir: string;
  /** Both files together stay under this: past half of it the current file becomes the previous one, whose lines go. */
  maxBytes: number;
  log: Logger;
  now?: () => number;
}

export interface DeadLetterStats {
  /** Points refused since start (also those whose line has since been rotated away or could not be written). */
  points: number;
  /** The newest reason, and when (ms since the epoch). */
  lastReason?: string;
  lastAt?: number;
  /** Where to look: the current file. */
  file: string;
}

export class DeadLetters {
  readonly file: string;
  private readonly previous: string;
  private bytes: number;
  private points = 0;
  private lastReason: string | undefined;
  private lastAt: number | undefined;
  private readonly now: () => number;
  private readonly refusedLog = new LogThrottle();
  private readonly failedLog = new LogThrottle();

  constructor(private readonly options: DeadLetterOptions) {
    ensurePrivateDir(options.dir);
    this.file = join(options.dir, 'dead-letters.jsonl');
    this.previous = join(options.dir, 'dead-letters.1.jsonl');
    this.bytes = existsSync(this.file) ? statSync(this.file).size : 0;
    this.now = options.now ?? Date.now;
  }

  /** Keeps the refused points. Never throws: a disk that cannot take them loses only these lines (logged, throttled). */
  add(rejected: readonly RejectedPoint[]): void {
    if (rejected.length === 0) return;
    const at = this.now();
    this.points += rejected.length;
    this.lastReason = (rejected[rejected.length - 1] as RejectedPoint).reason;
    this.lastAt = at;
    const held = this.refusedLog.take();
    if (held !== undefined) {
      this.options.log.warn(
        { points: rejected.length, reason: this.lastReason, file: this.file, heldBack: held },
        'InfluxDB refused points for good; kept as dead letters, the rest of the batch is stored',
      );
    }
    const time = new Date(at).toISOString();
    const text = rejected.map(({ point, reason }) => `${JSON.stringify({ time, reason, point })}\n`).join('');
    try {
      const size = Buffer.byteLength(text);
      if (this.bytes > 0 && this.bytes + size > this.options.maxBytes / 2) {
        renameSync(this.file, this.previous);
        this.bytes = 0;
      }
      appendFileSync(this.file, text, { mode: PRIVATE_FILE_MODE });
      if (this.bytes === 0) chmodSync(this.file, PRIVATE_FILE_MODE);
      this.bytes += size;
    } catch (err) {
      const heldBack = this.failedLog.take();
      if (heldBack !== undefined) this.options.log.error({ error: describeError(err), heldBack }, 'could not write dead letters');
    }
  }

  stats(): DeadLetterStats {
    return {
      points: this.points,
      ...(this.lastReason === undefined ? {} : { lastReason: this.lastReason, lastAt: this.lastAt }),
      file: this.file,
    };
  }
}

/** Shared fixtures for the storage tests: numbered points, a temp folder, a log that can be read back, and a sink that can be made to fail. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import type { PointSink, RejectedPoint, SinkWriteResult, StoredPoint } from '../../../../gateway/storage/point.js';

const EPOCH_NS = 1_760_000_000_000_000_000n;

/** Point number `seq`: its number is in a field so that order and exactly-once can be checked after a round trip. */
export function point(seq: number): StoredPoint {
  return {
    measurement: 'machine_state',
    tags: { kit: 'kit-01', machine: `press-${seq % 4}` },
    fields: { seq, state: 'RUN', current_a: 12.5, running: true },
    timeNs: String(EPOCH_NS + BigInt(seq) * 1_000_000n),
  };
}

export function points(from: number, count: number): StoredPoint[] {
  return Array.from({ length: count }, (_, i) => point(from + i));
}

export function seqs(batch: readonly StoredPoint[]): number[] {
  return batch.map((p) => p.fields.seq as number);
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Bytes one batch takes in a segment file: 8 header bytes and the JSON payload. */
export function recordBytes(batch: StoredPoint[]): number {
  return 8 + Buffer.byteLength(JSON.stringify(batch), 'utf8');
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'minotake-spool-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.spool')).sort();
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines are kept in memory (level 40 = warn). */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

/**
 * Stands in for InfluxDB: records each batch it accepts (without the points it refuses); can be switched to failing,
 * held so that writes hang until released, or told which points to refuse for good.
 */
export class RecordingSink implements PointSink {
  readonly batches: StoredPoint[][] = [];
  failing = false;
  held = false;
  calls = 0;
  /** A reason for a point the sink refuses for good, or undefined to store it. */
  refuse: (point: StoredPoint) => string | undefined = () => undefined;
  private readonly waiting: Array<() => void> = [];

  async write(batch: StoredPoint[]): Promise<SinkWriteResult> {
    this.calls++;
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8086'), { code: 'ECONNREFUSED' });
    const rejected: RejectedPoint[] = [];
    const stored: StoredPoint[] = [];
    for (const p of batch) {
      const reason = this.refuse(p);
      if (reason) rejected.push({ point: p, reason });
      else stored.push(p);
    }
    this.batches.push(stored);
    return { rejected };
  }

  /** Lets every held write go on (each then fails or succeeds according to `failing`). */
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  get pendingWrites(): number {
    return this.waiting.length;
  }

  /** Every accepted point's number, in the order the sink received them. */
  get writtenSeqs(): number[] {
    return this.batches.flatMap(seqs);
  }
}

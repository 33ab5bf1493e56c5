/** A bounded, append-only on-disk spool of point batches that survives a process kill and a power cut (with a torn last record). */
import {
  close as closeFd,
  closeSync,
  fdatasync,
  fsync,
  ftruncateSync,
  open,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statfsSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../privateFiles.js';
import { describeError, LogThrottle } from './failureLog.js';
import type { StoredPoint } from './point.js';

export type SpoolErrorCode =
  /** The options make no sense (a size that is not positive, a segment larger than the whole spool). */
  | 'SPOOL_BAD_OPTIONS'
  /** append() after close(). */
  | 'SPOOL_CLOSED'
  /** The record could not be written (disk full, I/O error); the segment was cut back to its last good record. */
  | 'SPOOL_WRITE_FAILED';

export class SpoolError extends Error {
  override readonly name = 'SpoolError';

  constructor(
    readonly code: SpoolErrorCode,
    readonly en: string,
    readonly ja: string,
    options?: { cause?: unknown },
  ) {
    super(`${en} / ${ja}`, options);
  }
}

export interface SpoolOptions {
  /** The folder that holds the segment files; created if missing. One spool per folder. */
  dir: string;
  /** Upper bound of the bytes on disk; past it the oldest segments are dropped (and counted). */
  maxBytes: number;
  /** A segment is closed and a new one started once the next record would take it past this size. */
  segmentBytes: number;
  /** How often written records are forced to the card (fdatasync). */
  fsyncIntervalMs: number;
  /**
   * Free space left on the spool's disk for the rest of the system: the oldest segments are dropped before the disk gets
   * fuller than this. Capped at a tenth of the disk, so that a small disk still holds a spool. Default 0.
   */
  keepFreeBytes?: number;
  log: Logger;
}

export interface SpoolStats {
  /** Points appended since open. */
  spooledPoints: number;
  /** Points acknowledged (handed on and removed) since open. */
  replayedPoints: number;
  /** Points lost: the oldest segments dropped to stay under maxBytes, an unreadable tail found while replaying, a batch too big to keep. */
  droppedPoints: number;
  /** Records cut off at the end of a segment (a write that a power cut interrupted). */
  tornRecords: number;
  /** Damaged records with data after them (bit rot, foreign bytes); skipped up to the next good record. */
  corruptRecords: number;
  /** Segments dropped (oldest first) to stay under maxBytes or to keep the disk's free space. */
  droppedSegments: number;
}

/** What peekBatch() hands out: the points of one or more consecutive records and how many records to ack() for them. */
export interface SpoolBatch {
  points: StoredPoint[];
  records: number;
  /** Sequence number of the first record (see Spool.oldestRecordNo). */
  firstRecordNo: number;
}

/** Record header: u32 LE payload length, u32 LE CRC32 of the payload. */
const HEADER_BYTES = 8;
/** The smallest possible payload is `[]`; a zero length is what a zero-filled tail after a power cut looks like. */
const MIN_PAYLOAD_BYTES = 2;
const SEGMENT_NAME = /^seg-(\d{10})\.spool$/;

function segmentName(seq: number): string {
  return `seg-${String(seq).padStart(10, '0')}.spool`;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes of good records from the start of the file: the readable extent. */
  bytes: number;
  /** Size of the file on disk (larger than `bytes` when a damaged tail was left in place). */
  diskBytes: number;
  records: number;
  points: number;
  /** Sequence number of the segment's first record, counted in this process from 0 at open. */
  firstRecordNo: number;
  /** Byte offset of the first record not yet acknowledged. */
  ackedBytes: number;
  ackedRecords: number;
  ackedPoints: number;
  /** Set only on the segment being written. */
  fd?: number;
  /** Records written since the last fdatasync. */
  dirty: boolean;
  /** An fdatasync in flight on fd: the fd must not be closed under it (the number could be reused by another file). */
  syncing?: Promise<void>;
  /** Damaged bytes found at recovery with good records after them: offset → length, skipped when reading. */
  gaps?: Map<number, number>;
}

/** One record parsed from the head segment, waiting to be acknowledged. */
interface ParsedRecord {
  points: StoredPoint[];
  bytes: number;
}

type RecordCheck = { kind: 'good'; points: StoredPoint[]; bytes: number } | { kind: 'end' } | { kind: 'torn' } | { kind: 'corrupt' };

/** Checks the record at `offset` of `buf`, whose end is where the readable data stops. */
function checkRecord(buf: Buffer, offset: number): RecordCheck {
  if (offset === buf.length) return { kind: 'end' };
  if (offset + HEADER_BYTES > buf.length) return { kind: 'torn' };
  const length = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  const end = offset + HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'torn' };
  const damaged = (): RecordCheck => {
    // A record that reaches exactly to the end of the data, or a run of zeros to the end, is what an interrupted
    // write leaves behind (ext4 can extend the file before the data pages reach the card); anything followed by
    // more bytes is damage in the middle.
    if (end === buf.length || isAllZero(buf, offset)) return { kind: 'torn' };
    return { kind: 'corrupt' };
  };
  if (length < MIN_PAYLOAD_BYTES) return damaged();
  const payload = buf.subarray(offset + HEADER_BYTES, end);
  if (crc32(payload) !== crc) return damaged();
  let points: unknown;
  try {
    points = JSON.parse(payload.toString('utf8'));
  } catch {
    return damaged();
  }
  if (!Array.isArray(points)) return damaged();
  return { kind: 'good', points: points as StoredPoint[], bytes: HEADER_BYTES + length };
}

function isAllZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The offset of the first good record after damage at `from`, or undefined when none follows. */
function nextGoodRecord(buf: Buffer, from: number): number | undefined {
  for (let at = from + 1; at + HEADER_BYTES + MIN_PAYLOAD_BYTES <= buf.length; at++) {
    // Every payload is a JSON array: only a '[' where a payload would begin is worth a length and CRC check.
    if (buf[at + HEADER_BYTES] !== 0x5b) continue;
    if (checkRecord(buf, at).kind === 'good') return at;
  }
  return undefined;
}

/** Reads [start, end) of a file with positional reads. */
function readRange(path: string, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => closeFd(fd, (err) => (err ? reject(err) : resolve())));
}

function fsyncDirAsync(dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    open(dir, 'r', (openErr, fd) => {
      if (openErr) return reject(openErr);
      fsync(fd, (syncErr) => closeFd(fd, () => (syncErr ? reject(syncErr) : resolve())));
    }),
  );
}

function positiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

export class Spool {
  private readonly segments: Segment[] = [];
  /** The segment new records go to; undefined until the first append after open or after it was fully acknowledged. */
  private active: Segment | undefined;
  private nextSeq: number;
  private nextRecordNo = 0;
  /** Bytes of the head segment held in memory for replay: [windowStart, windowStart + window.length) of `windowSeq`. */
  private window: Buffer | undefined;
  private windowSeq = -1;
  private windowStart = 0;
  /** Records of the head segment already parsed by a peek, oldest first, starting at head.ackedBytes. */
  private lookahead: ParsedRecord[] = [];
  private readonly syncTimer: NodeJS.Timeout;
  private readonly background = new Set<Promise<void>>();
  /** A new segment file exists whose directory entry has not been forced to the card yet. */
  private dirDirty = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly counters: SpoolStats = {
    spooledPoints: 0,
    replayedPoints: 0,
    droppedPoints: 0,
    tornRecords: 0,
    corruptRecords: 0,
    droppedSegments: 0,
  };
  /** A full spool drops a segment every few seconds: say so once, then summarise. */
  private readonly dropLog = new LogThrottle(10 * 60_000);
  private readonly writeFailureLog = new LogThrottle();

  private constructor(private readonly options: SpoolOptions) {
    this.nextSeq = 1;
    this.recover();
    // Records are written with a synchronous write() each, so they are in the kernel's page cache the moment
    // append() returns: a crash or SIGKILL of this process loses nothing. Only a power cut can lose the page cache,
    // and to bound that loss we fdatasync on a timer instead of per record: an SD card has few erase cycles and a
    // slow sync, and syncing every batch while InfluxDB is away would wear the card and stall the event loop.
    this.syncTimer = setInterval(() => this.syncNow(), options.fsyncIntervalMs);
    this.syncTimer.unref();
  }

  /** Opens (creating if needed) the spool in `dir` and recovers the segments already there, oldest first. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const { maxBytes, segmentBytes, fsyncIntervalMs } = options;
    if (!positiveInteger(maxBytes) || !positiveInteger(segmentBytes) || !positiveInteger(fsyncIntervalMs) || segmentBytes > maxBytes) {
      throw new SpoolError(
        'SPOOL_BAD_OPTIONS',
        `spool options need positive integers and segmentBytes <= maxBytes (got maxBytes=${maxBytes}, segmentBytes=${segmentBytes}, fsyncIntervalMs=${fsyncIntervalMs})`,
        `スプールの設定が不正です（正の整数、かつ segmentBytes <= maxBytes が必要）`,
      );
    }
    ensurePrivateDir(options.dir);
    return new Spool(options);
  }

  get pendingPoints(): number {
    let sum = 0;
    for (const seg of this.segments) sum += seg.points - seg.ackedPoints;
    return sum;
  }

  /** Bytes of records not yet acknowledged. */
  get pendingBytes(): number {
    let sum = 0;
    for (const seg of this.segments) sum += seg.bytes - seg.ackedBytes;
    return sum;
  }

  /** Bytes the segment files take on disk: what maxBytes bounds. */
  get diskBytes(): number {
    let sum = 0;
    for (const seg of this.segments) sum += seg.diskBytes;
    return sum;
  }

  get isEmpty(): boolean {
    return this.segments.every((seg) => seg.ackedRecords >= seg.records);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get stats(): Readonly<SpoolStats> {
    return { ...this.counters };
  }

  /** Sequence number of the oldest record not yet acknowledged (lets a caller check that a record it appended is still the head). */
  get oldestRecordNo(): number | undefined {
    const head = this.headSegment();
    return head ? head.firstRecordNo + head.ackedRecords : undefined;
  }

  /**
   * Appends one batch as one record and returns the record's sequence number. The oldest segments are dropped (and
   * counted) to stay under maxBytes and to keep the disk's free space; when even that cannot make room (the batch alone
   * is larger than the spool, or the disk is full of other files) the batch is dropped, counted, and undefined returned.
   * Throws SpoolError when closed or when the write fails.
   */
  append(points: StoredPoint[]): number | undefined {
    if (this.closed || this.closing) {
      throw new SpoolError('SPOOL_CLOSED', 'the spool is closed', 'スプールは閉じられています');
    }
    const payload = Buffer.from(JSON.stringify(points), 'utf8');
    const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    record.writeUInt32LE(payload.length, 0);
    record.writeUInt32LE(crc32(payload), 4);
    payload.copy(record, HEADER_BYTES);
    const { maxBytes, segmentBytes, log } = this.options;

    if (record.length > maxBytes) {
      this.counters.droppedPoints += points.length;
      log.warn({ points: points.length, recordBytes: record.length, maxBytes }, 'spool: batch larger than the whole spool, dropped');
      return undefined;
    }
    if (this.active && this.active.bytes > 0 && this.active.bytes + record.length > segmentBytes) this.seal(this.active);
    for (let attempt = 0; ; attempt++) {
      if (!this.makeRoom(record.length)) {
        this.counters.droppedPoints += points.length;
        this.logDrop(
          { droppedPoints: points.length, recordBytes: record.length },
          'spool: no room on the disk even with the spool empty, batch dropped',
        );
        return undefined;
      }
      try {
        return this.writeRecord(record, points.length);
      } catch (err) {
        // The disk filled up under us (another program, a margin too small): drop the oldest segment and try once more.
        const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
        if (attempt === 0 && (code === 'ENOSPC' || code === 'EDQUOT') && this.dropOldest('the disk is full')) continue;
        throw err;
      }
    }
  }

  private writeRecord(record: Buffer, points: number): number {
    let seg: Segment;
    try {
      seg = this.active ?? this.startSegment();
    } catch (cause) {
      throw new SpoolError(
        'SPOOL_WRITE_FAILED',
        `could not create a segment in ${this.options.dir}`,
        `スプールのファイルを作成できません: ${this.options.dir}`,
        {
          cause,
        },
      );
    }
    try {
      let done = 0;
      while (done < record.length) done += writeSync(seg.fd as number, record, done, record.length - done);
    } catch (cause) {
      // A half-written record in the middle of a segment would hide every later record from recovery: cut the file
      // back to its last good record, or, if even that fails, stop writing to this file.
      try {
        ftruncateSync(seg.fd as number, seg.bytes);
      } catch {
        this.seal(seg);
      }
      throw new SpoolError('SPOOL_WRITE_FAILED', `could not write to ${seg.path}`, `スプールに書き込めません: ${seg.path}`, { cause });
    }
    seg.bytes += record.length;
    seg.diskBytes = seg.bytes;
    seg.records++;
    seg.points += points;
    seg.dirty = true;
    this.counters.spooledPoints += points;
    const recordNo = seg.firstRecordNo + seg.records - 1;
    this.nextRecordNo = recordNo + 1;
    return recordNo;
  }

  /** The oldest batch not yet acknowledged, or undefined when the spool is empty. */
  peek(): StoredPoint[] | undefined {
    return this.lookAt(0)?.points;
  }

  /**
   * Consecutive records from the head, merged up to `maxPoints` points (always at least one record), for a fast replay.
   * Stops at the end of the head segment: only one segment is held in memory.
   */
  peekBatch(maxPoints: number): SpoolBatch | undefined {
    const first = this.lookAt(0);
    const head = this.headSegment();
    if (!first || !head) return undefined;
    const points = [...first.points];
    let records = 1;
    for (;;) {
      const next = this.lookAt(records);
      if (!next || points.length + next.points.length > maxPoints) break;
      for (const point of next.points) points.push(point);
      records++;
    }
    return { points, records, firstRecordNo: head.firstRecordNo + head.ackedRecords };
  }

  /** Removes the `records` oldest records (default one); a segment file is deleted once all its records are acknowledged. */
  ack(records = 1): void {
    for (let i = 0; i < records; i++) {
      const record = this.lookAt(0);
      const head = this.headSegment();
      if (!record || !head) return;
      this.lookahead.shift();
      head.ackedBytes += record.bytes;
      head.ackedRecords++;
      head.ackedPoints += record.points.length;
      this.counters.replayedPoints += record.points.length;
      // A partly acknowledged segment replays from its start after a restart: every point carries its own timestamp
      // and InfluxDB overwrites a point with the same series and time, so a repeat costs a write, not a duplicate.
      // That is why the ack position is kept in memory only and costs no write to the card.
      if (head.ackedRecords >= head.records) {
        if (head === this.active) {
          // Fully replayed while still being written: delete it now; the next append starts a fresh segment.
          this.active = undefined;
          this.retire(head, false);
        }
        this.removeSegment(head);
      }
    }
  }

  /** Forces written records to the card and closes the spool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.syncTimer);
      // A graceful stop must not leave the last second of records to the page cache: sync before closing.
      if (this.active) this.retire(this.active, true);
      this.active = undefined;
      if (this.dirDirty) this.track(fsyncDirAsync(this.options.dir), 'fsync of the spool folder');
      this.dirDirty = false;
      while (this.background.size > 0) await Promise.all([...this.background]);
      this.window = undefined;
      this.lookahead = [];
      this.closed = true;
    })();
    return this.closing;
  }

  // ---- recovery ----

  private recover(): void {
    const { dir, log } = this.options;
    const files = readdirSync(dir)
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
      .map((f) => ({ name: f.name, seq: Number(f.match[1]) }))
      .sort((a, b) => a.seq - b.seq);

    files.forEach((file, index) => {
      const path = join(dir, file.name);
      this.nextSeq = Math.max(this.nextSeq, file.seq + 1);
      const isLast = index === files.length - 1;
      // One segment at a time in memory; the JSON is parsed once here to know how many points wait on disk.
      const buf = readFileSync(path);
      const seg: Segment = {
        seq: file.seq,
        path,
        bytes: 0,
        diskBytes: buf.length,
        records: 0,
        points: 0,
        firstRecordNo: this.nextRecordNo,
        ackedBytes: 0,
        ackedRecords: 0,
        ackedPoints: 0,
        dirty: false,
      };
      for (;;) {
        const check = checkRecord(buf, seg.bytes);
        if (check.kind === 'good') {
          seg.bytes += check.bytes;
          seg.records++;
          seg.points += check.points.length;
          continue;
        }
        if (check.kind === 'end') break;
        // Damage with good records after it (a flipped bit, foreign bytes, a record a bug wrote): skip just the damage.
        const next = nextGoodRecord(buf, seg.bytes);
        if (next !== undefined) {
          this.counters.corruptRecords++;
          log.warn(
            { segment: file.name, offset: seg.bytes, skippedBytes: next - seg.bytes },
            'spool: damaged record skipped, reading on after it',
          );
          seg.gaps ??= new Map();
          seg.gaps.set(seg.bytes, next - seg.bytes);
          seg.bytes = next;
          continue;
        }
        if (check.kind === 'torn') {
          this.counters.tornRecords++;
          log.warn(
            { segment: file.name, goodBytes: seg.bytes, skippedBytes: buf.length - seg.bytes },
            'spool: torn record at the end of a segment skipped',
          );
          // New records go to a fresh segment, but cut the tail anyway so the next recovery does not report it again.
          truncateSync(path, seg.bytes);
          seg.diskBytes = seg.bytes;
        } else if (check.kind === 'corrupt') {
          this.counters.corruptRecords++;
          log.warn(
            { segment: file.name, goodBytes: seg.bytes, skippedBytes: buf.length - seg.bytes, isLast },
            'spool: damaged record with nothing readable after it; the rest of this segment is skipped',
          );
          // The damaged tail stays on disk for inspection; it is never read and goes with the file once the good part is replayed.
        }
        break;
      }
      if (seg.records === 0) {
        unlinkSync(path);
        return;
      }
      this.nextRecordNo += seg.records;
      this.segments.push(seg);
    });
    if (this.segments.length > 0) {
      log.info({ segments: this.segments.length, points: this.pendingPoints, bytes: this.diskBytes }, 'spool: recovered pending points');
    }
  }

  // ---- writing ----

  private startSegment(): Segment {
    const seq = this.nextSeq++;
    const path = join(this.options.dir, segmentName(seq));
    const fd = openSync(path, 'ax', PRIVATE_FILE_MODE);
    const seg: Segment = {
      seq,
      path,
      bytes: 0,
      diskBytes: 0,
      records: 0,
      points: 0,
      firstRecordNo: this.nextRecordNo,
      ackedBytes: 0,
      ackedRecords: 0,
      ackedPoints: 0,
      fd,
      dirty: false,
    };
    this.segments.push(seg);
    this.active = seg;
    this.dirDirty = true;
    return seg;
  }

  /**
   * Drops the oldest segments until `recordBytes` more fit under maxBytes and leave the disk's free space above the margin;
   * the segment being written goes last, only if nothing else is left. False when nothing is left to drop.
   */
  private makeRoom(recordBytes: number): boolean {
    const { maxBytes } = this.options;
    const disk = this.diskRoom();
    while (this.diskBytes + recordBytes > maxBytes || disk.free - recordBytes < disk.margin) {
      const freed = this.dropOldest(this.diskBytes + recordBytes > maxBytes ? 'maxBytes reached' : 'the disk is nearly full');
      if (freed === undefined) return false;
      // Counted rather than asked again: a dropped file still open for its background sync frees its blocks only on close.
      disk.free += freed;
    }
    return true;
  }

  /** Free bytes on the spool's disk and the margin to keep there (a tenth of the disk at most). */
  private diskRoom(): { free: number; margin: number } {
    const keep = this.options.keepFreeBytes ?? 0;
    try {
      const fs = statfsSync(this.options.dir);
      return { free: fs.bavail * fs.bsize, margin: Math.min(keep, (fs.blocks * fs.bsize) / 10) };
    } catch {
      return { free: Number.POSITIVE_INFINITY, margin: 0 };
    }
  }

  /** Drops the oldest segment (the one being written only if it is the last); returns the bytes freed, or undefined if there was none. */
  private dropOldest(why: string): number | undefined {
    const oldest = this.segments.find((seg) => seg !== this.active) ?? this.active;
    if (!oldest) return undefined;
    const dropped = oldest.points - oldest.ackedPoints;
    this.counters.droppedPoints += dropped;
    this.counters.droppedSegments++;
    this.logDrop(
      { segment: segmentName(oldest.seq), droppedPoints: dropped, why },
      'spool: full, oldest points dropped to keep the newest',
    );
    if (oldest === this.active) {
      this.active = undefined;
      this.retire(oldest, false);
    }
    this.removeSegment(oldest);
    return oldest.diskBytes;
  }

  /** Says once that points are being dropped, then at most every ten minutes how many since (a full disk drops every few seconds). */
  private logDrop(fields: Record<string, unknown>, message: string): void {
    const heldBack = this.dropLog.take();
    if (heldBack !== undefined) {
      this.options.log.warn(
        { ...fields, heldBack, droppedPointsSinceStart: this.counters.droppedPoints, maxBytes: this.options.maxBytes },
        message,
      );
    }
  }

  /**
   * Ends writes to a segment: later records go to a new file. A sealed segment is synced once, in the background,
   * so a power cut can tear at most the segment being written (one sync per segment costs the card little).
   */
  private seal(seg: Segment): void {
    if (this.active === seg) this.active = undefined;
    this.retire(seg, true);
  }

  /** Closes a segment's fd in the background, after any fdatasync in flight on it (and one more if `sync`). */
  private retire(seg: Segment, sync: boolean): void {
    const fd = seg.fd;
    if (fd === undefined) return;
    seg.fd = undefined;
    const needsSync = sync && seg.dirty;
    seg.dirty = false;
    const before = seg.syncing ?? Promise.resolve();
    this.track(
      before.then(() => (needsSync ? fdatasyncAsync(fd) : undefined)).finally(() => closeAsync(fd)),
      `close of ${segmentName(seg.seq)}`,
    );
  }

  private syncNow(): void {
    const seg = this.active;
    if (seg?.fd !== undefined && seg.dirty && !seg.syncing) {
      seg.dirty = false;
      const syncing = this.track(fdatasyncAsync(seg.fd), `fdatasync of ${segmentName(seg.seq)}`).finally(() => {
        seg.syncing = undefined;
      });
      seg.syncing = syncing;
    }
    if (this.dirDirty) {
      // A new file's name lives in the folder: without this a power cut could lose the whole segment, data and all.
      this.dirDirty = false;
      this.track(fsyncDirAsync(this.options.dir), 'fsync of the spool folder');
    }
  }

  /** Runs an fs operation in the background; a failure is logged (the records are still in the page cache), close() waits for it. */
  private track(work: Promise<void>, what: string): Promise<void> {
    const tracked: Promise<void> = work
      .catch((err: unknown) => {
        if (this.writeFailureLog.take() !== undefined) this.options.log.warn({ error: describeError(err) }, `spool: ${what} failed`);
      })
      .finally(() => {
        this.background.delete(tracked);
      });
    this.background.add(tracked);
    return tracked;
  }

  // ---- reading ----

  private headSegment(): Segment | undefined {
    return this.segments.find((seg) => seg.ackedRecords < seg.records);
  }

  /** The `index`-th unacknowledged record of the head segment, parsing it from the in-memory window if needed. */
  private lookAt(index: number): ParsedRecord | undefined {
    if (this.closed) return undefined;
    for (;;) {
      const head = this.headSegment();
      if (!head) return undefined;
      if (this.windowSeq !== head.seq) {
        this.window = undefined;
        this.windowSeq = head.seq;
        this.lookahead = [];
      }
      while (this.lookahead.length <= index) {
        let offset = head.ackedBytes;
        for (const record of this.lookahead) offset += record.bytes;
        if (offset >= head.bytes) return undefined;
        const record = this.parseAt(head, offset);
        if (record === 'corrupt') break;
        this.lookahead.push(record);
      }
      if (this.lookahead.length > index) return this.lookahead[index];
      // The head segment's readable extent was cut at a damaged record: if nothing of it is left, move on to the next one.
      if (head.ackedRecords < head.records) return this.lookahead[index];
    }
  }

  /** The record at `offset`, or after the damaged bytes that recovery found there; its `bytes` include those it skipped. */
  private parseAt(seg: Segment, offset: number): ParsedRecord | 'corrupt' {
    const skip = seg.gaps?.get(offset) ?? 0;
    const start = offset + skip;
    const windowEnd = this.windowStart + (this.window?.length ?? 0);
    if (!this.window || start < this.windowStart || start + HEADER_BYTES > windowEnd || this.recordEnd(start) > windowEnd) {
      // Load the rest of the segment's good records (at most segmentBytes plus one record); for the segment being
      // written this picks up the records appended since the last load.
      this.window = readRange(seg.path, start, seg.bytes);
      this.windowStart = start;
    }
    const local = start - this.windowStart;
    const check = checkRecord(this.window.subarray(0, seg.bytes - this.windowStart), local);
    if (check.kind === 'good') return { points: check.points, bytes: skip + check.bytes };
    this.cutAtDamage(seg, offset);
    return 'corrupt';
  }

  private recordEnd(offset: number): number {
    if (!this.window) return Number.POSITIVE_INFINITY;
    const local = offset - this.windowStart;
    return offset + HEADER_BYTES + this.window.readUInt32LE(local);
  }

  /** A record that was good when written or recovered no longer reads back: skip the rest of its segment and count what is lost. */
  private cutAtDamage(seg: Segment, offset: number): void {
    let keptPoints = seg.ackedPoints;
    for (const record of this.lookahead) keptPoints += record.points.length;
    const lost = seg.points - keptPoints;
    this.counters.corruptRecords++;
    this.counters.droppedPoints += lost;
    this.options.log.warn(
      { segment: segmentName(seg.seq), offset, droppedPoints: lost },
      'spool: record no longer reads back (card damage?); the rest of this segment is skipped',
    );
    seg.records = seg.ackedRecords + this.lookahead.length;
    seg.points = keptPoints;
    seg.bytes = offset;
    // Appending behind damage would make every later record unreachable after a restart.
    if (seg === this.active) this.seal(seg);
    if (seg.ackedRecords >= seg.records) {
      this.retire(seg, false);
      this.removeSegment(seg);
    }
  }

  private removeSegment(seg: Segment): void {
    const index = this.segments.indexOf(seg);
    if (index >= 0) this.segments.splice(index, 1);
    if (this.windowSeq === seg.seq) {
      this.window = undefined;
      this.windowSeq = -1;
      this.lookahead = [];
    }
    try {
      unlinkSync(seg.path);
    } catch (err) {
      this.options.log.warn({ error: describeError(err), segment: segmentName(seg.seq) }, 'spool: could not delete a segment file');
    }
  }
}

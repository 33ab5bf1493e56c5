/** The disk spool against a real temp folder: order across segments, recovery after a torn or corrupt record, the size bound. */
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPoint } from '../../../../gateway/storage/point.js';
import { Spool, SpoolError, type SpoolOptions } from '../../../../gateway/storage/spool.js';
import { captureLog, makeTempDir, points, range, recordBytes, removeDir, segmentFiles, seqs } from './helpers.js';

let dir: string;
const opened: Spool[] = [];

beforeEach(async () => {
  dir = await makeTempDir();
});

afterEach(async () => {
  for (const spool of opened.splice(0)) await spool.close();
  await removeDir(dir);
});

async function openSpool(overrides: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = await Spool.open({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 << 10,
    fsyncIntervalMs: 20,
    log: captureLog().log,
    ...overrides,
  });
  opened.push(spool);
  return spool;
}

/** Batch i holds points [1000 + i*10, ... + size): same digit count, so records of the same size take the same bytes. */
function batch(i: number, size = 3): StoredPoint[] {
  return points(1000 + i * 10, size);
}

/** Peeks and acks until empty; returns the batches in the order handed out. */
function drain(spool: Spool): number[][] {
  const out: number[][] = [];
  for (let batch = spool.peek(); batch; batch = spool.peek()) {
    out.push(seqs(batch));
    spool.ack();
  }
  return out;
}

describe('Spool', () => {
  it('hands batches back in append order across several segments', async () => {
    const oneRecord = recordBytes(batch(0));
    const spool = await openSpool({ segmentBytes: oneRecord * 3 });
    const appended = range(0, 10).map((i) => batch(i));
    for (const b of appended) spool.append(b);

    expect(await segmentFiles(dir)).toEqual([
      'seg-0000000001.spool',
      'seg-0000000002.spool',
      'seg-0000000003.spool',
      'seg-0000000004.spool',
    ]);
    expect(spool.pendingPoints).toBe(30);
    expect(spool.pendingBytes).toBe(appended.reduce((sum, b) => sum + recordBytes(b), 0));
    expect(spool.isEmpty).toBe(false);

    expect(drain(spool)).toEqual(appended.map(seqs));
    expect(spool.isEmpty).toBe(true);
    expect(spool.pendingPoints).toBe(0);
    expect(spool.stats).toMatchObject({ spooledPoints: 30, replayedPoints: 30, droppedPoints: 0, tornRecords: 0 });
  });

  it('peek returns the same batch until it is acknowledged', async () => {
    const spool = await openSpool();
    spool.append(batch(0));
    spool.append(batch(1));
    expect(seqs(spool.peek() ?? [])).toEqual(seqs(batch(0)));
    expect(seqs(spool.peek() ?? [])).toEqual(seqs(batch(0)));
    expect(spool.pendingPoints).toBe(6);
    spool.ack();
    expect(seqs(spool.peek() ?? [])).toEqual(seqs(batch(1)));
    expect(spool.pendingPoints).toBe(3);
  });

  it('deletes a segment file once all its records are acknowledged', async () => {
    const spool = await openSpool({ segmentBytes: recordBytes(batch(0)) * 2 });
    for (const i of range(0, 6)) spool.append(batch(i));
    expect(await segmentFiles(dir)).toHaveLength(3);

    spool.ack();
    expect(await segmentFiles(dir)).toHaveLength(3);
    spool.ack();
    expect(await segmentFiles(dir)).toEqual(['seg-0000000002.spool', 'seg-0000000003.spool']);
    spool.ack(2);
    expect(await segmentFiles(dir)).toEqual(['seg-0000000003.spool']);
    spool.ack(2);
    expect(await segmentFiles(dir)).toEqual([]);
    expect(spool.isEmpty).toBe(true);
  });

  it('replays the segment still being written and starts a new file after it is fully acknowledged', async () => {
    const spool = await openSpool();
    spool.append(batch(0));
    expect(seqs(spool.peek() ?? [])).toEqual(seqs(batch(0)));
    spool.append(batch(1));
    spool.ack();
    expect(seqs(spool.peek() ?? [])).toEqual(seqs(batch(1)));
    spool.ack();
    expect(spool.peek()).toBeUndefined();
    expect(await segmentFiles(dir)).toEqual([]);

    spool.append(batch(2));
    expect(await segmentFiles(dir)).toEqual(['seg-0000000002.spool']);
    expect(drain(spool)).toEqual([seqs(batch(2))]);
  });

  it('merges consecutive records for replay without going past maxPoints or the segment', async () => {
    const spool = await openSpool({ segmentBytes: recordBytes(batch(0)) * 4 });
    for (const i of range(0, 6)) spool.append(batch(i));
    const first = spool.peekBatch(7);
    expect(first?.records).toBe(2);
    expect(seqs(first?.points ?? [])).toEqual([...seqs(batch(0)), ...seqs(batch(1))]);
    spool.ack(first?.records);
    // Two records left in the first segment: the batch stops at its end even though maxPoints would allow more.
    const second = spool.peekBatch(100);
    expect(second?.records).toBe(2);
    expect(seqs(second?.points ?? [])).toEqual([...seqs(batch(2)), ...seqs(batch(3))]);
    spool.ack(second?.records);
    // A record larger than maxPoints still comes out whole.
    expect(spool.peekBatch(1)?.points).toHaveLength(3);
  });

  it('recovers every pending batch after close and reopen, and numbers new segments after the old ones', async () => {
    const segmentBytes = recordBytes(batch(0)) * 3;
    const first = await openSpool({ segmentBytes });
    const appended = range(0, 8).map((i) => batch(i, 1 + (i % 4)));
    for (const b of appended) first.append(b);
    first.ack();
    await first.close();

    const second = await openSpool({ segmentBytes });
    // The partly acknowledged first segment comes back whole (InfluxDB absorbs the repeat).
    expect(second.pendingPoints).toBe(appended.reduce((sum, b) => sum + b.length, 0));
    second.append(batch(20));
    const files = await segmentFiles(dir);
    expect(files[files.length - 1]).toBe(`seg-${String(files.length).padStart(10, '0')}.spool`);
    expect(drain(second)).toEqual([...appended, batch(20)].map(seqs));
  });

  it('has every record in the file as soon as append returns, without close (a killed process loses nothing)', async () => {
    const writer = await openSpool();
    writer.append(batch(0));
    writer.append(batch(1));
    // No close(), no fsync yet: a second reader sees both records through the page cache, as a restarted process would.
    const reader = await openSpool();
    expect(reader.pendingPoints).toBe(6);
    expect(drain(reader)).toEqual([seqs(batch(0)), seqs(batch(1))]);
  });

  it('skips and counts a torn last record, truncates the file to the last good record and recovers the rest', async () => {
    const first = await openSpool({ segmentBytes: recordBytes(batch(0)) * 3 });
    const appended = range(0, 5).map((i) => batch(i));
    for (const b of appended) first.append(b);
    await first.close();

    const files = await segmentFiles(dir);
    const last = join(dir, files[files.length - 1] as string);
    const fullSize = statSync(last).size;
    truncateSync(last, fullSize - 5); // a power cut in the middle of the last write

    const { log, lines } = captureLog();
    const second = await openSpool({ log });
    expect(second.stats.tornRecords).toBe(1);
    expect(second.stats.corruptRecords).toBe(0);
    expect(statSync(last).size).toBe(fullSize - recordBytes(batch(4)));
    expect(second.pendingPoints).toBe(12);
    expect(lines.some((line) => line.level === 40 && line.msg.includes('torn record'))).toBe(true);
    expect(drain(second)).toEqual(appended.slice(0, 4).map(seqs));
  });

  it('treats a zero-filled tail (file grown, data never written) as torn, not corrupt', async () => {
    const first = await openSpool();
    first.append(batch(0));
    first.append(batch(1));
    await first.close();
    const [file] = await segmentFiles(dir);
    appendFileSync(join(dir, file as string), Buffer.alloc(4096));

    const second = await openSpool();
    expect(second.stats).toMatchObject({ tornRecords: 1, corruptRecords: 0 });
    expect(drain(second)).toEqual([seqs(batch(0)), seqs(batch(1))]);
  });

  /** Ten batches of 3 points in segments of four records, closed; returns them and the first segment's path. */
  async function tenBatchesOnDisk(): Promise<{ appended: StoredPoint[][]; firstSegment: string; oneRecord: number }> {
    const oneRecord = recordBytes(batch(0));
    const first = await openSpool({ segmentBytes: oneRecord * 4 });
    const appended = range(0, 10).map((i) => batch(i));
    for (const b of appended) first.append(b);
    await first.close();
    const files = await segmentFiles(dir);
    expect(files).toHaveLength(3);
    return { appended, firstSegment: join(dir, files[0] as string), oneRecord };
  }

  /** Overwrites bytes of a file at `at`. */
  function damage(path: string, at: number, change: (bytes: Buffer) => void): void {
    const bytes = readFileSync(path);
    change(bytes.subarray(at));
    writeFileSync(path, bytes);
  }

  it('skips only a corrupt record in the middle of a segment, warns, and reads on after it', async () => {
    const { appended, firstSegment, oneRecord } = await tenBatchesOnDisk();
    // Flip one payload byte of the second record of the first segment: its CRC no longer matches.
    damage(firstSegment, oneRecord + 8 + 20, (b) => {
      b[0] = (b[0] as number) ^ 0xff;
    });

    const { log, lines } = captureLog();
    const second = await openSpool({ log });
    expect(second.stats.corruptRecords).toBe(1);
    expect(second.stats.tornRecords).toBe(0);
    expect(lines.some((line) => line.level === 40 && line.msg.includes('damaged record skipped'))).toBe(true);
    expect(second.pendingPoints).toBe(9 * 3);
    expect(drain(second)).toEqual(appended.filter((_, i) => i !== 1).map(seqs));
  });

  it('reads on after a record whose length field is damaged (it would otherwise look like a torn end)', async () => {
    const { appended, firstSegment, oneRecord } = await tenBatchesOnDisk();
    damage(firstSegment, oneRecord, (b) => b.writeUInt32LE(0x7fffffff, 0));
    const second = await openSpool();
    expect(second.stats).toMatchObject({ corruptRecords: 1, tornRecords: 0 });
    expect(drain(second)).toEqual(appended.filter((_, i) => i !== 1).map(seqs));
  });

  it('skips a record whose checksum is right but whose content is not a batch (written by a bug), and reads on', async () => {
    const { appended, firstSegment, oneRecord } = await tenBatchesOnDisk();
    // Same length, valid CRC, but JSON that is not an array: only the CRC-checked parse can tell.
    damage(firstSegment, oneRecord, (b) => {
      const length = b.readUInt32LE(0);
      const payload = Buffer.from(`{"x":"${'y'.repeat(length - 8)}"}`);
      payload.copy(b, 8);
      b.writeUInt32LE(crc32(payload), 4);
    });
    const second = await openSpool();
    expect(second.stats.corruptRecords).toBe(1);
    expect(drain(second)).toEqual(appended.filter((_, i) => i !== 1).map(seqs));
  });

  it('counts the points lost when a record no longer reads back during replay', async () => {
    const appended = range(0, 6).map((i) => batch(i, 2 + i));
    // The first segment holds exactly the first four records.
    const spool = await openSpool({ segmentBytes: appended.slice(0, 4).reduce((sum, b) => sum + recordBytes(b), 0) });
    for (const b of appended) spool.append(b);
    const [firstFile] = await segmentFiles(dir);
    const path = join(dir, firstFile as string);
    // Damage the third record of the first (sealed, not yet read) segment behind the spool's back.
    const bytes = readFileSync(path);
    const at = recordBytes(appended[0] as StoredPoint[]) + recordBytes(appended[1] as StoredPoint[]) + 8 + 3;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(path, bytes);

    expect(drain(spool)).toEqual([appended[0], appended[1], appended[4], appended[5]].map((b) => seqs(b as StoredPoint[])));
    // Records 2 and 3 of that segment hold 4 + 5 points.
    expect(spool.stats).toMatchObject({ droppedPoints: 9, corruptRecords: 1 });
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('drops the oldest whole segments past maxBytes and counts exactly the points dropped', async () => {
    const sizes = range(0, 30).map((i) => 1 + (i % 5));
    const appended = sizes.map((size, i) => batch(i, size));
    const biggest = Math.max(...appended.map(recordBytes));
    const segmentBytes = biggest * 3;
    const maxBytes = segmentBytes * 3;
    const { log, lines } = captureLog();
    const spool = await openSpool({ segmentBytes, maxBytes, log });

    for (const b of appended) {
      spool.append(b);
      expect(spool.diskBytes).toBeLessThanOrEqual(maxBytes);
    }
    const replayed = drain(spool);
    const kept = appended.slice(appended.length - replayed.length);
    // What comes back is exactly the newest batches, in order; everything before them was dropped and counted.
    expect(replayed).toEqual(kept.map(seqs));
    const droppedPoints = appended.slice(0, appended.length - replayed.length).reduce((sum, b) => sum + b.length, 0);
    expect(droppedPoints).toBeGreaterThan(0);
    expect(spool.stats.droppedPoints).toBe(droppedPoints);
    expect(spool.stats.spooledPoints).toBe(sizes.reduce((a, b) => a + b, 0));
    // Said once, not once per segment: a full spool on a slow outage drops one every few seconds.
    expect(spool.stats.droppedSegments).toBeGreaterThan(1);
    expect(lines.filter((line) => line.level === 40 && line.msg.includes('oldest points dropped')).length).toBe(1);
  });

  it('does not count acknowledged points of a dropped head segment as dropped', async () => {
    const oneRecord = recordBytes(batch(0));
    const spool = await openSpool({ segmentBytes: oneRecord * 2, maxBytes: oneRecord * 4 });
    for (const i of range(0, 4)) spool.append(batch(i));
    spool.ack(); // one of the two records of the first segment is already in the sink
    spool.append(batch(4)); // needs room: the first segment goes
    expect(spool.stats.droppedPoints).toBe(3);
    expect(drain(spool)).toEqual([2, 3, 4].map((i) => seqs(batch(i))));
  });

  it('drops (and counts) a batch larger than the whole spool instead of emptying the spool for it', async () => {
    const small = batch(0);
    const spool = await openSpool({ segmentBytes: recordBytes(small) * 2, maxBytes: recordBytes(small) * 4 });
    spool.append(small);
    expect(spool.append(points(100, 50))).toBeUndefined();
    expect(spool.stats.droppedPoints).toBe(50);
    expect(drain(spool)).toEqual([seqs(small)]);
  });

  it('keeps order and durability across close: append after close is refused', async () => {
    const spool = await openSpool();
    spool.append(batch(0));
    await spool.close();
    await spool.close();
    expect(() => spool.append(batch(1))).toThrowError(SpoolError);
    try {
      spool.append(batch(1));
    } catch (err) {
      expect((err as SpoolError).code).toBe('SPOOL_CLOSED');
    }
    const reopened = await openSpool();
    expect(drain(reopened)).toEqual([seqs(batch(0))]);
  });

  it('rejects options that cannot work', async () => {
    await expect(openSpool({ segmentBytes: 2 << 20, maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'SPOOL_BAD_OPTIONS' });
    await expect(openSpool({ fsyncIntervalMs: 0 })).rejects.toMatchObject({ code: 'SPOOL_BAD_OPTIONS' });
  });

  it('removes empty segment files left by a crash right after a segment was created', async () => {
    writeFileSync(join(dir, 'seg-0000000007.spool'), Buffer.alloc(0));
    const spool = await openSpool();
    expect(spool.isEmpty).toBe(true);
    expect(await segmentFiles(dir)).toEqual([]);
    spool.append(batch(0));
    expect(await segmentFiles(dir)).toEqual(['seg-0000000008.spool']);
  });

  it('numbers records so a caller can tell whether its record is still the head', async () => {
    const spool = await openSpool();
    const a = spool.append(batch(0));
    const b = spool.append(batch(1));
    expect(spool.oldestRecordNo).toBe(a);
    spool.ack();
    expect(spool.oldestRecordNo).toBe(b);
    spool.ack();
    expect(spool.oldestRecordNo).toBeUndefined();
  });
});

/** The point buffer with a real spool in a temp folder and an in-test sink that can go down: batching, order across an outage, stop, memory bound. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RejectedPoint, StoredPoint } from '../../../../gateway/storage/point.js';
import { PointBuffer, type PointBufferOptions, type PointBufferState } from '../../../../gateway/storage/pointBuffer.js';
import { Spool } from '../../../../gateway/storage/spool.js';
import { captureLog, makeTempDir, point, points, RecordingSink, range, removeDir, segmentFiles, seqs } from './helpers.js';

let dir: string;
const running: PointBuffer[] = [];

beforeEach(async () => {
  dir = await makeTempDir();
});

afterEach(async () => {
  vi.useRealTimers();
  for (const buffer of running.splice(0)) await buffer.stop();
  await removeDir(dir);
});

function openSpool(): Promise<Spool> {
  return Spool.open({ dir, maxBytes: 64 << 20, segmentBytes: 256 << 10, fsyncIntervalMs: 20, log: captureLog().log });
}

async function makeBuffer(sink: RecordingSink, options: Partial<PointBufferOptions> = {}): Promise<{ buffer: PointBuffer; spool: Spool }> {
  const spool = options.spool ?? (await openSpool());
  const buffer = new PointBuffer({ sink, spool, log: captureLog().log, retryMinMs: 5, retryMaxMs: 20, ...options });
  running.push(buffer);
  return { buffer, spool };
}

/** Lets pending promise callbacks and I/O run (real timers). */
function settleIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('PointBuffer', () => {
  it('writes a batch as soon as batchSize points are queued, one write at a time', async () => {
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 4, flushIntervalMs: 60_000 });
    sink.held = true;
    buffer.addMany(points(0, 4));
    buffer.addMany(points(4, 6)); // 6 more while the first write is in flight
    expect(sink.calls).toBe(1);
    sink.release();
    await vi.waitFor(() => expect(sink.batches).toHaveLength(2));
    await settleIo();
    // The last two points are not a full batch and the time trigger is a minute away: they wait in memory.
    expect(sink.batches.map(seqs)).toEqual([range(0, 4), range(4, 4)]);
    expect(buffer.stats()).toMatchObject({ received: 10, written: 8, queued: 2, state: 'direct' });
    await buffer.flush();
    expect(sink.batches.map(seqs)).toEqual([range(0, 4), range(4, 4), range(8, 2)]);
  });

  it('writes a partial batch once the oldest point has waited flushIntervalMs', async () => {
    vi.useFakeTimers();
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 100, flushIntervalMs: 1000 });
    buffer.add(point(0));
    await vi.advanceTimersByTimeAsync(500);
    buffer.add(point(1));
    await vi.advanceTimersByTimeAsync(499);
    expect(sink.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches.map(seqs)).toEqual([[0, 1]]);
    expect(buffer.stats().lastWriteAt).toBe(Date.now());

    // The clock starts again with the next point, not with the last write.
    await vi.advanceTimersByTimeAsync(5000);
    buffer.add(point(2));
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches.map(seqs)).toEqual([[0, 1], [2]]);
  });

  it('flush() writes what is queued now without waiting for a full batch', async () => {
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 1000, flushIntervalMs: 60_000 });
    buffer.addMany(points(0, 3));
    await buffer.flush();
    expect(sink.writtenSeqs).toEqual([0, 1, 2]);
    await buffer.flush(); // nothing queued: resolves at once
    expect(sink.calls).toBe(1);
  });

  it('keeps every point exactly once and in order across a sink outage', async () => {
    const sink = new RecordingSink();
    const states: PointBufferState[] = [];
    const { buffer, spool } = await makeBuffer(sink, { batchSize: 50, flushIntervalMs: 10, onStateChange: (state) => states.push(state) });

    buffer.addMany(points(0, 120));
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(120));

    sink.failing = true;
    let next = 120;
    for (let round = 0; round < 10; round++) {
      buffer.addMany(points(next, 37));
      next += 37;
      await settleIo();
    }
    await vi.waitFor(() => expect(buffer.stats().queued).toBe(0));
    expect(buffer.state).toBe('spooling');
    expect(spool.pendingPoints).toBe(370);
    expect((await segmentFiles(dir)).length).toBeGreaterThan(0);
    expect(buffer.stats().writeErrors).toBeGreaterThan(0);
    expect(buffer.stats().lastError).toContain('ECONNREFUSED');

    sink.failing = false;
    buffer.addMany(points(next, 25)); // arrives while the spool is replayed: must come after it
    next += 25;
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(next));
    expect(sink.writtenSeqs).toEqual(range(0, next));
    expect(buffer.state).toBe('direct');
    expect(states).toEqual(['spooling', 'direct']);
    expect(spool.isEmpty).toBe(true);
    expect(await segmentFiles(dir)).toEqual([]);
    expect(buffer.stats()).toMatchObject({ received: next, written: next, dropped: 0, spoolPendingPoints: 0 });
    // The 25 late points went direct or, if their batch fell due while the replay ran, through the spool.
    expect(buffer.stats().replayed).toBeGreaterThanOrEqual(370);
    expect(buffer.stats().replayed).toBeLessThanOrEqual(395);
  });

  it('retries the spool with backoff while the sink stays down', async () => {
    vi.useFakeTimers();
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 10, retryMinMs: 100, retryMaxMs: 1000 });
    sink.failing = true;
    buffer.addMany(points(0, 10));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toBe(1);
    // Backoff doubles from 100 ms (with jitter of at most a quarter down) and stops growing at 1000 ms.
    await vi.advanceTimersByTimeAsync(100);
    expect(sink.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    const callsAfterTenSeconds = sink.calls;
    expect(callsAfterTenSeconds).toBeGreaterThan(8);
    expect(callsAfterTenSeconds).toBeLessThan(20);
    sink.failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.writtenSeqs).toEqual(range(0, 10));
    expect(buffer.state).toBe('direct');
  });

  it('stop() with the sink down leaves everything in the spool, and the next run writes it all once the sink is up', async () => {
    const sink = new RecordingSink();
    const first = await makeBuffer(sink, { batchSize: 40, flushIntervalMs: 60_000 });
    first.buffer.addMany(points(0, 40));
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(40));
    sink.failing = true;
    first.buffer.addMany(points(40, 100)); // two full batches fail and go to the spool, 20 stay queued
    await vi.waitFor(() => expect(first.buffer.stats().queued).toBe(20));
    await first.buffer.stop();
    expect(first.buffer.stats()).toMatchObject({ queued: 0, spoolPendingPoints: 100, dropped: 0, state: 'spooling' });
    expect((await segmentFiles(dir)).length).toBeGreaterThan(0);
    first.buffer.add(point(999)); // after stop: dropped and counted, never thrown
    expect(first.buffer.stats().dropped).toBe(1);

    sink.failing = false;
    const second = await makeBuffer(sink, { spool: await openSpool(), batchSize: 40, flushIntervalMs: 10 });
    expect(second.buffer.state).toBe('spooling');
    second.buffer.addMany(points(140, 10));
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(150));
    expect(sink.writtenSeqs).toEqual(range(0, 150));
    await vi.waitFor(() => expect(second.buffer.state).toBe('direct'));
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('stop() writes the queue when the sink is up and leaves no spool behind', async () => {
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 30, flushIntervalMs: 60_000 });
    buffer.addMany(points(0, 75));
    await buffer.stop();
    expect(sink.writtenSeqs).toEqual(range(0, 75));
    expect(buffer.stats().spoolPendingPoints).toBe(0);
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('stop() gives up on a hanging sink after stopTimeoutMs and spools what was not written', async () => {
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 10, flushIntervalMs: 60_000, stopTimeoutMs: 50 });
    sink.held = true;
    buffer.addMany(points(0, 25)); // one batch hangs in the sink, 15 wait in memory
    await buffer.stop();
    expect(buffer.stats()).toMatchObject({ queued: 0, spoolPendingPoints: 25 });

    const reopened = await openSpool();
    const recovered: number[] = [];
    for (let batch = reopened.peek(); batch; batch = reopened.peek()) {
      recovered.push(...seqs(batch));
      reopened.ack();
    }
    await reopened.close();
    expect(recovered).toEqual(range(0, 25));
    sink.release();
  });

  it('never holds more than maxQueuedPoints in memory with a slow sink, and writes each point once, in order', async () => {
    const sink = new RecordingSink();
    const { buffer, spool } = await makeBuffer(sink, { batchSize: 100, maxQueuedPoints: 300, flushIntervalMs: 60_000 });
    sink.held = true; // InfluxDB answers, but very slowly
    let maxQueued = 0;
    for (const p of points(0, 2000)) {
      buffer.add(p);
      maxQueued = Math.max(maxQueued, buffer.stats().queued);
    }
    expect(maxQueued).toBeLessThanOrEqual(300);
    expect(sink.pendingWrites).toBe(1);
    expect(buffer.state).toBe('spooling');
    // The batch in flight and everything after it wait in the spool.
    expect(spool.pendingPoints).toBe(2000);

    sink.release();
    await buffer.flush();
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(2000));
    // The batch that was in flight was acknowledged in the spool when its write landed: not written twice.
    expect(sink.writtenSeqs).toEqual(range(0, 2000));
    await vi.waitFor(() => expect(buffer.state).toBe('direct'));
    expect(spool.isEmpty).toBe(true);
  });

  it('keeps order when the write in flight fails after the queue spilled to the spool', async () => {
    const sink = new RecordingSink();
    const { buffer } = await makeBuffer(sink, { batchSize: 100, maxQueuedPoints: 200, flushIntervalMs: 60_000 });
    sink.held = true;
    sink.failing = true;
    buffer.addMany(points(0, 100)); // in flight, will fail
    buffer.addMany(points(100, 250)); // over the bound: spills behind the batch in flight
    sink.release();
    await vi.waitFor(() => expect(buffer.stats().writeErrors).toBeGreaterThan(0));
    expect(buffer.stats().queued).toBe(50); // less than a batch: waits for its time
    sink.failing = false;
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(300));
    await buffer.flush();
    await vi.waitFor(() => expect(sink.writtenSeqs).toHaveLength(350));
    expect(sink.writtenSeqs).toEqual(range(0, 350));
  });

  it('never throws from add(), even when the sink throws synchronously', async () => {
    const spool = await openSpool();
    const calls: StoredPoint[][] = [];
    let throwing = true;
    const sink = new RecordingSink();
    sink.write = (batch: StoredPoint[]) => {
      if (throwing) throw new TypeError('sink bug');
      calls.push(batch);
      return Promise.resolve({ rejected: [] });
    };
    const { buffer } = await makeBuffer(sink, { spool, batchSize: 5, flushIntervalMs: 60_000 });
    expect(() => buffer.addMany(points(0, 12))).not.toThrow();
    await vi.waitFor(() => expect(buffer.stats().queued).toBe(2));
    expect(buffer.stats().lastError).toBe('sink bug');
    throwing = false;
    await buffer.flush();
    await vi.waitFor(() => expect(calls.flatMap(seqs)).toEqual(range(0, 12)));
  });
});

describe('PointBuffer with points the sink refuses for good', () => {
  it('stores the rest of the batch, hands the refused points to the dead letters once, and never retries them', async () => {
    const sink = new RecordingSink();
    sink.refuse = (p) => ((p.fields.seq as number) % 10 === 3 ? 'partial write: points beyond retention policy dropped=1' : undefined);
    const kept: RejectedPoint[] = [];
    const { buffer } = await makeBuffer(sink, { batchSize: 20, flushIntervalMs: 60_000, deadLetters: { add: (r) => kept.push(...r) } });
    buffer.addMany(points(0, 40));
    await buffer.flush();
    expect(sink.writtenSeqs).toEqual(range(0, 40).filter((seq) => seq % 10 !== 3));
    expect(kept.map((r) => (r.point as StoredPoint).fields.seq)).toEqual([3, 13, 23, 33]);
    expect(kept[0]?.reason).toContain('beyond retention');
    expect(sink.calls).toBe(2); // one write per batch: a refusal is not an outage
    expect(buffer.stats()).toMatchObject({ received: 40, written: 36, rejected: 4, writeErrors: 0, spooled: 0, state: 'direct' });
  });

  it('replays a spool whose head batch holds a refused point and goes on with everything behind it', async () => {
    const spool = await openSpool();
    spool.append(points(0, 5));
    spool.append(points(5, 5));
    const sink = new RecordingSink();
    sink.refuse = (p) => (p.fields.seq === 2 ? 'field type conflict' : undefined);
    const kept: RejectedPoint[] = [];
    const { buffer } = await makeBuffer(sink, { spool, deadLetters: { add: (r) => kept.push(...r) } });
    await vi.waitFor(() => expect(buffer.state).toBe('direct'));
    expect(sink.writtenSeqs).toEqual(range(0, 10).filter((seq) => seq !== 2));
    expect(kept).toHaveLength(1);
    expect(spool.isEmpty).toBe(true);
    expect(buffer.stats()).toMatchObject({ rejected: 1, replayed: 10 });
  });

  it('starts the replay as soon as a probe finds the sink back, without waiting out a long backoff', async () => {
    const sink = new RecordingSink();
    let answers = false;
    const probes: boolean[] = [];
    Object.assign(sink, {
      probe: async () => {
        probes.push(answers);
        return answers;
      },
    });
    const { buffer } = await makeBuffer(sink, { batchSize: 5, probeIntervalMs: 20, retryMinMs: 600_000, retryMaxMs: 600_000 });
    sink.failing = true;
    buffer.addMany(points(0, 5));
    await vi.waitFor(() => expect(buffer.state).toBe('spooling'));
    await vi.waitFor(() => expect(probes).toContain(false));
    sink.failing = false;
    answers = true;
    // The next write attempt by backoff alone would be ten minutes away.
    await vi.waitFor(() => expect(buffer.state).toBe('direct'));
    expect(sink.writtenSeqs).toEqual(range(0, 5));
  });

  it('logs an outage once with message and code, not once per retry and never the error object', async () => {
    const sink = new RecordingSink();
    const { log, lines } = captureLog();
    const { buffer } = await makeBuffer(sink, { batchSize: 5, log, retryMinMs: 2, retryMaxMs: 4 });
    sink.failing = true;
    buffer.addMany(points(0, 5));
    await vi.waitFor(() => expect(buffer.stats().writeErrors).toBeGreaterThan(20));
    const failures = lines.filter((line) => line.msg.includes('sink unavailable'));
    expect(failures).toHaveLength(1);
    // Message and code only: no stack, no request object.
    expect(failures[0]?.error).toEqual({ message: 'connect ECONNREFUSED 127.0.0.1:8086', code: 'ECONNREFUSED' });
    sink.failing = false;
    await vi.waitFor(() => expect(buffer.state).toBe('direct'));
    expect(lines.filter((line) => line.msg.includes('sink answers again'))).toHaveLength(1);
  });
});

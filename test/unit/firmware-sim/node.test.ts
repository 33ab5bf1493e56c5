import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeFrame, type SimFrame } from '../../../firmware-sim/encoder.js';
import { localClockToMs, localDayIndex } from '../../../firmware-sim/localTime.js';
import { type LineKind, SimNode } from '../../../firmware-sim/node.js';
import { loadScenario, type Scenario } from '../../../firmware-sim/scenario.js';
import { checkLine, MemorySink, splitWire } from './lineCheck.js';

const TZ = 540;
const DAY = localDayIndex(Date.UTC(2025, 5, 2, 3), TZ);
const localTime = (minutes: number, seconds = 0) => localClockToMs(DAY, minutes, TZ) + seconds * 1000;

let normalDay: Scenario;
let breakdown: Scenario;
beforeAll(async () => {
  normalDay = await loadScenario('normal-day');
  breakdown = await loadScenario('breakdown');
});

interface Recorded {
  line: string;
  frame: SimFrame | null;
  kind: LineKind;
}

function recorder() {
  const lines: Recorded[] = [];
  return { lines, onLine: (line: string, frame: SimFrame | null, kind: LineKind) => lines.push({ line, frame, kind }) };
}

function useFakeClock(startMs: number) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(startMs);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SimNode at 1 line/s (fake clock)', () => {
  it('sends a hello with seq 0, then I lines each second, C every 2 s, heartbeat every 10 s, hello every 60 s', async () => {
    useFakeClock(localTime(10 * 60));
    const sink = new MemorySink();
    const rec = recorder();
    const node = new SimNode(sink, normalDay, { onLine: rec.onLine });
    node.start();
    await vi.advanceTimersByTimeAsync(120_000);
    await node.stop();

    const { lines, rest } = splitWire(sink.text());
    expect(rest).toBe('');
    expect(lines).toEqual(rec.lines.map((r) => r.line));
    const kinds = rec.lines.map((r) => r.kind);
    const count = (kind: LineKind) => kinds.filter((k) => k === kind).length;
    // Ticks at 0, 1, …, 120 s.
    expect(count('current')).toBe(121);
    expect(count('climate')).toBe(61);
    expect(count('heartbeat')).toBe(12);
    expect(count('hello')).toBe(3);
    expect(lines).toHaveLength(121 + 61 + 12 + 3);
    expect(lines[0]).toBe('M1,0,H,node-a,1.2.0,ct1:I;ct2:I;ct3:I;ct4:I;env1:C*9129');
    expect(kinds.slice(0, 3)).toEqual(['hello', 'current', 'climate']);

    lines.forEach((line, index) => {
      const checked = checkLine(line);
      expect(checked, line).not.toBeNull();
      expect(checked?.crcOk).toBe(true);
      expect(checked?.seq).toBe(index);
      expect(line.length).toBeLessThanOrEqual(160);
    });
    // Every good line is exactly its frame, encoded.
    for (const r of rec.lines) expect(encodeFrame(r.frame as SimFrame)).toBe(r.line);
    const uptimes = rec.lines.flatMap((r) => (r.frame?.type === 'heartbeat' ? [r.frame.uptimeS] : []));
    expect(uptimes).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const currentFrame = rec.lines.find((r) => r.frame?.type === 'current')?.frame as Extract<SimFrame, { type: 'current' }>;
    expect(Object.keys(currentFrame.amps)).toEqual(['ct1', 'ct2', 'ct3', 'ct4']);

    const sent = node.sentCount;
    expect(sent).toMatchObject({ lines: lines.length, hello: 3, current: 121, climate: 61, heartbeat: 12, sensorError: 0, badChecksum: 0 });
    expect(sent.readings).toBe(121 * 4 + 61);
    expect(sent.bytes).toBe(Buffer.byteLength(sink.text(), 'latin1'));
  });

  it('shows the machines of the scenario: running at 10:00, off at 03:00', async () => {
    useFakeClock(localTime(3 * 60));
    const night = recorder();
    const nightNode = new SimNode(new MemorySink(), normalDay, { onLine: night.onLine, startAt: localTime(3 * 60) });
    nightNode.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await nightNode.stop();
    const nightAmps = night.lines.flatMap((r) => (r.frame?.type === 'current' && r.kind === 'current' ? Object.values(r.frame.amps) : []));
    expect(nightAmps.length).toBe(31 * 4);
    expect(Math.max(...nightAmps)).toBeLessThanOrEqual(0.2);

    const day = recorder();
    const dayNode = new SimNode(new MemorySink(), normalDay, { onLine: day.onLine, startAt: localTime(10 * 60), speed: 60 });
    dayNode.start();
    await vi.advanceTimersByTimeAsync(60_000); // an hour of shop floor
    await dayNode.stop();
    const dayAmps = day.lines.flatMap((r) => (r.frame?.type === 'current' ? Object.values(r.frame.amps) : []));
    expect(Math.max(...dayAmps)).toBeGreaterThan(10);
  });

  it('applies an override from the next tick: forced run shows inrush, forced off reads ~0, null resumes the schedule', async () => {
    useFakeClock(localTime(2 * 60));
    const rec = recorder();
    const node = new SimNode(new MemorySink(), normalDay, { onLine: rec.onLine });
    const ct1 = () => {
      const frames = rec.lines.filter((r) => r.frame?.type === 'current').map((r) => r.frame as Extract<SimFrame, { type: 'current' }>);
      return (frames[frames.length - 1] as { amps: Record<string, number> }).amps.ct1 as number;
    };
    node.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(ct1()).toBeLessThanOrEqual(0.2); // 02:00: off

    node.setOverride('ct1', 'run');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ct1()).toBeGreaterThanOrEqual(3 * 18); // the start-up inrush of an 18 A machine
    await vi.advanceTimersByTimeAsync(5000);
    expect(ct1()).toBeGreaterThan(0.8 * 18);
    expect(ct1()).toBeLessThan(1.3 * 18);

    node.setOverride('ct1', 'idle');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ct1()).toBeGreaterThan(1.5);
    expect(ct1()).toBeLessThan(3);

    node.setOverride('ct1', 'off');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ct1()).toBeLessThanOrEqual(0.2);

    node.setOverride('ct1', 'run');
    await vi.advanceTimersByTimeAsync(3000);
    node.setOverride('ct1', null);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ct1()).toBeLessThanOrEqual(0.2); // back to the night schedule
    await node.stop();

    expect(() => node.setOverride('env1', 'run')).toThrow(/not a current channel/);
    expect(() => node.setOverride('ct9', 'off')).toThrow(/not a current channel/);
  });

  it('replaces climate lines with X lines during a scheduled sensor outage, and fires one-shot faults at their time', async () => {
    useFakeClock(0);
    const rec = recorder();
    const quiet = { badChecksumRate: 0, garbageRate: 0, truncatedRate: 0, overlongRate: 0 };
    const node = new SimNode(new MemorySink(), breakdown, { onLine: rec.onLine, startAt: localTime(13 * 60 + 59, 50), faults: quiet });
    node.start();
    await vi.advanceTimersByTimeAsync(30_000); // 13:59:50 → 14:00:20
    await node.stop();
    const climate = rec.lines.filter((r) => r.kind === 'climate');
    const errors = rec.lines.filter((r) => r.kind === 'sensorError');
    expect(climate).toHaveLength(5); // 13:59:50, 52, 54, 56, 58
    expect(errors.length).toBe(11); // 14:00:00 … 14:00:20 every 2 s
    for (const e of errors) expect(e.line).toMatch(/^M1,\d+,X,env1,I2C_NACK\*[0-9A-F]{4}$/);
    expect(rec.lines.filter((r) => r.kind === 'current')).toHaveLength(31); // currents keep flowing

    vi.setSystemTime(0);
    const later = recorder();
    // One tick per simulated minute, 14:55 → 15:35: the 15:00 garbage and the 15:30 overlong line fire once.
    const fast = new SimNode(new MemorySink(), breakdown, {
      onLine: later.onLine,
      startAt: localTime(14 * 60 + 55),
      speed: 60,
      faults: quiet,
    });
    fast.start();
    await vi.advanceTimersByTimeAsync(40_000);
    await fast.stop();
    const garbage = later.lines.filter((r) => r.kind === 'garbage');
    expect(garbage).toHaveLength(1);
    expect(garbage[0]?.line).toHaveLength(16);
    const overlong = later.lines.filter((r) => r.kind === 'overlong');
    expect(overlong).toHaveLength(1);
    expect(overlong[0]?.line).toHaveLength(220);
  });
});

describe('SimNode fault injection', () => {
  async function running() {
    useFakeClock(localTime(10 * 60));
    const sink = new MemorySink();
    const rec = recorder();
    const node = new SimNode(sink, normalDay, { onLine: rec.onLine });
    node.start();
    await vi.advanceTimersByTimeAsync(2000);
    return { sink, rec, node };
  }
  const lastSeq = (rec: ReturnType<typeof recorder>) => {
    const numbered = rec.lines.filter((r) => r.kind !== 'garbage').map((r) => Number(r.line.split(',')[1]));
    return numbered[numbered.length - 1] as number;
  };

  it('writes a bad-checksum line that uses up a sequence number', async () => {
    const { sink, rec, node } = await running();
    const before = lastSeq(rec);
    const line = node.injectBadChecksum();
    const checked = checkLine(line);
    expect(checked).not.toBeNull();
    expect(checked?.type).toBe('I');
    expect(checked?.seq).toBe(before + 1);
    expect(checked?.crcOk).toBe(false);
    expect(sink.text().endsWith(`${line}\r\n`)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    const next = rec.lines[rec.lines.length - 1] as Recorded;
    expect(checkLine(next.line)?.seq).toBe(before + 2);
    expect(checkLine(next.line)?.crcOk).toBe(true);
    expect(node.sentCount.badChecksum).toBe(1);
    await node.stop();
  });

  it('writes garbage bytes ended by CRLF that use no sequence number', async () => {
    const { sink, rec, node } = await running();
    const before = lastSeq(rec);
    const noise = node.injectGarbage(12);
    expect(noise).toHaveLength(12);
    expect(noise.startsWith('M1')).toBe(false);
    expect(noise).not.toMatch(/[\r\n]/);
    const wire = Buffer.concat(sink.chunks);
    expect(wire.subarray(wire.length - 14).equals(Buffer.concat([Buffer.from(noise, 'latin1'), Buffer.from('\r\n')]))).toBe(true);
    const given = node.injectGarbage(Uint8Array.from([0x00, 0xff, 0x13, 0x40]));
    expect(given).toBe('\u0000\u00ff\u0013@');
    expect(
      Buffer.concat(sink.chunks)
        .subarray(-6)
        .equals(Buffer.from([0x00, 0xff, 0x13, 0x40, 0x0d, 0x0a])),
    ).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(lastSeq(rec)).toBe(before + 1);
    expect(node.sentCount.garbage).toBe(2);
    await node.stop();
  });

  it('writes a truncated line: right version and seq, no checksum', async () => {
    const { sink, rec, node } = await running();
    const before = lastSeq(rec);
    const line = node.injectTruncated();
    expect(line).toMatch(new RegExp(`^M1,${before + 1},I,`));
    expect(line).not.toContain('*');
    expect(checkLine(line)).toBeNull();
    expect(sink.text().endsWith(`${line}\r\n`)).toBe(true);
    expect(node.sentCount.truncated).toBe(1);
    await node.stop();
  });

  it('writes an overlong line of the asked length with a good checksum', async () => {
    const { rec, node } = await running();
    const before = lastSeq(rec);
    const line = node.injectOverlong(250);
    expect(line).toHaveLength(250);
    expect(checkLine(line)?.crcOk).toBe(true);
    expect(checkLine(line)?.seq).toBe(before + 1);
    expect(() => node.injectOverlong(100)).toThrow(RangeError);
    expect(lastSeq(rec)).toBe(before + 1); // the refused one used no number
    expect(node.sentCount.overlong).toBe(1);
    await node.stop();
  });

  it('writes a valid sensor-error line', async () => {
    const { rec, node } = await running();
    const before = lastSeq(rec);
    const line = node.injectSensorError('env1', 'SENSOR_TIMEOUT');
    const checked = checkLine(line);
    expect(checked?.crcOk).toBe(true);
    expect(checked?.type).toBe('X');
    expect(checked?.seq).toBe(before + 1);
    expect(checked?.fields).toEqual(['env1', 'SENSOR_TIMEOUT']);
    expect(() => node.injectSensorError('env1', 'bad code')).toThrow(RangeError);
    expect(node.sentCount.sensorError).toBe(1);
    await node.stop();
  });

  it('refuses to inject before start and after stop', async () => {
    const node = new SimNode(new MemorySink(), normalDay);
    expect(() => node.injectBadChecksum()).toThrow(/not running/);
    node.start();
    await node.stop();
    expect(() => node.injectGarbage(3)).toThrow(/not running/);
    expect(() => node.start()).toThrow(/starts once/);
  });

  it('spoils lines at the configured per-line rates, deterministically', async () => {
    const run = async () => {
      const sink = new MemorySink();
      const node = new SimNode(sink, normalDay, {
        linesPerSecond: 50_000,
        maxLines: 5000,
        startAt: localTime(600),
        faults: { badChecksumRate: 0.05, garbageRate: 0.02, truncatedRate: 0.01 },
      });
      node.start();
      await node.finished;
      return { lines: splitWire(sink.text()).lines, sent: node.sentCount };
    };
    const { lines, sent } = await run();
    expect(lines).toHaveLength(5000);
    const checked = lines.map((line) => checkLine(line));
    const badCrc = checked.filter((c) => c !== null && !c.crcOk).length;
    const shapeless = checked.filter((c) => c === null).length;
    expect(badCrc).toBe(sent.badChecksum);
    expect(shapeless).toBe(sent.garbage + sent.truncated);
    expect(sent.badChecksum).toBeGreaterThan(150);
    expect(sent.badChecksum).toBeLessThan(350);
    expect(sent.garbage).toBeGreaterThan(50);
    expect(sent.truncated).toBeGreaterThan(15);
    // Numbered lines (everything but garbage) carry consecutive sequence numbers: spoiled ones use theirs.
    const seqs = lines.filter((l) => l.startsWith('M1,')).map((l) => Number(l.split(',')[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i));
    const again = (await run()).lines;
    expect(again.length === lines.length && again.every((line, i) => line === lines[i])).toBe(true);
  });
});

describe('SimNode at high rates', () => {
  it('sends exactly the requested number of lines, each ≤ 160 chars, CRLF-terminated and checksummed', async () => {
    // A slow reader (5 ms per chunk) with a small buffer: the node must wait for 'drain'.
    const sink = new MemorySink(5, 4096);
    const node = new SimNode(sink, normalDay, { linesPerSecond: 20_000, maxLines: 20_000 });
    node.start();
    await node.finished;
    const text = sink.text();
    const { lines, rest } = splitWire(text);
    expect(rest).toBe('');
    expect(lines).toHaveLength(20_000);
    expect(text.split('\n')).toHaveLength(20_001); // no bare LF anywhere
    lines.forEach((line, index) => {
      expect(line.length).toBeLessThanOrEqual(160);
      const checked = checkLine(line);
      expect(checked?.crcOk).toBe(true);
      expect(checked?.seq).toBe(index);
    });
    expect(node.sentCount.lines).toBe(20_000);
    // Backpressure: never more than a batch queued beyond the sink's own buffer (1.2 MB would pile up otherwise).
    expect(sink.maxBuffered).toBeLessThan(200_000);
    expect(sink.writes).toBeLessThan(20_000); // lines go out in batches, not one write each
  });

  it('wraps the sequence number from 65535 to 0', async () => {
    const sink = new MemorySink();
    const node = new SimNode(sink, normalDay, { linesPerSecond: 400_000, maxLines: 65_540 });
    node.start();
    await node.finished;
    const { lines } = splitWire(sink.text());
    expect(lines).toHaveLength(65_540);
    const seqs = lines.map((line) => checkLine(line)?.seq);
    expect(seqs.slice(65_534, 65_540)).toEqual([65_534, 65_535, 0, 1, 2, 3]);
    expect(seqs).toEqual(seqs.map((_, index) => index % 65_536));
    expect(node.seq).toBe(65_540 % 65_536);
  });
});

describe('SimNode output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minotake-simnode-'));
    return () => rm(dir, { recursive: true, force: true });
  });

  it('opens a path for writing (truncating it) and closes it on stop', async () => {
    const path = join(dir, 'port.txt');
    await writeFile(path, 'stale content that must go\n');
    const node = new SimNode(path, normalDay, { linesPerSecond: 1000, maxLines: 40 });
    node.start();
    await node.finished;
    const text = await readFile(path, 'latin1');
    const { lines, rest } = splitWire(text);
    expect(rest).toBe('');
    expect(lines).toHaveLength(40);
    expect(lines.every((line) => checkLine(line)?.crcOk)).toBe(true);
  });

  it('stops and reports when the output fails, without throwing', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('EIO: the cable was pulled'));
      },
    });
    const node = new SimNode(failing, normalDay, { linesPerSecond: 100 });
    const errors: Error[] = [];
    node.on('error', (error) => errors.push(error));
    node.start();
    await node.finished;
    expect(node.running).toBe(false);
    expect(node.lastError?.message).toMatch(/cable was pulled/);
    expect(errors).toHaveLength(1);
  });

  it('rejects options and scenarios that cannot work', () => {
    expect(() => new SimNode(new MemorySink(), normalDay, { linesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new SimNode(new MemorySink(), normalDay, { speed: -1 })).toThrow(RangeError);
    expect(() => new SimNode(new MemorySink(), { ...normalDay, nodeId: 'Node A' })).toThrow(/not a protocol id/);
    const many = Array.from({ length: 14 }, (_, i) => ({ id: `machine${i}`, kind: 'current' as const, machine: { runA: 5, idleA: 1 } }));
    expect(() => new SimNode(new MemorySink(), { ...normalDay, channels: many })).toThrow(/over the protocol's 160/);
  });
});

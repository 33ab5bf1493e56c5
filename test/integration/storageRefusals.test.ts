/**
 * Points the real InfluxDB refuses never stop the storage path: each is isolated into the dead letters, everything
 * around it is stored, and only an unavailable InfluxDB is retried. The ingest window is bypassed on purpose.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetters } from '../../gateway/storage/deadLetters.js';
import { connectInflux, InfluxSink } from '../../gateway/storage/influxSink.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { PointBuffer } from '../../gateway/storage/pointBuffer.js';
import { pointTime } from '../../gateway/storage/pointTime.js';
import { ensureSchema } from '../../gateway/storage/schema.js';
import { Spool } from '../../gateway/storage/spool.js';
import { testLog } from '../helpers/log.js';
import { influxAuthHeader, influxQuery, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const base = Date.now() - 60_000;
/** Reading `n` of channel ct1: its number is its value, so what is stored can be compared with what was sent. */
function reading(n: number, amps: number | string = n): StoredPoint {
  return { measurement: 'current', tags: { kit: 'k', node: 'n', channel: 'ct1' }, fields: { amps }, timeNs: pointTime(base + n) };
}

async function storedAmps(influxd: ManagedInfluxd): Promise<number[]> {
  const rows = await influxQuery(influxd.url, 'minotake', `SELECT amps FROM "raw"."current" WHERE "channel" = 'ct1'`);
  return rows.map((row) => row.amps as number).sort((a, b) => a - b);
}

async function storage(name: string, options: { retentionCheck?: boolean } = {}) {
  const dir = tempDir(name);
  cleanups.push(() => dir.remove());
  const influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
  cleanups.push(() => influxd.stop());
  const influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', RETENTION);
  const spool = await Spool.open({
    dir: join(dir.path, 'spool'),
    maxBytes: 64 << 20,
    segmentBytes: 1 << 20,
    fsyncIntervalMs: 100,
    log: testLog,
  });
  const deadLetters = new DeadLetters({ dir: join(dir.path, 'dead-letters'), maxBytes: 1 << 20, log: testLog });
  // Without the sink's own retention check the refusal has to come from InfluxDB itself.
  const sink = new InfluxSink(influx, options.retentionCheck ? { retention: RETENTION } : {});
  const makeBuffer = () =>
    new PointBuffer({ sink, spool, deadLetters, batchSize: 500, flushIntervalMs: 50, retryMinMs: 100, log: testLog });
  return { dir: dir.path, influxd, spool, deadLetters, sink, makeBuffer };
}

function deadLetterLines(deadLetters: DeadLetters): { reason: string; point: StoredPoint; time: string }[] {
  return readFileSync(deadLetters.file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('points InfluxDB refuses', () => {
  it('a reading with ts 1 in the middle of a batch: InfluxDB refuses it, every other reading is stored, nothing is retried', async () => {
    const s = await storage('refuse-ts1');
    const buffer = s.makeBuffer();
    cleanups.push(() => buffer.stop());
    const batch = Array.from({ length: 300 }, (_, n) => reading(n));
    batch[150] = { ...reading(150), timeNs: pointTime(1, 0) };
    buffer.addMany(batch);
    await buffer.flush();

    const expected = Array.from({ length: 300 }, (_, n) => n).filter((n) => n !== 150);
    expect(await storedAmps(s.influxd)).toEqual(expected);
    expect(buffer.stats()).toMatchObject({ rejected: 1, writeErrors: 0, spooled: 0, state: 'direct', written: 299 });
    const [letter, ...more] = deadLetterLines(s.deadLetters);
    expect(more).toEqual([]);
    expect(letter?.reason).toContain('beyond retention policy');
    expect(letter?.point.timeNs).toBe('1000000');
    expect(s.deadLetters.stats().points).toBe(1);
    // Owner-only: refused readings are the factory's data too.
    expect(statSync(s.deadLetters.file).mode & 0o777).toBe(0o600);
  });

  it('the sink refuses points beyond retention itself, before sending, when it knows the policies', async () => {
    const s = await storage('refuse-precheck', { retentionCheck: true });
    const buffer = s.makeBuffer();
    cleanups.push(() => buffer.stop());
    // A node whose clock was reset sends a whole batch from 1970: no request per point for that.
    buffer.addMany([...Array.from({ length: 200 }, (_, n) => ({ ...reading(n), timeNs: pointTime(n + 1) })), reading(1000)]);
    await buffer.flush();
    expect(await storedAmps(s.influxd)).toEqual([1000]);
    expect(buffer.stats()).toMatchObject({ rejected: 200, written: 1 });
    expect(deadLetterLines(s.deadLetters)[0]?.reason).toContain('beyond retention policy');
  });

  it('a field type conflict (a string where numbers are stored) is isolated; the numbers around it are stored', async () => {
    const s = await storage('refuse-type');
    const buffer = s.makeBuffer();
    cleanups.push(() => buffer.stop());
    buffer.addMany(Array.from({ length: 100 }, (_, n) => reading(n)));
    await buffer.flush();
    buffer.addMany(Array.from({ length: 100 }, (_, n) => reading(100 + n, n === 37 || n === 38 ? 'broken' : 100 + n)));
    await buffer.flush();

    expect(await storedAmps(s.influxd)).toEqual(Array.from({ length: 200 }, (_, n) => n).filter((n) => n !== 137 && n !== 138));
    const letters = deadLetterLines(s.deadLetters);
    expect(letters.map((l) => l.point.fields.amps)).toEqual(['broken', 'broken']);
    expect(letters[0]?.reason).toContain('field type conflict');
    expect(buffer.stats()).toMatchObject({ rejected: 2, writeErrors: 0, state: 'direct' });
  });

  it('a spool replay with a refused point mid-batch and an unparsable record stores everything around them and empties the spool', async () => {
    const s = await storage('refuse-replay');
    s.spool.append(Array.from({ length: 50 }, (_, n) => reading(n)));
    // Readings 0–50 are numbers, so the string of reading 53 is a field type conflict.
    s.spool.append([reading(50), { ...reading(51), timeNs: pointTime(1) }, reading(52), reading(53, 'broken-type'), reading(54)]);
    // What a damaged or foreign record could hold: valid JSON that is no point at all.
    s.spool.append([{ fields: {} } as unknown as StoredPoint, { ...reading(55), timeNs: 'yesterday' }, reading(56)]);
    s.spool.append(Array.from({ length: 50 }, (_, n) => reading(100 + n)));

    const buffer = s.makeBuffer();
    cleanups.push(() => buffer.stop());
    await waitFor('the spool replayed', () => buffer.state === 'direct' && s.spool.isEmpty);
    const expected = [...Array.from({ length: 51 }, (_, n) => n), 52, 54, 56, ...Array.from({ length: 50 }, (_, n) => 100 + n)];
    expect(await storedAmps(s.influxd)).toEqual(expected);
    expect(buffer.stats().rejected).toBe(4);
    const kinds = deadLetterLines(s.deadLetters).map((l) => /beyond retention|field type conflict|unparsable/.exec(l.reason)?.[0]);
    expect(kinds.sort()).toEqual(['beyond retention', 'field type conflict', 'unparsable', 'unparsable']);
  });

  it('an unavailable InfluxDB is not a refusal: nothing goes to the dead letters, everything is retried and stored', async () => {
    const s = await storage('unavailable');
    const buffer = s.makeBuffer();
    cleanups.push(() => buffer.stop());
    const port = Number(new URL(s.influxd.url).port);
    await s.influxd.stop();
    buffer.addMany(Array.from({ length: 100 }, (_, n) => reading(n)));
    await waitFor('spooling', () => buffer.state === 'spooling' && buffer.stats().spooled === 100);
    const again = await startTestInfluxd(join(s.dir, 'influxdb'), port);
    cleanups.push(() => again.stop());
    await waitFor('replayed', () => buffer.state === 'direct');
    expect(await storedAmps(again)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(buffer.stats().rejected).toBe(0);
    expect(s.deadLetters.stats().points).toBe(0);
  });

  it('the private influxd refuses a write without the kit credentials', async () => {
    const s = await storage('auth');
    const anonymous = await fetch(`${s.influxd.url}/write?db=minotake`, { method: 'POST', body: 'machine_state,kit=k,machine=m1 code=0i' });
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${s.influxd.url}/query?q=SHOW+DATABASES`, {
      headers: { authorization: `Basic ${Buffer.from('minotake:guess').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const kit = await fetch(`${s.influxd.url}/query?q=SHOW+DATABASES`, { headers: influxAuthHeader(s.influxd.url) });
    expect(kit.status).toBe(200);
    expect(statSync(join(s.dir, 'influxdb', 'credentials.json')).mode & 0o777).toBe(0o600);
  });
});

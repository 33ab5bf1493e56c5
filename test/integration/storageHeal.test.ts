/**
 * The whole kit with the real influxd: a poisoned spool head left by an earlier run never wedges storage, the data
 * folder is owner-only, and the kit's own influxd is supervised (killed, it is back in seconds; a crash loop is said).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKit } from '../../gateway/kit.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { pointTime } from '../../gateway/storage/pointTime.js';
import { Spool } from '../../gateway/storage/spool.js';
import { sentReadings, startSimulatedNode, storedReadings, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxQuery, rememberInflux, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A current reading of an earlier node (not one the simulator stands for): `n` is its value. */
function spooled(n: number, amps: number | string = n): StoredPoint {
  return {
    measurement: 'current',
    tags: { kit: 'test', node: 'node-old', channel: 'ct9' },
    fields: { amps },
    timeNs: pointTime(Date.now() - 120_000 + n),
  };
}

/** A kit that runs its own influxd under its data folder (no storage.influx), with a simulated node. */
async function kitWithPrivateInfluxd(name: string) {
  const dir = tempDir(name);
  cleanups.push(() => dir.remove());
  const node = await startSimulatedNode(dir.path);
  cleanups.push(() => node.stop());
  const config = testConfig(dir.path, node.links.edgeLink, 'http://127.0.0.1:9', { storage: { flushIntervalMs: 200 } });
  const kit = await startKit({ config, log: testLog, baseDir: dir.path });
  cleanups.push(() => kit.stop());
  rememberInflux(kit.influxAccess);
  return { config, kit, node };
}

/** Every folder and file under `dir`, with its permission bits. */
function modes(dir: string): { path: string; dir: boolean; mode: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => {
    const path = join(entry.parentPath, entry.name);
    return { path, dir: entry.isDirectory(), mode: statSync(path).mode & 0o777 };
  });
}

describe('storage heals itself', () => {
  it('a spool whose head holds refused points and a damaged record, left by an earlier run, is replayed around them; the kit stays healthy', async () => {
    const dir = tempDir('poisoned-head');
    cleanups.push(() => dir.remove());
    const influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    cleanups.push(() => influxd.stop());
    const node = await startSimulatedNode(dir.path);
    cleanups.push(() => node.stop());
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url);

    // What a kit killed during an outage would leave, poisoned: ts 1 at the head, a type conflict, a damaged record.
    const spoolDir = join(config.dataDir, 'spool');
    const earlier = await Spool.open({ dir: spoolDir, maxBytes: 1 << 20, segmentBytes: 1 << 20, fsyncIntervalMs: 100, log: testLog });
    earlier.append([{ ...spooled(0), timeNs: '1000000' }, ...Array.from({ length: 9 }, (_, i) => spooled(i + 1))]);
    earlier.append([spooled(10), spooled(11, 'not a number'), spooled(12)]);
    earlier.append([spooled(13), spooled(14)]); // damaged below
    earlier.append(Array.from({ length: 10 }, (_, i) => spooled(20 + i)));
    await earlier.close();
    const [segment] = readdirSync(spoolDir);
    const path = join(spoolDir, segment as string);
    const bytes = readFileSync(path);
    const damagedAt = bytes.indexOf('"amps":13');
    bytes[damagedAt + 8] = 0x7e; // a flipped byte in the third record: its CRC no longer matches
    writeFileSync(path, bytes);

    const kit = await startKit({ config, log: testLog, baseDir: dir.path });
    cleanups.push(() => kit.stop());
    node.start({ linesPerSecond: 40, maxLines: 200 });
    await node.node.finished;

    const expected = sentReadings(node.sent);
    await waitFor('every live reading stored', async () => (await storedReadings(influxd.url)).length >= expected.length);
    expect(await storedReadings(influxd.url)).toEqual(expected);
    const replayed = await influxQuery(influxd.url, 'minotake', `SELECT amps FROM "raw"."current" WHERE "channel" = 'ct9'`);
    const good = [...Array.from({ length: 9 }, (_, i) => i + 1), 10, 12, ...Array.from({ length: 10 }, (_, i) => 20 + i)];
    expect(replayed.map((r) => r.amps).sort((a, b) => Number(a) - Number(b))).toEqual(good);

    const health = kit.health();
    expect(health.ok).toBe(true);
    expect(health.storage).toMatchObject({ state: 'direct', rejected: 2, spoolPendingPoints: 0 });
    expect(health.storage.spool.corruptRecords).toBe(1);
    expect(health.storage.deadLetters.points).toBe(2);
    const letters = readFileSync(health.storage.deadLetters.file, 'utf8').trim().split('\n');
    expect(letters).toHaveLength(2);
  });

  it('keeps everything in the data folder owner-only, its private influxd included', async () => {
    const { config, kit, node } = await kitWithPrivateInfluxd('private');
    node.start({ linesPerSecond: 40, maxLines: 80 });
    await node.node.finished;
    await waitFor('readings stored', async () => (await storedReadings(kit.influxUrl)).length > 0);
    await kit.stop();

    expect(statSync(config.dataDir).mode & 0o777).toBe(0o700);
    // The auth store keeps its own files (gateway/auth); everything else here is storage's.
    const storage = modes(config.dataDir).filter(({ path }) => !path.includes(`${join(config.dataDir, 'auth')}`));
    expect(storage.some(({ path }) => path.endsWith('influxd.conf'))).toBe(true);
    expect(storage.some(({ path }) => path.includes('/wal/'))).toBe(true);
    for (const folder of ['spool', 'dead-letters', 'influxdb'])
      expect(storage.some(({ path }) => path === join(config.dataDir, folder))).toBe(true);
    for (const entry of storage) expect(entry, entry.path).toMatchObject({ mode: entry.dir ? 0o700 : 0o600 });
  });

  it('restarts its influxd killed with SIGKILL mid-stream within seconds and loses nothing; a crash loop is reported as such', async () => {
    const { kit, node } = await kitWithPrivateInfluxd('supervised');
    const influxd = () => kit.health().storage.influxd;

    node.start({ linesPerSecond: 40, maxLines: 400 });
    await waitFor('readings flowing', async () => (await storedReadings(kit.influxUrl)).length > 50);
    const first = influxd()?.pid as number;
    process.kill(first, 'SIGKILL');
    await waitFor('the exit noticed and reported', () => influxd()?.lastExit?.signal === 'SIGKILL');
    expect(kit.health().ok).toBe(false);
    await waitFor('influxd running again', () => influxd()?.state === 'running' && influxd()?.pid !== first, 30_000);
    expect(influxd()?.restarts).toBe(1);
    await node.node.finished;
    const expected = sentReadings(node.sent);
    const stored = await waitFor(
      'every reading stored after the restart',
      async () => {
        const rows = await storedReadings(kit.influxUrl);
        return rows.length >= expected.length ? rows : undefined;
      },
      60_000,
    );
    expect(stored).toEqual(expected);
    await waitFor('healthy again', () => kit.health().ok);

    // Killed again soon after each start: the third quick exit in a row is a crash loop, restarted slowly from then on.
    const second = influxd()?.pid as number;
    process.kill(second, 'SIGKILL');
    await waitFor('the second restart', () => influxd()?.state === 'running' && influxd()?.pid !== second, 30_000);
    process.kill(influxd()?.pid as number, 'SIGKILL');
    await waitFor('crash loop reported', () => influxd()?.state === 'crash-loop');
    const status = influxd();
    expect(status?.lastExit).toMatchObject({ signal: 'SIGKILL', code: null });
    expect((status?.nextStartAt ?? 0) - (status?.lastExit?.at ?? 0)).toBeGreaterThanOrEqual(30_000);
    expect(kit.health().ok).toBe(false);
  });
});

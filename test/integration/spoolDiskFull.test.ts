/**
 * The spool on a real small disk (a tmpfs the test mounts) while InfluxDB is away until the disk is full: the oldest
 * points make room for the newest, the drops are counted and said once, and the replay starts as soon as InfluxDB is back.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startKit } from '../../gateway/kit.js';
import { sentReadings, startSimulatedNode, storedReadings, testConfig } from '../helpers/kit.js';
import { influxAccess, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Mounts a tmpfs of `megabytes` at `path`; this needs root, as CI and the kit's own service have. */
function mountSmallDisk(path: string, megabytes: number): () => void {
  mkdirSync(path, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`this test mounts a small tmpfs and needs root (CI runs as root): ${(error as Error).message}`);
  }
  return () => execFileSync('umount', ['-l', path]);
}

describe('spool on a small disk', () => {
  it('keeps the newest points when the disk fills during an outage, counts the dropped oldest, says so once, replays promptly', async () => {
    const dir = tempDir('disk-full');
    cleanups.push(() => dir.remove());
    const disk = join(dir.path, 'disk');
    cleanups.push(mountSmallDisk(disk, 2));
    let influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    cleanups.push(() => influxd.stop());
    const node = await startSimulatedNode(dir.path);
    cleanups.push(() => node.stop());
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url, {
      dataDir: disk,
      // The spool may be larger than the disk: the disk is the limit. Small segments suit a small disk.
      storage: { influx: influxAccess(influxd.url), flushIntervalMs: 200, spool: { segmentMegabytes: 0.125 } },
    });
    const lines: { level: number; msg: string; stack?: unknown }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const kit = await startKit({ config, log, baseDir: dir.path });
    cleanups.push(() => kit.stop());

    node.start({ linesPerSecond: 400, maxLines: 8000 });
    await waitFor('readings stored', async () => (await storedReadings(influxd.url)).length > 0);
    const port = Number(new URL(influxd.url).port);
    await influxd.stop();
    await waitFor('the disk full: oldest segments dropped', () => kit.health().storage.spool.droppedSegments >= 3, 60_000);
    await node.node.finished;
    const free = statfsSync(disk);
    expect(free.bavail * free.bsize).toBeGreaterThan(0); // the margin held: the disk was never filled to the last byte

    const downFor = lines.length;
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'), port);
    const backAt = Date.now();
    await waitFor('the spool replayed', () => kit.health().storage.state === 'direct', 60_000);
    const replayStart = kit.health().storage.lastWriteAt;
    console.log(`disk full: replay done ${Date.now() - backAt} ms after influxd answered; first write ${(replayStart ?? 0) - backAt} ms`);

    const stored = new Set(await storedReadings(influxd.url));
    const sent = node.sent.filter((s) => s.kind === s.frame?.type && s.frame?.type === 'current');
    const isStored = (line: (typeof sent)[number]) => sentReadings([line]).every((key) => stored.has(key));
    const lost = sent.map((line, index) => (isStored(line) ? -1 : index)).filter((index) => index >= 0);
    expect(lost.length).toBeGreaterThan(0);
    // What was dropped is one run of the oldest spooled lines; everything after it — the newest — is stored.
    expect((lost.at(-1) as number) - (lost[0] as number) + 1).toBe(lost.length);
    expect(lost.at(-1) as number).toBeLessThan(sent.length - 1);
    expect(isStored(sent.at(-1) as (typeof sent)[number])).toBe(true);

    const storage = kit.health().storage;
    expect(storage.dropped).toBeGreaterThan(0);
    expect(storage.rejected).toBe(0);
    // Said once, not once a second: a handful of lines for the whole outage, none with a stack trace.
    const drops = lines.filter((line) => /dropped/.test(line.msg));
    expect(drops.length).toBeLessThanOrEqual(2);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.some((line) => line.stack !== undefined)).toBe(false);
    expect(downFor).toBeLessThan(20);
  });
});

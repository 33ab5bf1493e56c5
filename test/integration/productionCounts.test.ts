import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEdge } from '../../edge/edge.js';
import { topics } from '../../edge/mqtt/topics.js';
import { createGpioInput } from '../../edge/sources/gpio/index.js';
import { startKit } from '../../gateway/kit.js';
import { freePort } from '../../gateway/storage/managedInfluxd.js';
import { KIT, PASSWORDS, startTestKit, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxQuery, mosquitto, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';
import { FakeGpioBoard } from '../unit/edge/sources/gpio/fakeGpio.js';
import { makeFakeSysfs, PI4_KERNEL_6_6 } from '../unit/edge/sources/gpio/fakeSysfs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** BCM 17 on a Pi 4 with kernel 6.6+: the sysfs number the driver opens. */
const PRESS_GPIO = 512 + 17;

async function storedCounts(url: string, machine: string) {
  const rows = await influxQuery(
    url,
    'minotake',
    `SELECT "total", "parts", "seq", "epoch" FROM "events"."part_count" WHERE "machine" = '${machine}'`,
  );
  return rows.map((r) => ({ total: Number(r.total), parts: Number(r.parts), seq: Number(r.seq), epoch: String(r.epoch) }));
}

describe('part counts from the edge to InfluxDB', () => {
  it('counts GPIO pulses at the edge and stores every one across a gateway (MQTT) outage and an InfluxDB outage', async () => {
    const dir = tempDir('counts-gpio');
    cleanups.push(() => dir.remove());
    const sysfs = makeFakeSysfs(PI4_KERNEL_6_6);
    cleanups.push(() => sysfs.remove());
    const board = new FakeGpioBoard(PI4_KERNEL_6_6);
    const influxPort = await freePort();
    let influxd = await startTestInfluxd(join(dir.path, 'influxdb'), influxPort);
    cleanups.push(() => influxd.stop());
    const brokerPort = await freePort();
    const config = testConfig(dir.path, join(dir.path, 'no-node-a'), influxd.url, {
      edge: { brokerUrl: `mqtt://127.0.0.1:${brokerPort}`, username: 'edge-x', password: PASSWORDS.edge },
      sources: {
        serial: [
          { id: 'node-a', path: join(dir.path, 'no-node-a') },
          { id: 'node-b', path: join(dir.path, 'no-node-b') },
        ],
        gpio: [{ id: 'press-count', pin: 17, debounceMs: 0 }],
      },
      production: { machines: [{ machine: 'm3', counter: { source: { gpio: 'press-count' } }, target: { perHour: 600 } }] },
    });
    config.broker.port = brokerPort;

    // The gateway (broker, ingest, storage) on its own; the edge beside it as on a Pi Zero, with the fake GPIO under the driver.
    let kit = await startKit({ config, log: testLog, baseDir: dir.path });
    cleanups.push(() => kit.stop());
    const edge = createEdge({
      config,
      broker: { url: `mqtt://127.0.0.1:${brokerPort}`, username: 'edge-x', password: PASSWORDS.edge },
      log: testLog,
      createSource: (kind, id, ctx) => {
        const input = config.sources.gpio.find((g) => g.id === id);
        return kind === 'gpio' && input ? createGpioInput(input, ctx, { Gpio: board.Gpio, sysfsRoot: sysfs.root }) : undefined;
      },
    });
    let edgeStopped = false;
    cleanups.push(() => (edgeStopped ? undefined : edge.stop()));
    await edge.start();
    const counted = () => edge.health().counters[0]?.pulses ?? 0;

    let pulses = 0;
    /** Strokes of the press: the sensor's level goes up and down, each change seen by the driver before the next. */
    const press = async (n: number) => {
      for (let i = 0; i < n; i++) {
        board.setLevel(PRESS_GPIO, 1);
        await waitFor('the rising edge seen', () => counted() === pulses + 1, 5000, 1);
        board.setLevel(PRESS_GPIO, 0);
        await sleep(3);
        pulses++;
      }
    };

    await press(100);
    // MQTT away: the gateway and its broker stop; the edge keeps counting and holds its messages.
    await kit.stop();
    await press(100);
    kit = await startKit({ config, log: testLog, baseDir: dir.path });
    await waitFor('the edge back on the broker', () => edge.health().publisher.connected, 20_000);
    await press(50);
    // InfluxDB away: the gateway spools what it takes in.
    await influxd.stop();
    await waitFor('the buffer spooling', async () => {
      await press(1);
      return kit.health().storage.state === 'spooling';
    });
    await press(100);
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'), influxPort);
    await press(49);
    await edge.stop();
    edgeStopped = true;

    expect(counted()).toBe(pulses);
    const stored = await waitFor('the last total stored', async () => {
      const rows = await storedCounts(influxd.url, 'm3');
      return rows.some((r) => r.total === pulses) ? rows : undefined;
    });
    // One epoch (one run of the edge): its messages numbered without a gap, its deltas adding up to its total: none lost, none doubled.
    expect(new Set(stored.map((r) => r.epoch)).size).toBe(1);
    expect(stored.map((r) => r.seq).sort((a, b) => a - b)).toEqual(stored.map((_, i) => i));
    expect(stored.reduce((sum, r) => sum + r.parts, 0)).toBe(pulses);
    expect(Math.max(...stored.map((r) => r.total))).toBe(pulses);
    const spool = kit.health().storage;
    expect(spool.spooled).toBeGreaterThan(0);

    // And the API says so: today's parts, hour by hour, add up to every stroke.
    const { secret } = kit.auth.createToken('api', 'monitor', 'viewer');
    const to = Date.now() + 60_000;
    const from = to - 3 * 3_600_000;
    const response = await fetch(`http://127.0.0.1:${kit.httpPort}/api/production/counts?machine=m3&by=hour&from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rows: { parts: number | null }[] };
    expect(body.rows.reduce((sum, r) => sum + (r.parts ?? 0), 0)).toBe(pulses);
    expect(body.rows.at(-1)?.parts).not.toBeNull();
  });

  it('takes a sensor node’s P lines through the pty, counts from its running total, and mosquitto_sub sees the count topic', async () => {
    const t = await startTestKit(
      'counts-serial',
      { production: { machines: [{ machine: 'm3', counter: { source: { node: 'node-a', channel: 'cnt1' } } }] } },
      'production-day',
    );
    cleanups.push(() => t.stop());
    const sub = mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.machineCount(KIT, 'm3'), '-v', '-W', '12'],
    ]);
    const node = t.node.start({ linesPerSecond: 10 });
    // The press stays off so that only the strokes the test makes are counted.
    node.setOverride('ct3', 'off');
    const edge = () => t.kit.health().edge?.counters.find((c) => c.machine === 'm3');
    await waitFor('the edge to take the node’s first total as its baseline', () => edge()?.deviceTotal !== null && edge() !== undefined);
    const baseline = node.counterTotal('cnt1') ?? 0;
    for (let i = 0; i < 5; i++) {
      node.addParts('cnt1', 7);
      await sleep(300);
    }
    const made = (node.counterTotal('cnt1') ?? 0) - baseline;
    expect(made).toBe(35);
    const stored = await waitFor('the node’s parts stored', async () => {
      const rows = await storedCounts(t.influxd.current.url, 'm3');
      return rows.some((r) => r.total === made) ? rows : undefined;
    });
    expect(stored.reduce((sum, r) => sum + r.parts, 0)).toBe(made);
    const lines = (await sub).stdout.split('\n').filter((line) => line.startsWith(topics.machineCount(KIT, 'm3')));
    const last = JSON.parse(lines.at(-1)?.split(' ').slice(1).join(' ') ?? '{}');
    expect(last).toMatchObject({ total: made, epoch: expect.any(Number), seq: expect.any(Number) });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import type { ModbusBusConfig } from '../../config/schema.js';
import { Backoff } from '../../edge/sources/backoff.js';
import { createModbusBus, type ModbusBusSource } from '../../edge/sources/modbus/index.js';
import { SimSdm120, SimSdm630, SimXyMd02 } from '../../firmware-sim/modbus/index.js';
import { eventCollector, startSimulatedBus } from '../helpers/modbus.js';
import { tempDir } from '../helpers/services.js';

/** The edge's Modbus source against simulated devices on a real pty, at 9600 baud with the wire's timing. */

type Bus = Awaited<ReturnType<typeof startSimulatedBus>>;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function busConfig(path: string, devices: Record<string, unknown>[]): ModbusBusConfig {
  const config = parseKitConfig({ kit: { id: 'k', site: 's' }, sources: { modbus: [{ id: 'rs485', path, devices }] } });
  return config.sources.modbus[0] as ModbusBusConfig;
}

async function setUp(name: string, add: (bus: Bus) => void) {
  const dir = tempDir(name);
  const bus = await startSimulatedBus(dir.path);
  add(bus);
  await bus.open();
  cleanup.push(async () => {
    await bus.stop();
    dir.remove();
  });
  return bus;
}

async function run(bus: Bus, devices: Record<string, unknown>[]) {
  const collector = eventCollector();
  const source: ModbusBusSource = createModbusBus(busConfig(bus.path, devices), collector.context, {
    portBackoff: new Backoff(100, 500),
  });
  await source.start();
  cleanup.push(() => source.stop());
  return { ...collector, source, stats: (id: string) => source.stats().devices[id] };
}

describe('Modbus bus: shipped maps against simulated devices', () => {
  it('reads an XY-MD02, an SDM120 and an SDM630 on one bus as the devices hold them', async () => {
    const sensor = new SimXyMd02(1);
    sensor.temperatureC = -3.5;
    sensor.humidityPct = 81.2;
    const single = new SimSdm120();
    Object.assign(single, { volts: 101.5, amps: 8, powerFactor: 0.75 });
    const three = new SimSdm630();
    Object.assign(three, { volts: [115.5, 116, 114.5], amps: [10, 12.5, 0], powerFactor: [0.8, 0.8, 0.8] });
    const bus = await setUp('modbus-maps', (b) => b.sim.add(1, sensor).add(2, single).add(3, three));
    const edge = await run(bus, [
      { id: 'th-1', address: 1, map: 'xy-md02', pollSeconds: 0.5 },
      { id: 'meter-1', address: 2, map: 'sdm120', pollSeconds: 0.5 },
      { id: 'meter-3', address: 3, map: 'sdm630', pollSeconds: 0.5 },
    ]);
    await edge.until('a reading from every device', () => edge.frames('meter-3', 'current').length > 1 && edge.power('meter-1').length > 1);

    expect(edge.frames('th-1', 'climate')[0]).toMatchObject({ channel: 'env1', temperatureC: -3.5, humidityPct: 81.2 });
    expect(edge.frames('meter-1', 'current')[0]).toMatchObject({ amps: { l1: 8 } });
    expect(edge.power('meter-1')[0]).toMatchObject({ channel: 'l1', volts: 101.5, watts: 609, powerFactor: 0.75, hz: 50 });
    expect(edge.frames('meter-3', 'current')[0]).toMatchObject({ amps: { l1: 10, l2: 12.5, l3: 0, total: 22.5 } });
    const phases = edge.power('meter-3');
    expect(phases.find((p) => p.channel === 'l2')).toMatchObject({ volts: 116, watts: 1160, powerFactor: 0.8 });
    expect(phases.find((p) => p.channel === 'total')).toMatchObject({ watts: 2084, hz: 50 });
    // Energy counts up between polls, as a meter's register does.
    const kwh = edge.power('meter-3').flatMap((p) => (p.channel === 'total' && p.kwh !== undefined ? [p.kwh] : []));
    expect(kwh.at(-1)).toBeGreaterThan(kwh[0] as number);
    expect(Object.values(edge.source.stats().devices).every((d) => Object.keys(d.failures).length === 0)).toBe(true);
  });
});

describe('Modbus bus: faults', () => {
  it('backs off a device that does not answer, so the others keep their pace', async () => {
    const bus = await setUp('modbus-dead', (b) =>
      b.sim.add(1, new SimXyMd02(1)).add(2, new SimXyMd02(2)).add(9, new SimXyMd02(9), { silent: true }),
    );
    const live = [1, 2].map((address) => ({ id: `th-${address}`, address, map: 'xy-md02', pollSeconds: 0.25, timeoutMs: 300 }));
    const dead = { id: 'dead', address: 9, map: 'xy-md02', pollSeconds: 0.5, timeoutMs: 300 };
    /** Polls the live devices answered in 8 s, counted after 2 s in which the dead device is found out. */
    const pace = async (edge: Awaited<ReturnType<typeof run>>) => {
      const answered = () => (edge.stats('th-1')?.answered ?? 0) + (edge.stats('th-2')?.answered ?? 0);
      await new Promise((r) => setTimeout(r, 2000));
      const before = answered();
      await new Promise((r) => setTimeout(r, 8000));
      return answered() - before;
    };

    // The same bus without the dead device first: the pace the live ones keep on this machine today.
    const alone = await run(bus, live);
    const baseline = await pace(alone);
    await alone.source.stop();

    const withDead = await run(bus, [...live, dead]);
    const paced = await pace(withDead);
    const stats = withDead.stats('dead');
    expect(stats?.answered).toBe(0);
    expect(stats?.failures.timeout).toBeGreaterThan(2);
    // Retried at first, then only probed, less and less often.
    expect(stats?.pollEveryMs).toBeGreaterThanOrEqual(4 * 500 * 0.8);
    // Polled every 0.5 s with its retries, the dead device would hold the bus most of the time and cut the others by almost half.
    expect(paced).toBeGreaterThanOrEqual(0.7 * baseline);
  });

  it('retries answers with a bad CRC, counts them, and never turns one into a reading', async () => {
    const sensor = new SimXyMd02(4);
    sensor.temperatureC = 21.7;
    const bus = await setUp('modbus-crc', (b) => b.sim.add(4, sensor, { badCrc: 0.4 }));
    const edge = await run(bus, [{ id: 'th-4', address: 4, map: 'xy-md02', pollSeconds: 0.3 }]);
    await edge.until('five CRC errors', () => (edge.stats('th-4')?.failures.crc ?? 0) >= 5);
    const stats = edge.stats('th-4');
    expect(stats?.retries).toBeGreaterThan(0);
    expect(stats?.failures.crc).toBeLessThanOrEqual(bus.sim.stats.badCrcSent);
    // A garbled answer is still an answer: the device is not backed off as if it were gone.
    expect(stats?.pollEveryMs).toBe(300);
    const readings = edge.frames('th-4', 'climate');
    expect(readings.length).toBeGreaterThan(0);
    expect(readings.every((r) => r.temperatureC === 21.7 && r.humidityPct === 55)).toBe(true);
  });

  it('counts exception answers by code and reports the channels they hide as sensor errors', async () => {
    const bus = await setUp('modbus-exception', (b) => b.sim.add(5, new SimXyMd02(5), { exception: 4 }).add(6, new SimXyMd02(6)));
    const edge = await run(bus, [
      { id: 'broken', address: 5, map: 'xy-md02', pollSeconds: 0.3 },
      // A map that asks the XY-MD02 for a register it does not have: the device says "illegal data address".
      {
        id: 'wrong-map',
        address: 6,
        pollSeconds: 0.3,
        registers: [
          { channel: 'env1', quantity: 'temperature', address: 1, type: 'int16', scale: 0.1 },
          { channel: 'env1', quantity: 'humidity', address: 7, scale: 0.1 },
        ],
      },
    ]);
    await edge.until('both refusals', () => edge.stats('broken')?.exceptions['4'] && edge.stats('wrong-map')?.exceptions['2']);
    expect(edge.frames('broken', 'sensorError')[0]).toMatchObject({ channel: 'env1', code: 'MODBUS_EXCEPTION_4' });
    expect(edge.frames('wrong-map', 'sensorError')[0]).toMatchObject({ channel: 'env1', code: 'MODBUS_EXCEPTION_2' });
    // An exception is an answer: the device is there, and not retried as if it were noise.
    expect(edge.stats('broken')?.retries).toBe(0);
    expect(edge.stats('broken')?.pollEveryMs).toBe(300);
  });

  it('waits for a slow device within its timeout, and never takes a late answer for another request', async () => {
    const slow = new SimXyMd02(7);
    const late = new SimSdm630();
    const bus = await setUp('modbus-slow', (b) => b.sim.add(7, slow, { slowMs: 150 }).add(8, late, { slowMs: 260 }));
    const edge = await run(bus, [
      { id: 'slow', address: 7, map: 'xy-md02', pollSeconds: 0.5, timeoutMs: 500 },
      // Two one-float reads that look alike on the wire, from a device slower than its timeout: a late answer to the
      // first (volts) must never be stored as the second (energy).
      {
        id: 'late',
        address: 8,
        pollSeconds: 0.5,
        timeoutMs: 200,
        silentAfterSeconds: 30,
        registers: [
          { channel: 'total', quantity: 'voltage', address: 0x0000, type: 'float32' },
          { channel: 'total', quantity: 'energy', address: 0x0156, type: 'float32' },
        ],
      },
    ]);
    await edge.until('the slow device read three times and the late one timing out', () => {
      return (edge.stats('slow')?.answered ?? 0) >= 3 && (edge.stats('late')?.failures.timeout ?? 0) >= 3;
    });
    expect(edge.stats('slow')?.failures).toEqual({});
    expect(edge.stats('slow')?.lastPollMs).toBeGreaterThanOrEqual(150);
    for (const reading of edge.power('late')) {
      if (reading.volts !== undefined) expect(reading.volts).toBe(115.5);
      if (reading.kwh !== undefined) expect(reading.kwh).toBe(0);
    }
  });

  it('reports every device offline when the adapter is pulled, and reads again once it is back', async () => {
    const bus = await setUp('modbus-unplug', (b) => b.sim.add(1, new SimXyMd02(1)).add(2, new SimSdm120()));
    const edge = await run(bus, [
      { id: 'th-1', address: 1, map: 'xy-md02', pollSeconds: 0.3 },
      { id: 'meter-1', address: 2, map: 'sdm120', pollSeconds: 0.3 },
    ]);
    await edge.until('first readings', () => edge.frames('meter-1', 'current').length > 0);
    await bus.unplug();
    const offline = await edge.until('both devices offline', () => {
      const gone = edge.events.filter((e) => e.kind === 'online' && !e.online);
      return new Set(gone.map((e) => e.sourceId)).size === 2 ? gone : undefined;
    });
    expect(offline[0]).toMatchObject({ kind: 'online', online: false });
    const before = edge.frames('th-1', 'climate').length;
    await bus.plugIn();
    await edge.until('readings after the adapter is back', () => edge.frames('th-1', 'climate').length > before);
    expect(edge.source.stats().open).toBe(true);
  });

  it('stops at once while its adapter is missing, however long it would wait before trying again', async () => {
    const dir = tempDir('modbus-missing');
    cleanup.push(async () => dir.remove());
    const collector = eventCollector();
    const source = createModbusBus(busConfig(`${dir.path}/no-adapter`, [{ id: 'th-1', address: 1, map: 'xy-md02' }]), collector.context, {
      portBackoff: new Backoff(600_000, 600_000),
    });
    await source.start();
    expect(source.stats().openError).toMatch(/no-adapter/);
    // Stopped while the loop is still trying the port: it must not go on to sleep out the backoff (a kit's shutdown waits for it).
    await source.stop();
    expect(source.stats().open).toBe(false);
  }, 20_000);

  it('opens the port afresh when no device has answered for a while, as a hung adapter needs', async () => {
    const bus = await setUp('modbus-hung', (b) => b.sim.add(1, new SimXyMd02(1), { silent: true }));
    const edge = await run(bus, [{ id: 'th-1', address: 1, map: 'xy-md02', pollSeconds: 0.3, timeoutMs: 100, silentAfterSeconds: 1 }]);
    await edge.until('the port reopened', () => edge.source.stats().reopens >= 1);
    bus.sim.setFaults(1, {});
    await edge.until('readings once the device answers', () => edge.frames('th-1', 'climate').length > 0);
    expect(edge.source.stats().open).toBe(true);
  });
});

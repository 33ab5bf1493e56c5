import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload, topics } from '../../edge/mqtt/topics.js';
import { SimSdm120, SimSdm630, SimXyMd02 } from '../../firmware-sim/modbus/index.js';
import type { LiveSnapshotBody } from '../../gateway/http/schemas.js';
import { startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { KIT, PASSWORDS, testConfig, viewerCookie } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { startSimulatedBus } from '../helpers/modbus.js';
import { influxQuery, mosquitto, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

/**
 * Off-the-shelf Modbus devices on one simulated RS-485 bus, read by a real kit: readings, machine states from a meter's
 * amps and from its watts, a device that falls silent and one that answers with an exception, all the way to InfluxDB,
 * the live API and the alarms, through the same topics as a sensor node's.
 */
describe('Modbus devices → RS-485 pty → edge → aedes → InfluxDB', () => {
  const dir = tempDir('modbus-datapath');
  let influxd: ManagedInfluxd;
  let bus: Awaited<ReturnType<typeof startSimulatedBus>>;
  let kit: Awaited<ReturnType<typeof startKit>>;
  let cookie = '';
  const climate = new SimXyMd02(1);
  const single = new SimSdm120();
  const three = new SimSdm630();
  const store = new SimXyMd02(9);

  const query = (q: string) => influxQuery(influxd.url, 'minotake', q);
  const snapshot = async (): Promise<LiveSnapshotBody> => {
    const response = await fetch(`http://127.0.0.1:${kit.httpPort}/api/live`, { headers: { cookie } });
    return (await response.json()) as LiveSnapshotBody;
  };
  const state = async (machine: string) => (await snapshot()).machines.find((m) => m.id === machine)?.state;

  beforeAll(async () => {
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    Object.assign(climate, { temperatureC: 29.5, humidityPct: 72.5 });
    Object.assign(single, { volts: 101.5, amps: 8, powerFactor: 0.75 });
    Object.assign(three, { volts: [115.5, 115.5, 115.5], amps: [10, 10, 10], powerFactor: [0.8, 0.8, 0.8] });
    bus = await startSimulatedBus(dir.path);
    bus.sim.add(1, climate).add(2, single).add(3, three).add(5, new SimXyMd02(5), { exception: 4 }).add(9, store);
    await bus.open();
    // th-9 is the one made silent: it is declared silent after 2 s. The others get 10 s, so that the timeouts th-9 costs
    // the bus on a loaded machine never pass for their silence, while the test still sees them all polled meanwhile.
    const device = (id: string, address: number, map: string, silentAfterSeconds = 10) => ({
      id,
      address,
      map,
      pollSeconds: 0.5,
      silentAfterSeconds,
    });
    const config = testConfig(dir.path, join(dir.path, 'no-serial-node'), influxd.url, {
      sources: {
        // The test kit's node account belongs to node-b, a Wi-Fi node that publishes by itself.
        serial: [{ id: 'node-b', path: join(dir.path, 'no-such-port') }],
        modbus: [
          {
            id: 'rs485',
            path: bus.path,
            devices: [
              device('th-1', 1, 'xy-md02'),
              device('meter-1', 2, 'sdm120'),
              device('meter-3', 3, 'sdm630'),
              device('th-5', 5, 'xy-md02'),
              device('th-9', 9, 'xy-md02', 2),
            ],
          },
        ],
      },
      machines: [
        {
          id: 'compressor',
          name: 'コンプレッサー',
          source: { node: 'meter-1', channel: 'l1' },
          thresholds: { idleAbove: 0.5, runAbove: 4 },
          minDwellSeconds: 0,
        },
        {
          id: 'grinder',
          name: '研削盤',
          source: { node: 'meter-3', channel: 'total', quantity: 'power' },
          thresholds: { idleAbove: 150, runAbove: 1500, hysteresis: 50 },
          minDwellSeconds: 0,
        },
      ],
      zones: [
        { id: 'floor', name: '工場', source: { node: 'th-1', channel: 'env1' } },
        { id: 'oven', name: '炉前', source: { node: 'th-5', channel: 'env1' } },
        { id: 'store', name: '倉庫', source: { node: 'th-9', channel: 'env1' } },
      ],
    });
    kit = await startKit({ config, log: testLog, baseDir: dir.path });
    cookie = await viewerCookie(kit);
  });

  afterAll(async () => {
    await kit?.stop();
    await bus?.stop();
    await influxd?.stop();
    dir.remove();
  });

  it('stores climate, current and power readings with the values the devices hold, tagged with their zone and machine', async () => {
    const rows = await waitFor('climate of th-1 in InfluxDB', async () => {
      const found = await query(`SELECT temperature_c, humidity_pct, wbgt_c, "zone" FROM "raw"."climate" WHERE "node" = 'th-1'`);
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]).toMatchObject({ temperature_c: 29.5, humidity_pct: 72.5, zone: 'floor' });
    expect(rows[0]?.wbgt_c).toBeGreaterThan(25);

    const amps = await waitFor('compressor amps', async () => {
      const found = await query(`SELECT amps, machine FROM "raw"."current" WHERE "node" = 'meter-1' AND "channel" = 'l1'`);
      return found.length > 0 ? found : undefined;
    });
    expect(amps[0]).toMatchObject({ amps: 8, machine: 'compressor' });

    const power = await waitFor('grinder power', async () => {
      const found = await query(
        `SELECT watts, kwh, power_factor, hz, machine FROM "raw"."power" WHERE "node" = 'meter-3' AND "channel" = 'total'`,
      );
      return found.length > 1 ? found : undefined;
    });
    expect(power[0]).toMatchObject({ watts: 2772, power_factor: 0.8, hz: 50, machine: 'grinder' });
    expect(power.at(-1)?.kwh).toBeGreaterThan(0);
    const phase = await query(`SELECT volts, watts FROM "raw"."power" WHERE "node" = 'meter-3' AND "channel" = 'l2' LIMIT 1`);
    expect(phase[0]).toMatchObject({ volts: 115.5, watts: 924 });
  });

  it('takes one machine state from a meter channel amps and another from its watts', async () => {
    await waitFor('both machines running', async () => (await state('compressor')) === 'RUN' && (await state('grinder')) === 'RUN');
    three.setAmps(0.2); // 0.2 A × 115.5 V × 0.8 × 3 = 55 W: below idleAbove 150 W
    await waitFor('the grinder stopped', async () => (await state('grinder')) === 'OFF');
    const stored = await waitFor('the stop stored with its watts', async () => {
      const found = await query(`SELECT state, watts FROM "events"."machine_state" WHERE "machine" = 'grinder' AND "state" = 'OFF'`);
      return found.length > 0 ? found : undefined;
    });
    expect(stored[0]?.watts).toBeCloseTo(55.44, 1);
    expect(await state('compressor')).toBe('RUN');
  });

  it('turns an exception answer into a sensor error and the sensor-fault alarm of its zone', async () => {
    const errors = await waitFor('sensor errors of th-5', async () => {
      const found = await query(`SELECT code, channel FROM "events"."sensor_error" WHERE "node" = 'th-5'`);
      return found.length > 0 ? found : undefined;
    });
    expect(errors[0]).toMatchObject({ code: 'MODBUS_EXCEPTION_4', channel: 'env1' });
    await waitFor('the sensor-fault alarm on the oven zone', async () =>
      (await snapshot()).alarms.some((a) => a.ruleId === 'sensor-fault' && a.target.id === 'oven'),
    );
  });

  it('marks a device that stops answering offline, raises the sensor-silent alarm, and takes it back when it answers', async () => {
    await waitFor('th-9 online', async () => (await snapshot()).nodes.find((n) => n.id === 'th-9')?.online);
    bus.sim.setFaults(9, { silent: true });
    await waitFor('th-9 offline', async () => (await snapshot()).nodes.find((n) => n.id === 'th-9')?.online === false);
    const alarm = await waitFor('the sensor-silent alarm on th-9', async () =>
      (await snapshot()).alarms.find((a) => a.ruleId === 'sensor-silent' && a.target.id === 'th-9'),
    );
    expect(alarm.target.kind).toBe('node');
    // The others kept answering meanwhile.
    const others = (await snapshot()).nodes.filter((n) => ['th-1', 'meter-1', 'meter-3', 'th-5'].includes(n.id));
    expect(others.map((n) => n.online)).toEqual([true, true, true, true]);
    // Stored a flush after the snapshot shows it: wait for it rather than race the point buffer.
    await waitFor('th-9 offline stored', async () =>
      (await query(`SELECT online FROM "events"."node_status" WHERE "node" = 'th-9' AND "online" = false`)).length > 0 ? true : undefined,
    );

    bus.sim.setFaults(9, {});
    await waitFor('th-9 back online', async () => (await snapshot()).nodes.find((n) => n.id === 'th-9')?.online, 90_000);
  });

  it('counts failures by reason in the health report and publishes the documented topics', async () => {
    const sub = mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.nodePower(KIT, 'meter-3'), '-C', '2', '-W', '10'],
    ]);
    const payloads = (await sub).stdout.trim().split('\n');
    expect(payloads).toHaveLength(2);
    for (const payload of payloads) expect(decodePayload('nodePower', payload).ok).toBe(true);

    await waitFor('edge health with the Modbus counters', () => {
      const devices = kit.health().edge?.modbus.rs485?.devices;
      return devices && (devices['th-5']?.exceptions['4'] ?? 0) > 0 && (devices['th-9']?.failures.timeout ?? 0) > 0;
    });
    const health = kit.health();
    expect(health.edge?.nodes['meter-3']).toMatchObject({ online: true });
    expect(health.broker.malformedPayloads).toBe(0);
    // A meter's map declares its channels: the phases no machine uses are stored too, not refused as undeclared.
    expect(health.broker.undeclaredReadings).toBe(0);
    expect(health.ingest.rejected).toBe(0);
  });
});

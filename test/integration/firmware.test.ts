import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSnapshotBody } from '../../gateway/http/schemas.js';
import { startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { buildFirmware, type NodeSim, startNodeSim } from '../helpers/firmware.js';
import { testConfig, viewerCookie } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxQuery, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

/**
 * Firmware in the loop: the ATmega328P build runs in simavr, the harness feeds its ADC pins CT waveforms and answers
 * its SHT31, and the kit's edge reads the simulated UART from a pseudo-terminal as it reads a USB port.
 * The stated error of a reading: ±(1 % + 0.1 A) — the firmware's ±(0.5 % + 0.05 A) on synthetic waveforms, plus the
 * simulator's ADC (it scales by 1023/Vref instead of 1024/Vref, −0.1 %) and its millivolt steps.
 */
const within = (measured: number, amps: number) => Math.abs(measured - amps) <= 0.01 * amps + 0.1;

describe('the sensor node firmware in simavr, read by a real kit', () => {
  const dir = tempDir('firmware-loop');
  let influxd: ManagedInfluxd;
  let sim: NodeSim;
  let kit: Awaited<ReturnType<typeof startKit>>;
  let cookie = '';

  const snapshot = async (): Promise<LiveSnapshotBody> => {
    const response = await fetch(`http://127.0.0.1:${kit.httpPort}/api/live`, { headers: { cookie } });
    expect(response.status).toBe(200);
    return (await response.json()) as LiveSnapshotBody;
  };
  const states = async () => Object.fromEntries((await snapshot()).machines.map((m) => [m.id, m.state]));
  const amps = (since: number, channel: string) =>
    influxQuery(
      influxd.url,
      'minotake',
      `SELECT amps FROM "raw"."current" WHERE "node" = 'node-a' AND "channel" = '${channel}' AND time > ${since}ms`,
    );

  beforeAll(async () => {
    const harness = buildFirmware('sim', join(dir.path, 'build'));
    const elf = buildFirmware('avr', join(dir.path, 'build'));
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    sim = await startNodeSim(harness, elf);
    const config = testConfig(dir.path, sim.pty, influxd.url, {
      // The built-in sensor-fault rule with a short off-delay, so the test can see it clear.
      alarms: {
        rules: [
          {
            id: 'sensor-fault',
            name: 'センサー異常',
            nameEn: 'sensor fault',
            kind: 'sensorError',
            offDelaySeconds: 3,
            severity: 'critical',
          },
        ],
      },
    });
    kit = await startKit({ config, log: testLog, baseDir: dir.path });
    cookie = await viewerCookie(kit);
  });

  afterAll(async () => {
    await sim?.stop();
    await kit?.stop();
    await influxd?.stop();
    dir.remove();
  });

  it('turns the amps set on the CT pins into RUN / IDLE / OFF on the live API and readings in InfluxDB within the stated error', async () => {
    // idleAbove 0.5 A, runAbove 4 A in the test kit. ct4: an inverter drive's current, rich in harmonics, at 60 Hz.
    await sim.command('hz 60');
    await sim.command('amps 1 12');
    await sim.command('amps 2 2');
    await sim.command('amps 3 0');
    await sim.command('noise 3 0.05');
    await sim.command('amps 4 25');
    await sim.command('harmonic 4 3 0.3');
    await sim.command('harmonic 4 5 0.1');
    const ct4True = 25 * Math.sqrt(1 + 0.3 ** 2 + 0.1 ** 2);
    await waitFor('m1 RUN, m2 IDLE, m3 OFF, m4 RUN', async () => {
      const s = await states();
      return s.m1 === 'RUN' && s.m2 === 'IDLE' && s.m3 === 'OFF' && s.m4 === 'RUN';
    });

    const settled = Date.now() + 1500; // the second that was half old, half new is past
    await waitFor('five readings of each CT after the change', async () => (await amps(settled, 'ct4')).length >= 5, 30_000);
    const expected: Record<string, number> = { ct1: 12, ct2: 2, ct3: 0.05, ct4: ct4True };
    for (const [channel, truth] of Object.entries(expected)) {
      const rows = await amps(settled, channel);
      expect(rows.length, channel).toBeGreaterThanOrEqual(5);
      for (const row of rows) expect(within(row.amps as number, truth), `${channel} ${row.amps} A vs ${truth.toFixed(3)} A`).toBe(true);
    }

    // A machine stops, another starts.
    await sim.command('amps 1 0');
    await sim.command('amps 3 6');
    await waitFor('m1 OFF and m3 RUN', async () => {
      const s = await states();
      return s.m1 === 'OFF' && s.m3 === 'RUN';
    });

    // Every line the firmware sent was accepted: no reject, no gap in the sequence numbers.
    const node = kit.health().edge?.nodes['node-a'];
    expect(node?.rejected).toEqual({});
    expect(node?.lost).toBe(0);
    expect(node?.online).toBe(true);
  });

  it('passes the SHT31 climate through; a sensor that stops answering becomes I2C_NACK lines and the sensor-fault alarm', async () => {
    await sim.command('climate 27.5 65');
    await waitFor('the zone at 27.5 °C / 65 %RH on the live API', async () => {
      const zone = (await snapshot()).zones.find((z) => z.id === 'floor');
      return zone?.temperatureC === 27.5 && zone.humidityPct === 65;
    });
    await waitFor('27.5 °C / 65 %RH stored in InfluxDB', async () => {
      const rows = await influxQuery(
        influxd.url,
        'minotake',
        `SELECT last(temperature_c) AS t, last(humidity_pct) AS h FROM "raw"."climate" WHERE "node" = 'node-a'`,
      );
      return rows[0]?.t === 27.5 && rows[0]?.h === 65;
    });

    const failedAt = Date.now();
    await sim.command('sht nack');
    const alarm = await waitFor('the sensor-fault alarm on the floor zone', async () =>
      (await snapshot()).alarms.find((a) => a.ruleId === 'sensor-fault' && a.target.id === 'floor'),
    );
    expect(alarm.state).toBe('active-unacknowledged');
    expect(alarm.message.ja).toContain('センサー異常 I2C_NACK');
    const errors = await waitFor('I2C_NACK errors stored', async () => {
      const rows = await influxQuery(
        influxd.url,
        'minotake',
        `SELECT code, channel FROM "events"."sensor_error" WHERE "node" = 'node-a' AND time > ${failedAt}ms`,
      );
      return rows.length >= 2 ? rows : undefined;
    });
    for (const row of errors) expect(row).toMatchObject({ code: 'I2C_NACK', channel: 'env1' });
    // The CTs go on while the climate sensor is dead.
    expect((await amps(failedAt, 'ct3')).length).toBeGreaterThan(0);

    await sim.command('sht ok');
    await waitFor(
      'the alarm cleared once readings came back',
      async () => {
        const s = await snapshot();
        return !s.alarms.some((a) => a.ruleId === 'sensor-fault' && a.state.startsWith('active'));
      },
      30_000,
    );
  });
});

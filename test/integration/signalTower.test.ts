import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KitConfig } from '../../config/schema.js';
import { topics } from '../../edge/mqtt/topics.js';
import { createGpioInput } from '../../edge/sources/gpio/index.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { KIT, PASSWORDS, TEST_MACHINES, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxQuery, mosquitto, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';
import { FakeGpioBoard } from '../unit/edge/sources/gpio/fakeGpio.js';
import { type FakeSysfs, makeFakeSysfs, PI4_KERNEL_6_6 } from '../unit/edge/sources/gpio/fakeSysfs.js';

/** A Pi 4 on kernel 6.6: BCM n is sysfs 512 + n. */
const LAMP_PINS = { red: 22, yellow: 27, green: 17 } as const;
const line = (lamp: keyof typeof LAMP_PINS) => 512 + LAMP_PINS[lamp];

let dir: ReturnType<typeof tempDir>;
let influxd: ManagedInfluxd;
let sysfs: FakeSysfs;
let kit: Kit;
let config: KitConfig;
const board = new FakeGpioBoard(PI4_KERNEL_6_6);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const press = () => kit.live.snapshot().machines.find((m) => m.id === 'press');
const states = async () =>
  (await influxQuery(influxd.url, 'minotake', `SELECT "state", "code" FROM "events"."machine_state" WHERE "machine" = 'press'`)).map(
    (r) => `${r.state}:${r.code}`,
  );

beforeAll(async () => {
  dir = tempDir('tower');
  influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
  sysfs = makeFakeSysfs(PI4_KERNEL_6_6);
  config = testConfig(dir.path, join(dir.path, 'no-node'), influxd.url, {
    sources: {
      serial: [{ id: 'node-a', path: join(dir.path, 'no-node') }],
      network: [{ id: 'node-b' }],
      gpio: Object.entries(LAMP_PINS).map(([lamp, pin]) => ({ id: `press-${lamp}`, pin, debounceMs: 10 })),
      towers: [{ id: 'press-tower', lamps: { red: 'press-red', yellow: 'press-yellow', green: 'press-green' } }],
    },
    machines: [...TEST_MACHINES, { id: 'press', name: 'プレス', source: { tower: 'press-tower' }, minDwellSeconds: 1 }],
    // Planned all day, every day, so the 稼働率 of the test's minutes has a denominator whenever it runs.
    calendar: {
      shifts: [{ id: 'all', name: '終日', start: '00:00', end: '00:00', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }],
    },
  });
  kit = await startKit({
    config,
    log: testLog,
    baseDir: dir.path,
    createSource: (kind, id, ctx) => {
      const input = config.sources.gpio.find((g) => g.id === id);
      return kind === 'gpio' && input ? createGpioInput(input, ctx, { Gpio: board.Gpio, sysfsRoot: sysfs.root }) : undefined;
    },
  });
});

afterAll(async () => {
  await kit?.stop();
  await influxd?.stop();
  sysfs?.remove();
  dir?.remove();
});

describe('a signal tower on GPIO photo sensors → edge → broker → InfluxDB, alarms and the dashboard API', () => {
  let faultFrom = 0;
  let faultTo = 0;

  it('reads the lamps as the machine state: none lit is OFF, green is RUN', async () => {
    await waitFor('press OFF with no lamp lit', () => press()?.state === 'OFF');
    board.setLevel(line('green'), 1);
    await waitFor('press RUN once green has held', () => press()?.state === 'RUN');
  });

  it('takes a blinking red lamp as one fault stop (異常停止), not as flicker, and raises the fault alarm', async () => {
    const sub = mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.machineState(KIT, 'press'), '-v', '-W', '14'],
    ]);
    // Red blinks at about 1.25 Hz for 8 s while green stays lit, then goes out for good.
    faultFrom = Date.now();
    for (let i = 0; i < 10; i++) {
      board.setLevel(line('red'), 1);
      if (i === 5) {
        await waitFor('the health report sees red blinking', () => {
          const towers = kit.health().edge?.towers as Record<string, { lamps: Record<string, string> }> | undefined;
          return towers?.['press-tower']?.lamps.red === 'blinking';
        });
        expect(press()?.state).toBe('FAULT');
        expect(kit.alarms.active().map((a) => `${a.ruleId}/${a.target.id}`)).toContain('machine-fault/press');
      }
      await sleep(400);
      board.setLevel(line('red'), 0);
      faultTo = Date.now();
      await sleep(400);
    }
    await waitFor('press back to RUN once red stayed out', () => press()?.state === 'RUN');
    await waitFor('the fault alarm cleared', () =>
      kit.alarms.active().every((a) => a.ruleId !== 'machine-fault' || a.state !== 'active-unacknowledged'),
    );

    // One FAULT between two RUNs: sixteen lamp edges made no further states.
    const seen = (await sub).stdout;
    expect(seen.match(/"state":"FAULT"/g)).toHaveLength(1);
    await waitFor('the states stored in order', async () => (await states()).join(' ') === 'OFF:0 RUN:2 FAULT:3 RUN:2');
  });

  it('stores each lamp edge with its machine and colour, and counts the fault apart in 稼働率', async () => {
    const red = await influxQuery(
      influxd.url,
      'minotake',
      `SELECT "value" FROM "events"."digital_input" WHERE "machine" = 'press' AND "lamp" = 'red'`,
    );
    expect(red.length).toBeGreaterThanOrEqual(20); // the level at start, then ten on/off pairs

    const { secret } = kit.auth.createToken('api', 'report', 'viewer');
    const from = faultFrom - 60_000;
    const to = Date.now() + 1000;
    const response = await fetch(`http://127.0.0.1:${kit.httpPort}/api/utilization?machine=press&from=${from}&to=${to}&by=day`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(response.status).toBe(200);
    const rows = ((await response.json()) as { rows: { faultMs: number; runMs: number; utilization: number }[] }).rows;
    const faultMs = rows.reduce((sum, r) => sum + r.faultMs, 0);
    // From the first red edge to the last one, as the test's own clock saw them (the inputs debounce by 10 ms).
    expect(Math.abs(faultMs - (faultTo - faultFrom))).toBeLessThan(300);
    expect(rows.reduce((sum, r) => sum + r.runMs, 0)).toBeGreaterThan(0);
  });
});

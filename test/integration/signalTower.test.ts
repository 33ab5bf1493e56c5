import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { KIT, PASSWORDS } from '../helpers/kit.js';
import { influxQuery, mosquitto, waitFor } from '../helpers/services.js';
import { startTowerKit } from '../helpers/towerKit.js';

let t: Awaited<ReturnType<typeof startTowerKit>>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const press = () => t.kit.live.snapshot().machines.find((m) => m.id === 'press');
const states = async () =>
  (await influxQuery(t.influxd.url, 'minotake', `SELECT "state", "code" FROM "events"."machine_state" WHERE "machine" = 'press'`)).map(
    (r) => `${r.state}:${r.code}`,
  );

beforeAll(async () => {
  t = await startTowerKit('tower', { red: 22, yellow: 27, green: 17 });
});

afterAll(async () => {
  await t?.stop();
});

describe('a signal tower on GPIO photo sensors → edge → broker → InfluxDB, alarms and the dashboard API', () => {
  let faultFrom = 0;
  let faultTo = 0;

  it('reads the lamps as the machine state: none lit is OFF, green is RUN', async () => {
    await waitFor('press OFF with no lamp lit', () => press()?.state === 'OFF');
    t.lamp('green', 1);
    await waitFor('press RUN once green has held', () => press()?.state === 'RUN');
  });

  it('takes a blinking red lamp as one fault stop (異常停止), not as flicker, and raises the fault alarm', async () => {
    const sub = mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.machineState(KIT, 'press'), '-v', '-W', '14'],
    ]);
    // Red blinks at about 1.25 Hz for 8 s while green stays lit, then goes out for good.
    faultFrom = Date.now();
    for (let i = 0; i < 10; i++) {
      t.lamp('red', 1);
      if (i === 5) {
        await waitFor('the health report sees red blinking', () => {
          const towers = t.kit.health().edge?.towers as Record<string, { lamps: Record<string, string> }> | undefined;
          return towers?.['press-tower']?.lamps.red === 'blinking';
        });
        expect(press()?.state).toBe('FAULT');
        expect(t.kit.alarms.active().map((a) => `${a.ruleId}/${a.target.id}`)).toContain('machine-fault/press');
      }
      await sleep(400);
      t.lamp('red', 0);
      faultTo = Date.now();
      await sleep(400);
    }
    await waitFor('press back to RUN once red stayed out', () => press()?.state === 'RUN');
    await waitFor('the fault alarm cleared', () =>
      t.kit.alarms.active().every((a) => a.ruleId !== 'machine-fault' || a.state !== 'active-unacknowledged'),
    );

    // One FAULT between two RUNs: sixteen lamp edges made no further states.
    const seen = (await sub).stdout;
    expect(seen.match(/"state":"FAULT"/g)).toHaveLength(1);
    await waitFor('the states stored in order', async () => (await states()).join(' ') === 'OFF:0 RUN:2 FAULT:3 RUN:2');
  });

  it('stores each lamp edge with its machine and colour, and counts the fault apart in 稼働率', async () => {
    const red = await influxQuery(
      t.influxd.url,
      'minotake',
      `SELECT "value" FROM "events"."digital_input" WHERE "machine" = 'press' AND "lamp" = 'red'`,
    );
    expect(red.length).toBeGreaterThanOrEqual(20); // the level at start, then ten on/off pairs

    const { secret } = t.kit.auth.createToken('api', 'report', 'viewer');
    const from = faultFrom - 60_000;
    const to = Date.now() + 1000;
    const response = await fetch(`http://127.0.0.1:${t.kit.httpPort}/api/utilization?machine=press&from=${from}&to=${to}&by=day`, {
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

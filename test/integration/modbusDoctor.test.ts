import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SimSdm120, SimSdm630, SimXyMd02 } from '../../firmware-sim/modbus/index.js';
import { startKit } from '../../gateway/kit.js';
import { EXIT } from '../../gateway/kitlife/exitCodes.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { runCli } from '../helpers/cli.js';
import { call, signIn } from '../helpers/http.js';
import { testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { startSimulatedBus } from '../helpers/modbus.js';
import { startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

interface Check {
  id: string;
  status: string;
  detail: { ja: string; en: string };
  action?: { ja: string; en: string };
}

/**
 * `minotake doctor` on a kit with an RS-485 bus of simulated devices on a socat pty: a healthy meter, a sensor that answers
 * every request with "illegal data address" (a wrong map), a meter whose answers all arrive with a broken CRC (wrong
 * speed, no termination), an address nobody answers, and an adapter that is not plugged in. Once with the kit stopped
 * (the doctor polls each device itself) and once from the running kit's counters.
 */
describe('doctor on Modbus devices', () => {
  const dir = tempDir('modbus-doctor');
  let influxd: ManagedInfluxd;
  let bus: Awaited<ReturnType<typeof startSimulatedBus>>;
  let kitFile: string;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    bus = await startSimulatedBus(dir.path);
    bus.sim.add(1, new SimSdm630()).add(2, new SimXyMd02(2), { exception: 2 }).add(3, new SimSdm120(), { badCrc: 1 });
    await bus.open();
    const device = (id: string, address: number, map: string) => ({ id, address, map, pollSeconds: 1 });
    config = testConfig(dir.path, join(dir.path, 'no-serial-node'), influxd.url, {
      sources: {
        serial: [],
        modbus: [
          {
            id: 'rs485',
            path: bus.path,
            devices: [
              device('meter-1', 1, 'sdm630'),
              device('th-2', 2, 'xy-md02'),
              device('meter-3', 3, 'sdm120'),
              device('ghost', 4, 'xy-md02'),
            ],
          },
          { id: 'spare', path: join(dir.path, 'no-such-adapter'), devices: [device('th-9', 9, 'xy-md02')] },
        ],
      },
      machines: [],
      zones: [],
      broker: { host: '127.0.0.1', port: 0, accounts: [] },
    });
    kitFile = join(dir.path, 'kit.yaml');
    writeFileSync(kitFile, stringify(config));
  });

  afterAll(async () => {
    await bus?.stop();
    await influxd?.stop();
    dir.remove();
  });

  const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id) as Check;
  const expectTheBus = (checks: Check[]) => {
    const check = (id: string) => byId(checks, id);
    // The adapter is there (under a path that may change on re-plugging, which is worth a warning).
    expect(check('bus:rs485').status).toBe('warn');
    expect(check('node:th-2').status).toBe('warn');
    expect(check('node:th-2').detail.en).toMatch(/[1-9]\d* exception answers \(code 2: [1-9]/);
    expect(check('node:th-2').action?.en).toContain('no such register');
    expect(check('node:th-2').action?.ja).toContain('レジスタがありません');
    expect(check('node:meter-3').status).toBe('fail');
    expect(check('node:meter-3').detail.en).toMatch(/no answer.* [1-9]\d* CRC or frame errors/);
    expect(check('node:meter-3').action?.en).toContain('garbled');
    expect(check('node:ghost').status).toBe('fail');
    expect(check('node:ghost').detail.en).toMatch(/no answer.* [1-9]\d* timeouts/);
    expect(check('node:ghost').action?.en).toContain('address set on the device (4');
    expect(check('node:ghost').action?.ja).toContain('A と B の配線');
    // An adapter that is not plugged in: the bus fails, and its devices are not blamed one by one.
    expect(check('bus:spare')).toMatchObject({ status: 'fail' });
    expect(check('bus:spare').detail.en).toContain('no-such-adapter');
    expect(checks.find((c) => c.id === 'node:th-9')).toBeUndefined();
  };

  it('polls each device itself while the kit is stopped, and names what to do', async () => {
    const run = await runCli(['doctor', '--config', kitFile, '--json', '--lang', 'en'], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(EXIT.problems);
    const { checks } = JSON.parse(run.stdout) as { checks: Check[] };
    expectTheBus(checks);
    expect(byId(checks, 'node:meter-1')).toMatchObject({ status: 'ok' });
    expect(byId(checks, 'node:meter-1').detail.en).toBe('answered 1 of 1 polls; 0 timeouts, 0 CRC or frame errors, 0 exception answers');
    // The plain-words form says the same in Japanese.
    const ja = await runCli(['doctor', '--config', kitFile, '--lang', 'ja'], { cwd: dir.path });
    expect(ja.stdout).toMatch(/✓ Modbus 機器 meter-1（アドレス 1）: \d+ 回中 \d+ 回応答、タイムアウト 0、CRC・フレーム誤り 0、例外応答 0/);
    expect(ja.stdout).toMatch(/✗ Modbus 機器 ghost（アドレス 4）: 応答がありません/);
  });

  it("reads the running kit's own counters", async () => {
    const kit = await startKit({ config, log: testLog, baseDir: dir.path, configFile: kitFile });
    try {
      kit.auth.addUser('center', 'center-password-1', 'admin');
      const admin = await signIn(`http://127.0.0.1:${kit.httpPort}/`, 'center', 'center-password-1');
      // Two rounds, so the counts are the kit's running totals and not one probe's.
      await waitFor('two polls of every device', () => {
        const devices = Object.values(kit.health().edge?.modbus.rs485?.devices ?? {});
        return devices.length === 4 && devices.every((d) => d.polls >= 2);
      });
      const { status, body } = await call(admin, 'GET', 'api/doctor');
      expect(status).toBe(200);
      expectTheBus(body.checks as Check[]);
      // The kit's running totals (a request it timed out on while starting up, on a loaded machine, may be among them).
      const meter = byId(body.checks, 'node:meter-1');
      expect(meter.status).not.toBe('fail');
      expect(Number(/answered (\d+) of/.exec(meter.detail.en)?.[1])).toBeGreaterThanOrEqual(2);
      expect(meter.detail.en).toMatch(/ 0 CRC or frame errors, 0 exception answers$/);
      expect(body.status).toBe('fail');
    } finally {
      await kit.stop();
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startKit } from '../../gateway/kit.js';
import { call, type Signed, signIn } from '../helpers/http.js';
import { KIT, startSimulatedNode, TEST_MACHINES, testConfig } from '../helpers/kit.js';
import { latheHistory } from '../helpers/lathe.js';
import { testLog } from '../helpers/log.js';
import { influxAuthHeader, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

/** Not 127.0.0.1, yet loopback (all of 127/8 is): a kit listening on one address that is not the one the doctor used to try. */
const HOST = '127.0.0.2';

describe('the kit life on a running kit: doctor, clock and calibration over HTTP', () => {
  const dir = tempDir('kitlife');
  const clockSet: number[] = [];
  let influxd: Awaited<ReturnType<typeof startTestInfluxd>>;
  let node: Awaited<ReturnType<typeof startSimulatedNode>>;
  let kit: Awaited<ReturnType<typeof startKit>>;
  let kitFile: string;
  let admin: Signed;
  let viewer: Signed;

  beforeAll(async () => {
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    node = await startSimulatedNode(dir.path);
    // Beside the CT machines, a grinder watched through an SDM630's power (its adapter is not plugged in: its history is stored).
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url, {
      sources: {
        serial: [
          { id: 'node-a', path: node.links.edgeLink, silentAfterSeconds: 5 },
          { id: 'node-b', path: join(dir.path, 'no-such-port'), silentAfterSeconds: 5 },
        ],
        modbus: [{ id: 'rs485', path: join(dir.path, 'no-rs485-adapter'), devices: [{ id: 'meter-1', address: 1, map: 'sdm630' }] }],
      },
      machines: [
        ...TEST_MACHINES,
        {
          id: 'grinder',
          name: '研削盤',
          source: { node: 'meter-1', channel: 'total', quantity: 'power' },
          thresholds: { idleAbove: 100, runAbove: 1000, hysteresis: 50 },
        },
      ],
    });
    // Broker and dashboard on one address, as `host: 192.168.1.10` puts them on one LAN card: the doctor must look there.
    config.broker.host = HOST;
    config.http.host = HOST;
    kitFile = join(dir.path, 'kit.yaml');
    writeFileSync(kitFile, `# テスト用キット / the test kit: this comment must survive a calibration\n${stringify(config)}`);
    kit = await startKit({ config, log: testLog, baseDir: dir.path, configFile: kitFile, setClock: async (ms) => void clockSet.push(ms) });
    node.start({ linesPerSecond: 20 });
    kit.auth.addUser('center', 'center-password-1', 'admin');
    kit.auth.addUser('tablet', 'tablet-password-1', 'viewer');
    const base = `http://${HOST}:${kit.httpPort}/`;
    admin = await signIn(base, 'center', 'center-password-1');
    viewer = await signIn(base, 'tablet', 'tablet-password-1');
  });
  afterAll(async () => {
    await node?.stop();
    await kit?.stop();
    await influxd?.stop();
    dir.remove();
  });

  it('doctor says in plain words which node is missing and that the rest works, on the address the kit listens on; only managers may ask', async () => {
    await waitFor('readings stored', () => kit.health().ingest.lastReadingAt);
    const { status, body } = await call(admin, 'GET', 'api/doctor');
    expect(status).toBe(200);
    type Check = { id: string; status: string; detail: { en: string } };
    const checks = body.checks as Check[];
    const byId = (id: string) => checks.find((c) => c.id === id) as Check;
    expect(byId('port:node-b')).toMatchObject({ status: 'fail' });
    expect(byId('port:node-b').detail.en).toContain('no-such-port');
    expect(byId('node:node-a')).toMatchObject({ status: 'ok' });
    expect(byId('node:node-a').detail.en).toMatch(/\d+ good lines, 0 rejected/);
    expect(byId('influxdb')).toMatchObject({ status: 'ok' });
    expect(byId('broker')).toMatchObject({ status: 'ok' });
    expect(byId('broker').detail.en).toContain('refuses clients without a password');
    // Served (or, without a dashboard build, served with a warning to build it): found on the address it listens on.
    expect(['ok', 'warn']).toContain(byId('dashboard').status);
    expect(byId('dashboard').detail.en).toContain(`http://${HOST}:${kit.httpPort}/`);
    expect(byId('clock').status).not.toBe('fail');
    expect(byId('disk').status).not.toBe('fail');
    expect(byId('wear').detail.en).toMatch(/not available|pre_eol/);
    expect(body.status).toBe('fail');
    expect((await call(viewer, 'GET', 'api/doctor')).status).toBe(403);
  });

  it('shows the clock to everyone and lets only an admin set it from the browser', async () => {
    const clock = await call(viewer, 'GET', 'api/clock');
    expect(clock.status).toBe(200);
    expect(Math.abs(clock.body.now - Date.now())).toBeLessThan(10_000);
    expect(clock.body).toMatchObject({ wentBack: false, timeZone: 'Asia/Tokyo' });
    expect((await call(viewer, 'PUT', 'api/clock', { now: Date.now() })).status).toBe(403);
    const browserNow = Date.now() + 3_600_000;
    expect((await call(admin, 'PUT', 'api/clock', { now: browserNow })).status).toBe(200);
    expect(clockSet).toEqual([browserNow]);
    expect((await call(admin, 'PUT', 'api/clock', { now: 5 })).status).toBe(400);
  });

  it('lists the live amps of every channel', async () => {
    const live = await waitFor('four live channels', async () => {
      const { body } = await call(admin, 'GET', 'api/calibration/live');
      return body.channels.length >= 4 ? body : undefined;
    });
    expect(live.channels.map((c: { channel: string }) => c.channel)).toEqual(['ct1', 'ct2', 'ct3', 'ct4']);
    expect(live.channels[0]).toMatchObject({ node: 'node-a', machine: 'm1' });
  });

  it('proposes thresholds from the stored distribution, saves them into the kit file and the edge uses them at once', async () => {
    const end = Date.now() - 3 * 3_600_000;
    const write = await fetch(`${influxd.url}/write?db=minotake&rp=raw&precision=ns`, {
      method: 'POST',
      headers: influxAuthHeader(influxd.url),
      body: latheHistory({ kit: KIT, node: 'node-a', machine: 'm1', end, hours: 2 }),
    });
    expect(write.status).toBe(204);
    const view = await call(admin, 'GET', `api/calibration/m1?from=${end - 7_200_000}&to=${end}`);
    expect(view.status).toBe(200);
    expect(view.body.total).toBe(7200);
    expect(view.body.proposal.levels.map((l: { state: string }) => l.state)).toEqual(['OFF', 'IDLE', 'RUN']);
    const proposed = view.body.proposal.thresholds;
    expect(proposed.idleAbove).toBeGreaterThan(0.15);
    expect(proposed.idleAbove).toBeLessThan(1.2);
    expect(proposed.runAbove).toBeGreaterThan(2);
    expect(proposed.runAbove).toBeLessThan(9);

    // A limit no reading reaches: the machine reads as stopped from the next sample on, without a restart.
    const high = { idleAbove: 900, runAbove: 1000, hysteresis: 0.5 };
    expect((await call(viewer, 'PUT', 'api/calibration/m1', high)).status).toBe(403);
    const saved = await call(admin, 'PUT', 'api/calibration/m1', high);
    expect(saved.status).toBe(200);
    const text = readFileSync(kitFile, 'utf8');
    expect(text).toContain('this comment must survive a calibration');
    expect(text).toMatch(/thresholds: \{ idleAbove: 900, runAbove: 1000, hysteresis: 0.5 \}/);
    await waitFor('m1 stopped under the new limits', () => (kit.health().edge?.machines.m1?.state === 'OFF' ? true : undefined));

    // Thresholds the schema refuses are not written.
    const bad = await call(admin, 'PUT', 'api/calibration/m1', { idleAbove: 5, runAbove: 4, hysteresis: 0.1 });
    expect(bad.status).toBe(400);
    expect(bad.body.messageJa).toContain('idleAbove');
    expect(readFileSync(kitFile, 'utf8')).toBe(text);

    // Someone (or `minotake calibrate --accept`) edits the file: the running kit takes that too.
    writeFileSync(
      kitFile,
      text.replace('{ idleAbove: 900, runAbove: 1000, hysteresis: 0.5 }', '{ idleAbove: 0.001, runAbove: 0.002, hysteresis: 0 }'),
    );
    await waitFor('m1 running under the edited file', () => (kit.health().edge?.machines.m1?.state === 'RUN' ? true : undefined));
  });

  it('proposes the thresholds of a machine watched by power in watts, from its watts and not its amps', async () => {
    const end = Date.now() - 5 * 3_600_000;
    const history = (quantity: 'current' | 'power') =>
      latheHistory({ kit: KIT, node: 'meter-1', channel: 'total', machine: 'grinder', end, hours: 2, quantity });
    // The meter's amps are stored too (every meter channel's current goes to raw.current): they must not be what is binned.
    const write = await fetch(`${influxd.url}/write?db=minotake&rp=raw&precision=ns`, {
      method: 'POST',
      headers: influxAuthHeader(influxd.url),
      body: `${history('power')}\n${history('current')}`,
    });
    expect(write.status).toBe(204);
    const view = await call(admin, 'GET', `api/calibration/grinder?from=${end - 7_200_000}&to=${end}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ machine: 'grinder', node: 'meter-1', channel: 'total', unit: 'W', total: 7200 });
    expect(view.body.current).toEqual({ idleAbove: 100, runAbove: 1000, hysteresis: 50 });
    const levels = view.body.proposal.levels as { state: string; peak: number }[];
    expect(levels.map((l) => l.state)).toEqual(['OFF', 'IDLE', 'RUN']);
    expect(levels[1]?.peak).toBeGreaterThan(300);
    expect(levels[1]?.peak).toBeLessThan(500);
    expect(levels[2]?.peak).toBeGreaterThan(2800);
    const proposed = view.body.proposal.thresholds;
    expect(proposed.idleAbove).toBeGreaterThan(10);
    expect(proposed.idleAbove).toBeLessThan(300);
    expect(proposed.runAbove).toBeGreaterThan(600);
    expect(proposed.runAbove).toBeLessThan(2800);
    expect(Number.isInteger(proposed.idleAbove) && Number.isInteger(proposed.hysteresis)).toBe(true);
    expect(view.body.proposal.shares.RUN).toBeCloseTo(1 / 3, 1);
    // The kit file takes them as they are: watts, valid under the kit file's own rules.
    expect((await call(admin, 'PUT', 'api/calibration/grinder', proposed)).status).toBe(200);
    expect(readFileSync(kitFile, 'utf8')).toContain(`idleAbove: ${proposed.idleAbove}, runAbove: ${proposed.runAbove}`);
  });
});

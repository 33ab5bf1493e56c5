import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { loadScenario } from '../../firmware-sim/scenario.js';
import type { Queued } from '../../firmware-sim/wifi/ring.js';
import { startWifiNode, type WifiNode } from '../../firmware-sim/wifi/wifiNode.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { KIT, NODE_B_MACHINE, PASSWORDS, startSimulatedNode, TEST_MACHINES, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxQuery, mosquitto, requireCommand, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.js';

// node-b is on the factory Wi-Fi (sources.network, silent after 5 s), with m5 on its ct1 and the office on its env1. It
// speaks MQTT over TLS to the kit's broker (broker.tls) with the kit's certificate, through a relay the test can cut.
let t: { kit: Kit; influxd: { current: ManagedInfluxd }; node: Awaited<ReturnType<typeof startSimulatedNode>> };
let dir: ReturnType<typeof tempDir>;
let proxy: TcpProxy;
let wifi: WifiNode;
const acknowledged: Queued[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const live = () => t.kit.live.snapshot();
const m5 = () => live().machines.find((m) => m.id === 'm5');
/** The sensor-silent alarm of node-b that is up now (a cleared one nobody acknowledged may still be listed beside it). */
const silentAlarmUp = () =>
  t.kit.alarms.active().some((a) => a.ruleId === 'sensor-silent' && a.target.id === 'node-b' && a.state.startsWith('active'));

/** What InfluxDB holds of node-b, in time order, as `seq:channel:value`; the seq comes back from the point's sub-ms time. */
async function stored(): Promise<{ ts: number; ns: bigint; key: string }[]> {
  const seqOf = (time: unknown) => Number(BigInt(String(time)) % 1_000_000n) / 15;
  const msOf = (time: unknown) => Number(BigInt(String(time)) / 1_000_000n);
  const ns = (time: unknown) => BigInt(String(time));
  const current = await influxQuery(t.influxd.current.url, 'minotake', `SELECT amps, channel FROM "raw"."current" WHERE "node" = 'node-b'`);
  const climate = await influxQuery(
    t.influxd.current.url,
    'minotake',
    `SELECT temperature_c, channel FROM "raw"."climate" WHERE "node" = 'node-b'`,
  );
  return [
    ...current.map((r) => ({ ts: msOf(r.time), ns: ns(r.time), key: `${seqOf(r.time)}:${r.channel}:${r.amps}` })),
    ...climate.map((r) => ({ ts: msOf(r.time), ns: ns(r.time), key: `${seqOf(r.time)}:${r.channel}:${r.temperature_c}` })),
  ].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}

/** The same keys for what the node sent and the kit acknowledged, in the order it measured them. */
const sentKeys = (items: Queued[]) =>
  items.flatMap((q) =>
    q.reading.kind === 'current'
      ? Object.entries(q.reading.amps).map(([channel, amps]) => `${q.seq}:${channel}:${amps}`)
      : q.reading.kind === 'climate'
        ? [`${q.seq}:${q.reading.channel}:${q.reading.temperatureC}`]
        : [],
  );

/** Every reading acknowledged so far is in InfluxDB once, in the order measured, and nothing else up to the last of them. */
async function expectStoredOnceInOrder(): Promise<number> {
  const sent = [...acknowledged];
  // Up to eight readings are in flight at once, so one measured before the last acknowledged may be stored while its own
  // acknowledgement is still on the way: still in the node's ring, it is neither required nor an extra.
  const ring = wifi.uplink.ring;
  const inFlight = new Set(sentKeys(Array.from({ length: ring.length }, (_, i) => ring.at(i)).filter((q) => q !== undefined)));
  const last = sent.at(-1)?.ts as number;
  const rows = await waitFor('every acknowledged reading stored', async () => {
    const all = (await stored()).filter((r) => r.ts <= last && !inFlight.has(r.key));
    return all.length >= sentKeys(sent).length ? all : undefined;
  });
  const got = rows.map((r) => r.key);
  const want = sentKeys(sent);
  const twice = got.filter((key, i) => got.indexOf(key) !== i);
  expect({ missing: want.filter((k) => !got.includes(k)), extra: got.filter((k) => !want.includes(k)), twice }).toEqual({
    missing: [],
    extra: [],
    twice: [],
  });
  expect(got, 'in the order measured').toEqual(want);
  return sent.length;
}

/** The kit's own certificate for its address on the network (here loopback), as docs/wiring-wifi-node.md makes it. */
function makeCertificate(folder: string): { cert: string; key: string } {
  requireCommand('openssl', 'apt-get install openssl');
  const cert = join(folder, 'kit.crt');
  const key = join(folder, 'kit.key');
  const subject = ['-subj', '/CN=minotake-kit', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert, ...subject], {
    stdio: 'ignore',
  });
  return { cert, key };
}

beforeAll(async () => {
  dir = tempDir('wifi');
  const influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
  const node = await startSimulatedNode(dir.path);
  const config = testConfig(dir.path, node.links.edgeLink, influxd.url, {
    machines: [...TEST_MACHINES, { ...NODE_B_MACHINE, minDwellSeconds: 0, silentAfterSeconds: 5 }],
    zones: [
      { id: 'floor', name: '工場', source: { node: 'node-a', channel: 'env1' } },
      { id: 'office', name: '事務所', source: { node: 'node-b', channel: 'env1' } },
    ],
  });
  const tls = makeCertificate(dir.path);
  config.broker.tls = { ...tls, host: '127.0.0.1', port: 0 };
  const kit = await startKit({ config, log: testLog, baseDir: dir.path });
  t = { kit, influxd: { current: influxd }, node };
  t.node.start({ linesPerSecond: 2 });
  proxy = await startTcpProxy(t.kit.brokerTlsPort as number);
  const normal = await loadScenario('normal-day');
  // The kit file declares ct1 and env1 of node-b: a node sends what it is wired for.
  const scenario = { ...normal, nodeId: 'node-b', channels: normal.channels.filter((c) => c.id === 'ct1' || c.id === 'env1') };
  wifi = startWifiNode(
    scenario,
    {
      url: `mqtts://127.0.0.1:${proxy.port}`,
      username: 'node-b',
      password: PASSWORDS.nodeB,
      kit: KIT,
      keepaliveSeconds: 2,
      connect: { connectTimeout: 2000, ca: readFileSync(tls.cert) },
    },
    { linesPerSecond: 4 },
  );
  wifi.uplink.on('acknowledged', (item) => acknowledged.push(item));
  // A known state: ct1 running, so that any 無信号 in the record would stand out.
  wifi.node.setOverride('ct1', 'run');
});

afterAll(async () => {
  await wifi?.stop();
  await proxy?.close();
  await t?.node.stop();
  await t?.kit.stop();
  await t?.influxd.current.stop();
  dir?.remove();
});

describe('a sensor node on the factory Wi-Fi (firmware-sim over MQTT, through a link the test can cut)', () => {
  it('takes the kit time and is read like a serial node: states, WBGT, node status, the same dashboard shapes', async () => {
    await waitFor('m5 RUN from node-b readings', () => m5()?.state === 'RUN' && m5()?.amps !== null);
    await waitFor('the office WBGT', () => live().zones.find((z) => z.id === 'office')?.wbgtC !== null);
    await waitFor('node-b online', () => live().nodes.find((n) => n.id === 'node-b')?.online);
    // Its clock is the kit's within the time a message takes on loopback.
    expect(Math.abs((wifi.uplink.clock.toKit(performance.now()) as number) - Date.now())).toBeLessThan(100);
    // The dashboard sees a machine on the network and one on a serial port in exactly the same shape.
    await waitFor('m1 from the serial node', () => live().machines.find((m) => m.id === 'm1')?.state !== 'UNKNOWN');
    const m1 = live().machines.find((m) => m.id === 'm1');
    expect(Object.keys(m5() ?? {}).sort()).toEqual(Object.keys(m1 ?? {}).sort());
    const health = t.kit.health().edge?.nodes['node-b'];
    expect(health?.frames).toBeGreaterThan(0);
    expect(health?.lost).toBe(0);
    // Over TLS with the kit's certificate: a client that does not know it is turned away.
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${proxy.port}`, { username: 'node-b', password: PASSWORDS.nodeB, reconnectPeriod: 0 }),
    ).rejects.toThrow(/self.signed|certificate/i);
    await waitFor('a few readings acknowledged', () => acknowledged.length >= 8);
    await expectStoredOnceInOrder();
  });

  it('a drop of seconds (the link dies silently): what was measured meanwhile is stored once and in order', async () => {
    const before = wifi.uplink.stats.disconnects;
    proxy.blackhole();
    await sleep(3000);
    proxy.restore();
    await waitFor('the node noticed and reconnected', () => wifi.uplink.stats.disconnects > before && wifi.uplink.connected, 30_000);
    await waitFor('its buffer drained', () => wifi.uplink.ring.length < 4, 30_000);
    await expectStoredOnceInOrder();
    expect(t.kit.health().edge?.nodes['node-b']?.lost).toBe(0);
  });

  it('a drop of minutes: 無信号 and the sensor-silent alarm meanwhile, then every buffered reading stored once, in order, and no gap in the record', async () => {
    const dropsBefore = t.kit.health().edge?.nodes['node-b']?.disconnects ?? 0;
    proxy.cut();
    const cutAt = Date.now();
    await waitFor('node-b offline', () => live().nodes.find((n) => n.id === 'node-b')?.online === false);
    // The drop-out is in the edge's health for the doctor, with the reason the node's last will gave or the silence.
    await waitFor('the drop-out counted', () => t.kit.health().edge?.nodes['node-b']?.disconnects === dropsBefore + 1);
    expect(t.kit.health().edge?.nodes['node-b']?.lastDisconnect?.reason).toMatch(/connection lost|silent/);
    await waitFor('m5 無信号 on the dashboard', () => m5()?.state === 'UNKNOWN', 20_000);
    await waitFor('the sensor-silent alarm raised', silentAlarmUp, 20_000);
    // Over a minute without the kit: the node keeps measuring into its ring.
    await sleep(Math.max(0, 65_000 - (Date.now() - cutAt)));
    const buffered = wifi.uplink.ring.length;
    expect(buffered).toBeGreaterThan(250); // 65 s of 4 current readings a second, and climate every 2 s

    proxy.restore();
    await waitFor('its buffer drained', () => wifi.uplink.ring.length < 4, 60_000);
    await waitFor('the alarm cleared', () => !silentAlarmUp(), 20_000);
    await waitFor('m5 RUN again', () => m5()?.state === 'RUN');
    await expectStoredOnceInOrder();
    expect(wifi.uplink.stats.dropped).toBe(0);
    expect(t.kit.health().edge?.nodes['node-b']?.lost).toBe(0);

    // The readings of the outage arrived, so the record shows the machine running through it, not 無信号: the state dated
    // where the 無信号 began replaces it once the kit's next write to InfluxDB is done (m5 RUN was seen live just now).
    const states = await waitFor('the outage recorded as running', async () => {
      const rows = await influxQuery(
        t.influxd.current.url,
        'minotake',
        `SELECT "state" FROM "events"."machine_state" WHERE "machine" = 'm5'`,
      );
      return rows.some((r) => r.state === 'UNKNOWN') ? undefined : rows;
    });
    expect(states.map((r) => r.state)).toContain('RUN');
  }, 180_000);

  it('a node that never comes back: 無信号, offline, and the sensor-silent alarm on its retained topic', async () => {
    await wifi.stop();
    await waitFor('m5 無信号', () => m5()?.state === 'UNKNOWN', 20_000);
    await waitFor('the sensor-silent alarm raised', silentAlarmUp, 20_000);
    const sub = await mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.alarm(KIT, 'sensor-silent', 'node-b'), '-C', '1', '-W', '5'],
    ]);
    expect(JSON.parse(sub.stdout)).toMatchObject({
      ruleId: 'sensor-silent',
      target: { kind: 'node', id: 'node-b' },
      state: 'active-unacknowledged',
    });
    expect(live().nodes.find((n) => n.id === 'node-b')?.online).toBe(false);
  }, 60_000);
});

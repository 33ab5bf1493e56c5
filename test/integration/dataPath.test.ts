import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { KIT, NODE_B_MACHINE, PASSWORDS, sentReadings, startTestKit, storedReadings, TEST_MACHINES } from '../helpers/kit.js';
import { influxQuery, mosquitto, waitFor } from '../helpers/services.js';

type TestKit = Awaited<ReturnType<typeof startTestKit>>;
let t: TestKit;
let port: string;
/** The broker address and one account's credentials, as the mosquitto clients take them. */
const as = (username: string, password: string) => ['-h', '127.0.0.1', '-p', port, '-u', username, '-P', password];

beforeAll(async () => {
  t = await startTestKit('datapath', { machines: [...TEST_MACHINES, NODE_B_MACHINE] });
  port = String(t.kit.brokerPort);
});
afterAll(async () => {
  await t?.stop();
});

describe('sensor node → serial pty → edge → aedes → InfluxDB', () => {
  it('stores every reading the simulator sent exactly once, with its values, and mosquitto_sub sees the documented topics', async () => {
    const sub = mosquitto('mosquitto_sub', [...as('reader', PASSWORDS.reader), '-t', `minotake/v1/${KIT}/#`, '-v', '-W', '8']);
    await new Promise((r) => setTimeout(r, 300));
    t.node.start({ linesPerSecond: 40, maxLines: 200 });
    await t.node.node.finished;
    const expected = sentReadings(t.node.sent);
    expect(expected.length).toBeGreaterThan(600);

    const stored = await waitFor('every reading in InfluxDB', async () => {
      const rows = await storedReadings(t.influxd.current.url);
      return rows.length >= expected.length ? rows : undefined;
    });
    expect(stored).toEqual(expected);

    const seen = new Set((await sub).stdout.split('\n').map((line) => line.split(' ')[0]));
    for (const topic of [
      topics.kitStatus(KIT),
      topics.nodeStatus(KIT, 'node-a'),
      topics.nodeCurrent(KIT, 'node-a'),
      topics.nodeClimate(KIT, 'node-a'),
      topics.zoneEnvironment(KIT, 'floor'),
      topics.machineState(KIT, 'm1'),
    ]) {
      expect(seen, `mosquitto_sub did not see ${topic}`).toContain(topic);
    }
  });

  it('stores machine state changes and reports counters in the health report', async () => {
    const states = await influxQuery(t.influxd.current.url, 'minotake', 'SELECT state, machine FROM "events"."machine_state"');
    expect(states.length).toBeGreaterThanOrEqual(4); // each machine leaves UNKNOWN at its first reading
    // The counters tell which machines run: they need a viewer or an API token, as an integrator's monitor would hold.
    const { secret } = t.kit.auth.createToken('api', 'monitor', 'viewer');
    const url = `http://127.0.0.1:${t.kit.httpPort}/api/health`;
    const health = (await (await fetch(url, { headers: { authorization: `Bearer ${secret}` } })).json()) as {
      ingest: { readings: number };
      edge: { nodes: Record<string, { frames: number; online: boolean }> };
    };
    expect(health.ingest.readings).toBeGreaterThanOrEqual(sentReadings(t.node.sent).length);
    expect(health.edge.nodes['node-a']?.frames).toBe(t.node.sent.length);
  });

  const msOf = (ns: unknown) => Number(BigInt(String(ns)) / 1_000_000n);
  it('records the minutes in which the kit was recording, so that its absence can be told from a silent sensor', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const points = await waitFor('a coverage point for this minute', async () => {
      const rows = await influxQuery(t.influxd.current.url, 'minotake', 'SELECT "alive" FROM "events"."coverage"');
      return rows.some((r) => msOf(r.time) >= minute - 60_000) ? rows : undefined;
    });
    // One point a minute, however many health messages (every 10 s) came in it.
    const times = points.map((r) => msOf(r.time));
    expect(new Set(times).size).toBe(times.length);
    for (const time of times) expect(time % 60_000).toBe(0);
  });

  it('refuses anonymous and wrong-password connections', async () => {
    const anonymous = await mosquitto('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', `minotake/v1/${KIT}/#`, '-W', '3']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/not authori[sz]ed|bad user name or password|Connection Refused/i);
    const wrong = await mosquitto('mosquitto_sub', [...as('reader', 'wrong-password'), '-t', '#', '-W', '3']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/not authori[sz]ed|bad user name or password|Connection Refused/i);
    expect(t.kit.health().broker.refusedConnections).toBeGreaterThanOrEqual(2);
  });

  it('accepts readings from a node account under its own node, and refuses one posing as another node', async () => {
    const pub = (topic: string, message: string) =>
      mosquitto('mosquitto_pub', [...as('node-b', PASSWORDS.nodeB), '-q', '1', '-t', topic, '-m', message]);
    const own = await pub(topics.nodeCurrent(KIT, 'node-b'), JSON.stringify({ ts: Date.now(), seq: 7, amps: { ct1: 12.5 } }));
    expect(own.code).toBe(0);
    await waitFor(
      'node-b reading stored',
      async () =>
        (await influxQuery(t.influxd.current.url, 'minotake', `SELECT amps FROM "raw"."current" WHERE "node" = 'node-b'`)).length === 1,
    );

    const denied = t.kit.health().broker.deniedPublishes;
    await pub(topics.nodeCurrent(KIT, 'node-a'), JSON.stringify({ ts: Date.now(), seq: 8, amps: { ct1: 99.5 } }));
    await waitFor('the ACL breach counted', () => t.kit.health().broker.deniedPublishes === denied + 1);
    const forged = await influxQuery(t.influxd.current.url, 'minotake', `SELECT amps FROM "raw"."current" WHERE "amps" = 99.5`);
    expect(forged).toHaveLength(0);
  });

  it('refuses a read-only account that tries to publish', async () => {
    const denied = t.kit.health().broker.deniedPublishes;
    await mosquitto('mosquitto_pub', [...as('reader', PASSWORDS.reader), '-q', '1', '-t', topics.machineState(KIT, 'm1'), '-m', '{}']);
    await waitFor('the read-only breach counted', () => t.kit.health().broker.deniedPublishes === denied + 1);
  });

  it('diverts a malformed payload to the rejected topic, counts it and keeps the sender and other clients connected', async () => {
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'reader', password: PASSWORDS.reader });
    const rejected: string[] = [];
    watcher.on('message', (_topic, payload) => rejected.push(payload.toString()));
    await watcher.subscribeAsync(topics.rejectedPublish(KIT), { qos: 1 });

    const sender = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'node-b', password: PASSWORDS.nodeB });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), 'ct1=12.5 not json', { qos: 1 });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), JSON.stringify({ ts: Date.now(), seq: 9, amps: { ct1: -4 } }), { qos: 1 });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), JSON.stringify({ ts: Date.now(), seq: 10, amps: { ct1: 7.25 } }), {
      qos: 1,
    });
    expect(sender.connected).toBe(true);

    await waitFor('two rejects seen by a subscriber', () => rejected.length === 2);
    expect(JSON.parse(rejected[0] as string)).toMatchObject({ reason: 'not JSON', clientId: sender.options.clientId });
    expect(JSON.parse(rejected[1] as string).reason).toContain('/amps/ct1');
    expect(t.kit.health().broker.malformedPayloads).toBe(2);
    await waitFor(
      'the good message after them stored',
      async () =>
        (await influxQuery(t.influxd.current.url, 'minotake', `SELECT amps FROM "raw"."current" WHERE "node" = 'node-b' AND "amps" = 7.25`))
          .length === 1,
    );
    await sender.endAsync();
    await watcher.endAsync();
  });
});

/** What the broker lets into the kit, end to end into the real InfluxDB: plausible times, declared channels, the edge left alone. */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { KIT, NODE_B_MACHINE, PASSWORDS, sentReadings, startTestKit, storedReadings, TEST_MACHINES } from '../helpers/kit.js';
import { influxQuery, mosquitto, waitFor } from '../helpers/services.js';

type TestKit = Awaited<ReturnType<typeof startTestKit>>;
let t: TestKit;
let url: string;
let watcher: mqtt.MqttClient;
const rejected: { topic: string; reason: string }[] = [];

beforeAll(async () => {
  t = await startTestKit('admission', { machines: [...TEST_MACHINES, NODE_B_MACHINE] });
  url = `mqtt://127.0.0.1:${t.kit.brokerPort}`;
  watcher = await mqtt.connectAsync(url, { username: 'reader', password: PASSWORDS.reader });
  watcher.on('message', (topic, payload) => {
    if (topic === topics.rejectedPublish(KIT)) rejected.push(JSON.parse(payload.toString()));
  });
  await watcher.subscribeAsync(topics.rejectedPublish(KIT), { qos: 1 });
});
afterAll(async () => {
  await watcher?.endAsync();
  await t?.stop();
});

const nodeB = () => mqtt.connectAsync(url, { username: 'node-b', password: PASSWORDS.nodeB, reconnectPeriod: 0 });
const storedOfNodeB = async () =>
  (await influxQuery(t.influxd.current.url, 'minotake', `SELECT amps, channel FROM "raw"."current" WHERE "node" = 'node-b'`)).map(
    (r) => `${r.channel}=${r.amps}`,
  );

describe('timestamps the kit can store', () => {
  it('diverts the ts: 1 reading and one an hour ahead, stores the good ones around them, and stays healthy', async () => {
    const sender = await nodeB();
    const reading = (ts: number, seq: number, amps: number) => JSON.stringify({ ts, seq, amps: { ct1: amps } });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), reading(Date.now(), 1, 1.25), { qos: 1 });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), reading(1, 2, 1.5), { qos: 1 });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), reading(Date.now() + 3_600_000, 3, 1.75), { qos: 1 });
    await sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), reading(Date.now(), 4, 2.25), { qos: 1 });
    expect(sender.connected).toBe(true);

    await waitFor('two rejects', () => rejected.length >= 2);
    expect(rejected.map((r) => r.reason)).toEqual([expect.stringContaining('clock is not set'), expect.stringMatching(/3600 s ahead/)]);
    expect(t.kit.health().broker.implausibleTimestamps).toBe(2);
    await waitFor('the good readings stored', async () => (await storedOfNodeB()).length === 2);
    expect((await storedOfNodeB()).sort()).toEqual(['ct1=1.25', 'ct1=2.25']);
    await waitFor('a healthy kit writing straight to InfluxDB', () => t.kit.health().ok && t.kit.health().storage.state === 'direct');
    await sender.endAsync();
  });
});

describe('readings only for the channels the kit declares', () => {
  it('keeps __proto__, 5,000 channels and undeclared channels out of InfluxDB, and counts them', async () => {
    rejected.length = 0;
    const before = t.kit.health().broker;
    const sender = await nodeB();
    const publish = (payload: string) => sender.publishAsync(topics.nodeCurrent(KIT, 'node-b'), payload, { qos: 1 });
    await publish(`{"ts":${Date.now()},"seq":10,"amps":{"ct1":5.5,"__proto__":{"polluted":1}}}`);
    await sender.publishAsync(
      topics.nodeClimate(KIT, 'node-b'),
      JSON.stringify({ ts: Date.now(), seq: 11, channel: '__proto__', temperatureC: 20, humidityPct: 50 }),
      { qos: 1 },
    );
    const thousand = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`c${i}`, 1]));
    await publish(JSON.stringify({ ts: Date.now(), seq: 12, amps: thousand }));
    await publish(JSON.stringify({ ts: Date.now(), seq: 13, amps: { ct9: 9.5 } }));
    await publish(JSON.stringify({ ts: Date.now(), seq: 14, amps: { ct1: 6.5, ct8: 8.5 } }));

    await waitFor('five rejects', () => rejected.length === 5);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('/amps'),
      expect.stringContaining('/channel'),
      expect.stringMatching(/^payload of \d+ bytes \(at most 4096/),
      'channels not declared for node node-b in the kit file: ct9',
      'channels not declared for node node-b in the kit file: ct8',
    ]);
    const after = t.kit.health().broker;
    expect(after.malformedPayloads - before.malformedPayloads).toBe(2);
    expect(after.oversizedPayloads - before.oversizedPayloads).toBe(1);
    expect(after.undeclaredReadings - before.undeclaredReadings).toBe(2);

    // 5,000 channels do not even fit a packet: the connection closes at the header.
    const closed = new Promise<void>((resolve) => sender.once('close', () => resolve()));
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`c${i}`, 1]));
    sender.publish(topics.nodeCurrent(KIT, 'node-b'), JSON.stringify({ ts: Date.now(), seq: 15, amps: many }), { qos: 0 });
    await closed;
    await waitFor('the oversized packet counted', () => t.kit.health().broker.oversizedPackets === before.oversizedPackets + 1);

    await waitFor('the declared channel of the mixed reading stored', async () => (await storedOfNodeB()).includes('ct1=6.5'));
    const channels = await influxQuery(
      t.influxd.current.url,
      'minotake',
      `SHOW TAG VALUES FROM "raw"."current" WITH KEY = "channel" WHERE "node" = 'node-b'`,
    );
    expect(channels.map((row) => row.value)).toEqual(['ct1']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    sender.end(true);
  });
});

describe("the kit's own edge", () => {
  it('never goes offline while a reader loops takeovers of the edge id, and every reading is stored', async () => {
    const statuses: boolean[] = [];
    const status = await mqtt.connectAsync(url, { username: 'reader', password: PASSWORDS.reader });
    status.on('message', (_topic, payload) => statuses.push(JSON.parse(payload.toString()).online));
    await status.subscribeAsync(topics.kitStatus(KIT), { qos: 1 });
    await waitFor('the retained status', () => statuses.length > 0);

    t.node.start({ linesPerSecond: 40, maxLines: 200 });
    let attempts = 0;
    let done = false;
    const finished = t.node.node.finished.then(() => {
      done = true;
    });
    const port = String(t.kit.brokerPort);
    while (!done) {
      // The id the edge had before it became random, and one that looks like the random one.
      const id = attempts % 2 === 0 ? `minotake-edge-${KIT}` : `minotake-edge-${KIT}-${attempts}`;
      const run = await mosquitto('mosquitto_sub', [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-u',
        'reader',
        '-P',
        PASSWORDS.reader,
        '-i',
        id,
        '-t',
        '#',
        '-W',
        '2',
      ]);
      expect(run.stderr).toMatch(/identifier rejected/i);
      attempts++;
    }
    await finished;
    expect(attempts).toBeGreaterThanOrEqual(3);

    const expected = sentReadings(t.node.sent);
    const stored = await waitFor('every reading stored', async () => {
      const rows = await storedReadings(t.influxd.current.url);
      return rows.length >= expected.length ? rows : undefined;
    });
    expect(stored).toEqual(expected);
    expect(statuses).not.toContain(false);
    expect(t.kit.live.snapshot().kitOnline).toBe(true);
    expect(t.kit.health().edge?.publisher).toMatchObject({ connected: true, dropped: 0 });
    await status.endAsync();
  });
});

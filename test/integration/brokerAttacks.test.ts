/** The broker under attack from the factory network: raw sockets, hostile accounts, guessed passwords, and MQTT over TLS. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../edge/mqtt/topics.js';
import { Publisher } from '../../edge/publisher.js';
import { type Broker, startBroker } from '../../gateway/broker/broker.js';
import { KIT, NODE_B_MACHINE, PASSWORDS, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { connectPacket, firstReply, flood, openSocket, publishHeader, subscribePacket } from '../helpers/mqttRaw.js';
import { mosquitto, requireCommand, tempDir, waitFor } from '../helpers/services.js';

const MB = 1024 * 1024;
let broker: Broker;
let dir: ReturnType<typeof tempDir>;
const url = () => `mqtt://127.0.0.1:${broker.port}`;
const rssMb = () => process.memoryUsage.rss() / MB;

/** The highest RSS seen while `work` runs, sampled every 10 ms. */
async function peakRssDuring(work: () => Promise<unknown>): Promise<number> {
  let peak = rssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMb());
}

beforeAll(async () => {
  requireCommand('openssl', 'apt-get install openssl');
  dir = tempDir('broker-attacks');
  const key = join(dir.path, 'kit.key');
  const cert = join(dir.path, 'kit.crt');
  // The kit's own certificate, as `minotake` would be given one: for its address on the network (here loopback).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=minotake-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const config = testConfig(dir.path, join(dir.path, 'no-port'), 'http://127.0.0.1:9', {
    machines: [NODE_B_MACHINE],
  });
  config.broker.tls = { cert, key, host: '127.0.0.1', port: 0 };
  broker = await startBroker({ config, log: testLog });
});
afterAll(async () => {
  await broker?.stop();
  dir?.remove();
});

describe('oversized packets', () => {
  it('closes three unauthenticated sockets announcing 200 MB CONNECTs at the header; RSS stays put', async () => {
    const watcher = await mqtt.connectAsync(url(), { username: 'reader', password: PASSWORDS.reader });
    const before = rssMb();
    const sockets = await Promise.all([0, 1, 2].map(() => openSocket(broker.port)));
    const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64]); // CONNECT, remaining length 200 MB (0x64 × 128³)
    let results: Awaited<ReturnType<typeof flood>>[] = [];
    const peak = await peakRssDuring(async () => {
      results = await Promise.all(sockets.map((socket) => flood(socket, header, 200 * MB)));
    });
    console.log(
      `RSS during 3 × 200 MB CONNECT: ${before.toFixed(1)} MB before, ${peak.toFixed(1)} MB peak (+${(peak - before).toFixed(1)} MB)`,
    );
    for (const result of results) expect(result.closedByPeer).toBe(true);
    expect(peak - before).toBeLessThan(16);
    expect(broker.stats().oversizedPackets).toBe(3);
    expect(watcher.connected).toBe(true);
    await watcher.endAsync();
  });

  it("closes an authenticated node's 50 MB publish at the header, relays none of it, and serves the next client", async () => {
    const watcher = await mqtt.connectAsync(url(), { username: 'reader', password: PASSWORDS.reader });
    const received: string[] = [];
    watcher.on('message', (_topic, payload) => received.push(payload.subarray(0, 200).toString()));
    await watcher.subscribeAsync(topics.nodeCurrent(KIT, 'node-b'), { qos: 1 });

    const socket = await openSocket(broker.port);
    const connack = firstReply(socket);
    socket.write(connectPacket({ clientId: 'node-b-raw', username: 'node-b', password: PASSWORDS.nodeB }));
    expect([...((await connack) ?? [])]).toEqual([0x20, 0x02, 0x00, 0x00]); // accepted
    const before = rssMb();
    const oversized = broker.stats().oversizedPackets;
    let result: Awaited<ReturnType<typeof flood>> | undefined;
    const peak = await peakRssDuring(async () => {
      result = await flood(socket, publishHeader(topics.nodeCurrent(KIT, 'node-b'), 50 * MB), 50 * MB);
    });
    console.log(
      `RSS during a 50 MB publish: ${before.toFixed(1)} MB before, ${peak.toFixed(1)} MB peak (+${(peak - before).toFixed(1)} MB)`,
    );
    expect(result?.closedByPeer).toBe(true);
    expect(peak - before).toBeLessThan(16);
    expect(broker.stats().oversizedPackets).toBe(oversized + 1);

    const good = await mqtt.connectAsync(url(), { username: 'node-b', password: PASSWORDS.nodeB });
    await good.publishAsync(topics.nodeCurrent(KIT, 'node-b'), JSON.stringify({ ts: Date.now(), seq: 1, amps: { ct1: 3.5 } }), { qos: 1 });
    await waitFor('the next reading relayed', () => received.length === 1);
    expect(JSON.parse(received[0] as string).amps).toEqual({ ct1: 3.5 });
    await good.endAsync();
    await watcher.endAsync();
  });
});

describe('client ids belong to accounts', () => {
  it('keeps the edge connected while other accounts try to take over its client id in a loop; nothing it sends is lost', async () => {
    // An edge on its own device: its edge account, the client id `minotake edge` uses.
    const clientId = `minotake-edge-${KIT}`;
    const credentials = { username: 'edge-x', password: PASSWORDS.edge };
    const watcher = await mqtt.connectAsync(url(), { username: 'reader', password: PASSWORDS.reader });
    const statuses: boolean[] = [];
    const readings = new Set<number>();
    watcher.on('message', (topic, payload) => {
      const value = JSON.parse(payload.toString());
      if (topic === topics.kitStatus(KIT)) statuses.push(value.online);
      else readings.add(value.seq);
    });
    await watcher.subscribeAsync([topics.kitStatus(KIT), topics.nodeCurrent(KIT, 'node-b')], { qos: 1 });

    // The real edge's MQTT client, with a last will that would say offline if it were pushed out.
    const edge = new Publisher({ url: url(), ...credentials, clientId, kitId: KIT, log: testLog });
    await edge.connected();
    await waitFor('the edge online', () => statuses.at(-1) === true);
    let closes = 0;
    (edge as unknown as { client: mqtt.MqttClient }).client.on('close', () => closes++);

    const refused = broker.stats().refusedClientIds;
    const attempts = 20;
    const attack = (async () => {
      for (let i = 0; i < attempts; i++) {
        const [username, password, id] = [
          ['reader', PASSWORDS.reader, clientId],
          ['node-b', PASSWORDS.nodeB, clientId], // a sensor node's account: still not the edge's session
          ['reader', PASSWORDS.reader, `minotake-edge-${KIT}-2`], // another edge's id, for edge accounts only
        ][i % 3] as [string, string, string];
        const run = await mosquitto('mosquitto_sub', [
          '-h',
          '127.0.0.1',
          '-p',
          String(broker.port),
          '-u',
          username,
          '-P',
          password,
          '-i',
          id,
          '-t',
          topics.kitStatus(KIT),
          '-W',
          '2',
        ]);
        expect(run.stderr).toMatch(/identifier rejected/i);
      }
    })();
    const total = 300;
    for (let seq = 0; seq < total; seq++) {
      edge.publish('nodeCurrent', topics.nodeCurrent(KIT, 'node-b'), { ts: Date.now(), seq, amps: { ct1: seq / 10 } });
      if (seq % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await attack;
    await waitFor('every reading of the edge relayed', () => readings.size === total);
    expect(statuses).not.toContain(false);
    expect(closes).toBe(0);
    expect(edge.snapshot()).toMatchObject({ connected: true, dropped: 0 });
    expect(broker.stats().refusedClientIds).toBe(refused + attempts);
    await edge.close();
    await watcher.endAsync();
  });
});

describe('connections that never sign in', () => {
  it('lets one address hold 16 connections waiting to sign in; the next are closed at once, other addresses and signed-in clients are not', async () => {
    const refused = broker.stats().tooManyPendingConnections;
    const waiting = await Promise.all(Array.from({ length: 20 }, () => openSocket(broker.port, '127.0.0.3')));
    const closed = new Set<number>();
    for (const [i, socket] of waiting.entries()) socket.on('close', () => closed.add(i));
    await waitFor('four closed by the broker', () => closed.size === 4);
    expect(broker.stats().tooManyPendingConnections - refused).toBe(4);
    /** The CONNACK return code a reader gets signing in from `address` (0: accepted), or undefined if closed at once. */
    const signInFrom = async (address: string) => {
      const socket = await openSocket(broker.port, address);
      const reply = firstReply(socket);
      socket.write(connectPacket({ clientId: `probe-${Math.random()}`, username: 'reader', password: PASSWORDS.reader }));
      const code = (await reply)?.[3];
      socket.destroy();
      return code;
    };
    // The same host cannot sign in while it holds them; another can. Signed-in clients do not count as waiting.
    expect(await signInFrom('127.0.0.3')).toBeUndefined();
    const signedIn: mqtt.MqttClient[] = [];
    for (let i = 0; i < 20; i++) signedIn.push(await mqtt.connectAsync(url(), { username: 'reader', password: PASSWORDS.reader }));
    expect(signedIn.every((client) => client.connected)).toBe(true);
    expect(await signInFrom('127.0.0.1')).toBe(0);

    for (const socket of waiting) socket.destroy();
    await waitFor('the waiting connections gone', () => closed.size === 20);
    expect(await signInFrom('127.0.0.3')).toBe(0);
    await Promise.all(signedIn.map((client) => client.endAsync()));
  });
});

describe('what a session may make the broker keep', () => {
  const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, amps: { ct1: 1 } });

  it('keeps the oldest 1000 messages for a session that is away, counts the rest, and delivers what it kept', async () => {
    const options = { username: 'reader', password: PASSWORDS.reader, clientId: 'away-integrator', clean: false };
    const away = await mqtt.connectAsync(url(), options);
    await away.subscribeAsync(topics.nodeCurrent(KIT, 'node-b'), { qos: 1 });
    await away.endAsync();

    const edge = await mqtt.connectAsync(url(), { username: 'edge-x', password: PASSWORDS.edge });
    const publish = (seqs: number[]) =>
      Promise.all(seqs.map((seq) => edge.publishAsync(topics.nodeCurrent(KIT, 'node-b'), reading(seq), { qos: 1 })));
    const dropped = broker.stats().droppedForSessions;
    await publish(Array.from({ length: 1500 }, (_, i) => i));
    await waitFor('500 not kept', () => broker.stats().droppedForSessions - dropped === 500);

    // It comes back and catches up while new readings keep coming: those are delivered too, and it is never dropped.
    const seen = new Set<number>();
    const back = mqtt.connect(url(), options); // listening before it connects: the kept messages come right after CONNACK
    let closes = 0;
    back.on('close', () => closes++);
    back.on('message', (_topic, payload) => seen.add(JSON.parse(payload.toString()).seq));
    await waitFor('the session back', () => back.connected);
    await publish(Array.from({ length: 200 }, (_, i) => 2000 + i));
    await waitFor('the kept and the new messages delivered', () => seen.size >= 1200);
    const expected = [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => 2000 + i)];
    expect([...seen].sort((a, b) => a - b)).toEqual(expected);
    expect(broker.stats().droppedForSessions - dropped).toBe(500);
    expect(closes).toBe(0);
    await back.endAsync();
    await edge.endAsync();
  });

  it('never keeps a filter the ACL refused: the session comes back, and the kit tree is not queued for it', async () => {
    const options = { username: 'node-b', password: PASSWORDS.nodeB, clientId: 'node-b-greedy', clean: false, reconnectPeriod: 0 };
    const greedy = await mqtt.connectAsync(url(), options);
    const closed = new Promise<void>((resolve) => greedy.once('close', () => resolve()));
    // One SUBSCRIBE: its own subtree, allowed, and the whole kit, refused (the connection is closed for it).
    greedy.subscribe([`${topics.nodeStatus(KIT, 'node-b')}`, `minotake/v1/${KIT}/#`], { qos: 1 });
    await closed;
    greedy.end(true);

    const edge = await mqtt.connectAsync(url(), { username: 'edge-x', password: PASSWORDS.edge });
    const dropped = broker.stats().droppedForSessions;
    await Promise.all(
      Array.from({ length: 1100 }, () =>
        edge.publishAsync(topics.machineState(KIT, NODE_B_MACHINE.id), JSON.stringify({ ts: Date.now(), state: 'RUN', previous: 'IDLE' }), {
          qos: 1,
        }),
      ),
    );
    expect(broker.stats().droppedForSessions).toBe(dropped); // nothing queued for it, so nothing to drop

    const back = await mqtt.connectAsync(url(), options);
    const statuses: string[] = [];
    back.on('message', (topic) => statuses.push(topic));
    await edge.publishAsync(topics.nodeStatus(KIT, 'node-b'), JSON.stringify({ online: true, ts: Date.now() }), { qos: 1 });
    await waitFor('its own status delivered', () => statuses.includes(topics.nodeStatus(KIT, 'node-b')));
    expect(statuses.every((topic) => topic.startsWith(`minotake/v1/${KIT}/node/node-b/`))).toBe(true);
    expect(back.connected).toBe(true);
    await back.endAsync();
    await edge.endAsync();
  });

  it('refuses filters past 100 per client with a failure in SUBACK, and keeps the client and its other filters', async () => {
    const reader = await mqtt.connectAsync(url(), { username: 'reader', password: PASSWORDS.reader });
    const refused = broker.stats().tooManySubscriptions;
    // What SUBACK said for each filter (mqtt.js turns a SUBACK with a refusal into an error for the whole call).
    const granted: number[] = [];
    reader.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback') granted.push(...(packet.granted as number[]));
    });
    for (let part = 0; part < 3; part++) {
      const filters = Array.from({ length: 40 }, (_, i) => `minotake/v1/${KIT}/node/n${part * 40 + i}/+`);
      await reader.subscribeAsync(filters, { qos: 1 }).catch(() => {});
    }
    expect(granted.filter((qos) => qos === 1)).toHaveLength(100);
    expect(granted.filter((qos) => qos === 128)).toHaveLength(20);
    expect(broker.stats().tooManySubscriptions - refused).toBe(20);
    // Giving filters back makes room again.
    await reader.unsubscribeAsync(Array.from({ length: 10 }, (_, i) => `minotake/v1/${KIT}/node/n${i}/+`));
    const again = await reader.subscribeAsync(`minotake/v1/${KIT}/status`, { qos: 1 });
    expect(again[0]?.qos).toBe(1);
    expect(reader.connected).toBe(true);
    await reader.endAsync();
  });

  it("closes a persistent session's SUBSCRIBE of 850 filters at its header", async () => {
    const socket = await openSocket(broker.port);
    const connack = firstReply(socket);
    socket.write(connectPacket({ clientId: 'node-b-many', username: 'node-b', password: PASSWORDS.nodeB }));
    expect((await connack)?.[3]).toBe(0);
    const oversized = broker.stats().oversizedPackets;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      subscribePacket(
        1,
        Array.from({ length: 850 }, (_, i) => `minotake/v1/${KIT}/node/node-b/${i}`),
      ),
    );
    await closed;
    expect(broker.stats().oversizedPackets).toBe(oversized + 1);
  });
});

describe('MQTT over TLS', () => {
  it("serves mosquitto_sub over TLS with the kit's certificate, and only to a client that trusts it", async () => {
    const edge = await mqtt.connectAsync(url(), { username: 'edge-x', password: PASSWORDS.edge });
    await edge.publishAsync(topics.kitStatus(KIT), JSON.stringify({ online: true, ts: Date.now() }), { qos: 1, retain: true });
    const cafile = join(dir.path, 'kit.crt');
    const sub = (extra: string[]) =>
      mosquitto('mosquitto_sub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.tlsPort),
        '-u',
        'edge-x',
        '-P',
        PASSWORDS.edge,
        '-t',
        topics.kitStatus(KIT),
        '-C',
        '1',
        '-W',
        '5',
        ...extra,
      ]);
    const trusted = await sub(['--cafile', cafile]);
    expect(trusted.stderr).toBe('');
    expect(JSON.parse(trusted.stdout)).toMatchObject({ online: true });

    const systemCa = await sub(['--capath', '/etc/ssl/certs']);
    expect(systemCa.code).not.toBe(0);
    expect(systemCa.stdout).toBe('');
    await edge.endAsync();
  });
});

describe('guessing passwords', () => {
  it('throttles an address after 10 wrong passwords, even when the 11th is right, and tells the client to come back later', async () => {
    // A broker of its own, on a clock that moves only when the test says: a loaded machine must not refill the budget.
    const clock = { now: Date.now() };
    const guarded = await startBroker({
      config: testConfig(dir.path, join(dir.path, 'no-port'), 'http://127.0.0.1:9'),
      log: testLog,
      now: () => clock.now,
    });
    const as = (password: string) => [
      '-h',
      '127.0.0.1',
      '-p',
      String(guarded.port),
      '-u',
      'reader',
      '-P',
      password,
      '-t',
      topics.kitStatus(KIT),
      '-C',
      '1',
      '-W',
      '3',
    ];
    try {
      for (let i = 0; i < 10; i++) {
        const run = await mosquitto('mosquitto_sub', as(`guess-${i}`));
        expect(run.stderr).toMatch(/bad user name or password|not authori[sz]ed/i);
      }
      expect(guarded.stats().refusedConnections).toBe(10);
      const throttled = await mosquitto('mosquitto_sub', as(PASSWORDS.reader));
      expect(throttled.code).not.toBe(0);
      expect(throttled.stderr).toMatch(/unavailable/i);
      expect(guarded.stats().throttledConnections).toBe(1);

      clock.now += 3000; // one more try earned
      const status = {
        cmd: 'publish',
        topic: topics.kitStatus(KIT),
        payload: Buffer.from('{"online":true,"ts":1}'),
        qos: 1,
        retain: true,
        dup: false,
      } as const;
      await new Promise((resolve) => guarded.aedes.publish(status, resolve));
      const later = await mosquitto('mosquitto_sub', as(PASSWORDS.reader));
      expect(later.stderr).toBe('');
      expect(later.code).toBe(0);
    } finally {
      await guarded.stop();
    }
  });

  it('hashes at most 10 of 16 wrong CONNECTs sent at once from one address; another client signs in meanwhile', async () => {
    const guarded = await startBroker({
      config: testConfig(dir.path, join(dir.path, 'no-port'), 'http://127.0.0.1:9'),
      log: testLog,
      now: () => 0, // no refill while the test runs, however slow the machine
    });
    try {
      const sockets = await Promise.all(Array.from({ length: 16 }, () => openSocket(guarded.port)));
      const replies = sockets.map((socket) => firstReply(socket));
      const guess = connectPacket({ clientId: 'guess', username: 'reader', password: 'a wrong guess' });
      for (const socket of sockets) socket.write(guess);
      const codes = (await Promise.all(replies)).map((reply) => reply?.[3]);
      // 4: bad user name or password (it was hashed); 3: server unavailable, come back later (throttled unhashed).
      expect(codes.filter((code) => code === 4)).toHaveLength(10);
      expect(codes.filter((code) => code === 3)).toHaveLength(6);
      for (const socket of sockets) socket.destroy();

      // A node on another address is not held up behind the guesses, nor refused for them.
      const node = await mosquitto('mosquitto_pub', [
        ...['-A', '127.0.0.2', '-h', '127.0.0.1', '-p', String(guarded.port)],
        ...['-u', 'node-b', '-P', PASSWORDS.nodeB, '-q', '1'],
        ...['-t', topics.nodeStatus(KIT, 'node-b'), '-m', JSON.stringify({ online: true, ts: Date.now() })],
      ]);
      expect(node.stderr).toBe('');
      expect(node.code).toBe(0);
    } finally {
      await guarded.stop();
    }
  });
});

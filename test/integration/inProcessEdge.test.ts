/** The edge inside the gateway publishes straight into aedes, without an MQTT client: readers must see it as over MQTT. */
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { LocalPublisher } from '../../edge/localPublisher.js';
import { topics } from '../../edge/mqtt/topics.js';
import { startBroker } from '../../gateway/broker/broker.js';
import { testLog } from '../helpers/log.js';
import { waitFor } from '../helpers/services.js';

const READER = { username: 'reader', password: 'reader-password-1234' };
let broker: Awaited<ReturnType<typeof startBroker>>;

beforeAll(async () => {
  const config = parseKitConfig({
    kit: { id: 'k', site: 'k' },
    sources: { network: [{ id: 'n', silentAfterSeconds: 30 }] },
    machines: [{ id: 'm1', name: 'm1', source: { node: 'n', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    storage: { retention: { raw: 'INF' } },
    broker: {
      host: '127.0.0.1',
      port: 0,
      accounts: [
        { ...READER, role: 'reader' },
        { username: 'n', role: 'node', node: 'n', password: 'node-password-1234' },
      ],
    },
  });
  broker = await startBroker({ config, log: testLog });
});
afterAll(async () => {
  await broker?.stop();
});

it('hands a reader subscribed to the kit every message in the order made, machine states (retained) among a burst of readings', async () => {
  const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, READER);
  const seen: string[] = [];
  reader.on('message', (topic, payload) => {
    // The broker's own messages (the node's clock) are not the edge's.
    if (!topic.endsWith('/clock')) seen.push(`${topic} ${JSON.parse(payload.toString()).seq ?? 'state'}`);
  });
  await reader.subscribeAsync('minotake/v1/k/#', { qos: 0 });

  const edge = new LocalPublisher({ publish: broker.publisherFor({ username: 'edge-k', role: 'edge' }), kitId: 'k', log: testLog });
  const made: string[] = [];
  for (let seq = 0; seq < 2000; seq++) {
    if (seq % 50 === 0) {
      // A retained message is stored before aedes sends it on: the readings made after it must not overtake it.
      edge.publish('machineState', topics.machineState('k', 'm1'), { ts: Date.now(), state: seq % 100 ? 'RUN' : 'IDLE', previous: 'OFF' });
      made.push(`${topics.machineState('k', 'm1')} state`);
    }
    edge.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), { ts: Date.now(), seq, amps: { ct1: 12 } });
    made.push(`${topics.nodeCurrent('k', 'n')} ${seq}`);
  }
  await waitFor('every message with the reader', () => seen.length >= made.length);
  expect(edge.snapshot()).toMatchObject({ published: made.length, dropped: 0, queued: 0 });
  expect(seen).toEqual(made);
  await reader.endAsync();
});

/** A client's retained message among a burst of readings reaches a connected reader, in the order sent (moscajs/aedes#994). */
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { topics } from '../../edge/mqtt/topics.js';
import { startBroker } from '../../gateway/broker/broker.js';
import { testLog } from '../helpers/log.js';
import { waitFor } from '../helpers/services.js';

const READER = { username: 'reader', password: 'reader-password-1234' };
const NODE = { username: 'n', password: 'node-password-1234' };
let broker: Awaited<ReturnType<typeof startBroker>>;

beforeAll(async () => {
  const config = parseKitConfig({
    kit: { id: 'k', site: 'k' },
    sources: { network: [{ id: 'n', silentAfterSeconds: 30 }] },
    machines: [{ id: 'm1', name: 'm1', source: { node: 'n', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    broker: {
      host: '127.0.0.1',
      port: 0,
      accounts: [
        { ...READER, role: 'reader' },
        { ...NODE, role: 'node', node: 'n' },
      ],
    },
  });
  broker = await startBroker({ config, log: testLog });
});
afterAll(async () => {
  await broker?.stop();
});

it.each([0, 1] as const)(
  'a node sending its status (retained) among 2,000 readings at QoS %i: a subscribed reader gets all, in order',
  async (qos) => {
    const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, READER);
    const seen: string[] = [];
    reader.on('message', (topic, payload, packet) => {
      // The broker's clock is not the node's; a retained copy from the test before is what a reader connecting now gets.
      if (!topic.endsWith('/clock') && !packet.retain)
        seen.push(`${topic.split('/').at(-1)} ${JSON.parse(payload.toString()).seq ?? 'status'}`);
    });
    await reader.subscribeAsync(`minotake/v1/k/node/n/#`, { qos: 1 });
    const node = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { ...NODE, clientId: `node-n-qos${qos}` });
    const sent: string[] = [];
    for (let seq = 0; seq < 2000; seq++) {
      if (seq % 50 === 0) {
        node.publish(topics.nodeStatus('k', 'n'), JSON.stringify({ online: true, ts: Date.now(), firmware: `fw ${seq}` }), {
          qos,
          retain: true,
        });
        sent.push('status status');
      }
      node.publish(topics.nodeCurrent('k', 'n'), JSON.stringify({ ts: Date.now(), seq, amps: { ct1: 12 } }), { qos });
      sent.push(`current ${seq}`);
    }
    await waitFor(
      `every message with the reader (${seen.length} of ${sent.length} so far)`,
      () => seen.length >= sent.length,
      30_000,
    ).catch(() => {});
    expect(seen.filter((s) => s.startsWith('status')).length).toBe(40);
    expect(seen).toEqual(sent);
    await node.endAsync();
    await reader.endAsync();
  },
);

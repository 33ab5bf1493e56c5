import { describe, expect, it } from 'vitest';
import { LocalPublisher, type PublishFunction } from '../../../edge/localPublisher.js';
import { topics } from '../../../edge/mqtt/topics.js';
import { testLog } from '../../helpers/log.js';
import { waitFor } from '../../helpers/services.js';

/** A broker that takes messages when the test says so, as aedes does once it has stored and queued one. */
function slowBroker() {
  const taken: { topic: string; payload: unknown; retain: boolean; qos: number }[] = [];
  const pending: (() => void)[] = [];
  let refuse: ((topic: string) => boolean) | undefined;
  const publish: PublishFunction = (topic, payload, options) =>
    new Promise((resolve, reject) => {
      pending.push(() => {
        if (refuse?.(topic)) return reject(new Error(`not allowed to publish to ${topic}`));
        taken.push({ topic, payload: JSON.parse(payload.toString()), ...options });
        resolve();
      });
    });
  return {
    publish,
    taken,
    inFlight: () => pending.length,
    takeOne: () => pending.shift()?.(),
    refuseWhen: (rule: (topic: string) => boolean) => {
      refuse = rule;
    },
  };
}

const reading = (seq: number) => ({ ts: Date.now(), seq, amps: { ct1: seq } });

describe('the in-process edge publishing straight into the broker', () => {
  it('tells the kit online, then hands messages over in the order they were made, each at QoS 1', async () => {
    const broker = slowBroker();
    const publisher = new LocalPublisher({ publish: broker.publish, kitId: 'k', log: testLog });
    await publisher.connected();
    for (let seq = 0; seq < 5; seq++) publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), reading(seq));
    // Like an MQTT client writing packets before their PUBACKs: all are with the broker, none counted until taken.
    expect(broker.inFlight()).toBe(6);
    expect(publisher.snapshot()).toMatchObject({ published: 0, queued: 6 });
    while (broker.inFlight() > 0) broker.takeOne();
    expect(broker.taken[0]).toMatchObject({ topic: topics.kitStatus('k'), payload: { online: true }, retain: true, qos: 1 });
    expect(broker.taken.slice(1).map((m) => (m.payload as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
    expect(broker.taken.slice(1).every((m) => m.qos === 1 && !m.retain)).toBe(true);
    await waitFor('counted', () => publisher.snapshot().published === 6);
    expect(publisher.snapshot()).toEqual({ published: 6, dropped: 0, queued: 0, connected: true });
  });

  it('keeps at most maxInFlight with the broker; the rest wait their turn', async () => {
    const broker = slowBroker();
    const publisher = new LocalPublisher({ publish: broker.publish, kitId: 'k', log: testLog, maxInFlight: 2 });
    for (let seq = 0; seq < 5; seq++) publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), reading(seq));
    expect(broker.inFlight()).toBe(2);
    while (broker.taken.length < 5) {
      await waitFor('the next message offered', () => broker.inFlight() > 0);
      expect(broker.inFlight()).toBeLessThanOrEqual(2);
      broker.takeOne();
    }
    expect(broker.taken.map((m) => (m.payload as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('past its bound drops and counts new readings but keeps every machine state (retained)', async () => {
    const broker = slowBroker();
    const publisher = new LocalPublisher({ publish: broker.publish, kitId: 'k', log: testLog, maxQueued: 3, maxInFlight: 1 });
    await publisher.connected(); // its status is with the broker: two readings more fit
    for (let seq = 0; seq < 5; seq++) publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), reading(seq));
    publisher.publish('machineState', topics.machineState('k', 'm1'), { ts: Date.now(), state: 'RUN', previous: 'IDLE' });
    expect(publisher.snapshot()).toMatchObject({ dropped: 3, queued: 4 });
    while (broker.taken.length < 4) {
      await waitFor('the next message offered', () => broker.inFlight() === 1);
      broker.takeOne();
    }
    expect(broker.taken.map((m) => m.topic)).toEqual([
      topics.kitStatus('k'),
      ...[0, 1].map(() => topics.nodeCurrent('k', 'n')),
      topics.machineState('k', 'm1'),
    ]);
  });

  it('counts a message the broker refuses and goes on with the rest', async () => {
    const broker = slowBroker();
    broker.refuseWhen((topic) => topic.endsWith('/node/bad/current'));
    const publisher = new LocalPublisher({ publish: broker.publish, kitId: 'k', log: testLog });
    publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'bad'), reading(1));
    publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), reading(2));
    while (broker.inFlight() > 0) broker.takeOne();
    await waitFor('both counted', () => publisher.snapshot().queued === 0);
    expect(broker.taken.map((m) => m.topic)).toEqual([topics.nodeCurrent('k', 'n')]);
    expect(publisher.snapshot()).toMatchObject({ published: 1, dropped: 1 });
  });

  it('tells the kit offline when it stops, after what was still waiting', async () => {
    const broker = slowBroker();
    const publisher = new LocalPublisher({ publish: broker.publish, kitId: 'k', log: testLog });
    await publisher.connected();
    publisher.publish('nodeCurrent', topics.nodeCurrent('k', 'n'), reading(7));
    const closed = publisher.close();
    while (broker.inFlight() > 0) broker.takeOne();
    await closed;
    expect(broker.taken.at(-1)).toMatchObject({ topic: topics.kitStatus('k'), payload: { online: false }, retain: true });
    expect(publisher.snapshot().connected).toBe(false);
  });
});

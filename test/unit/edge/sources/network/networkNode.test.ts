import { describe, expect, it } from 'vitest';
import { createNetworkNode } from '../../../../../edge/sources/network/index.js';
import type { SourceEvent } from '../../../../../edge/sources/types.js';
import { testLog } from '../../../../helpers/log.js';

const T0 = Date.UTC(2025, 5, 2, 0, 0, 0);

async function node() {
  const events: SourceEvent[] = [];
  const source = createNetworkNode(
    { id: 'node-w', silentAfterSeconds: 30 },
    { emit: (e) => events.push(e), now: () => T0 + 99_000, log: testLog },
  );
  await source.start();
  const current = (ts: number, seq: number, amps = 5) =>
    source.receive('nodeCurrent', Buffer.from(JSON.stringify({ ts, seq, amps: { ct1: amps } })), false);
  return { source, events, current, kinds: () => events.map((e) => (e.kind === 'frame' ? `${e.frame.type}:${e.frame.seq}` : e.kind)) };
}

describe('a network node as a source', () => {
  it('hands on readings in order as frames the edge has not to publish again', async () => {
    const { events, current } = await node();
    current(T0, 0);
    current(T0 + 1000, 1);
    expect(events).toEqual([
      { kind: 'frame', sourceId: 'node-w', ts: T0, frame: { type: 'current', seq: 0, amps: { ct1: 5 } }, onBroker: true },
      { kind: 'frame', sourceId: 'node-w', ts: T0 + 1000, frame: { type: 'current', seq: 1, amps: { ct1: 5 } }, onBroker: true },
    ]);
  });

  it('drops a reading that comes again (QoS 1) or late, and counts a gap in the numbers as lost readings', async () => {
    const { events, current, kinds } = await node();
    current(T0, 10);
    current(T0, 10); // delivered twice
    current(T0 + 1000, 11);
    current(T0 + 500, 12); // measured before the last one: late
    current(T0 + 5000, 15); // 12, 13, 14 lost (12 came late and was dropped)
    expect(kinds()).toEqual(['current:10', 'duplicate', 'current:11', 'duplicate', 'lost', 'current:15']);
    expect(events.find((e) => e.kind === 'lost')).toMatchObject({ lines: 3 });
  });

  it('takes a count from 0 as a restart, not as 65,535 lost readings, and ignores what the broker kept (retained)', async () => {
    const { source, current, kinds } = await node();
    current(T0, 400);
    current(T0 + 1000, 0);
    source.receive('nodeStatus', Buffer.from(JSON.stringify({ online: true, ts: T0, firmware: '1.0.0' })), true);
    source.receive('nodeStatus', Buffer.from(JSON.stringify({ online: false, ts: T0, reason: 'connection lost' })), false);
    expect(kinds()).toEqual(['current:400', 'current:0', 'online']);
  });
});

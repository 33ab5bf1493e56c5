import { describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { topics } from '../../../../edge/mqtt/topics.js';
import { createLiveModel } from '../../../../gateway/live/liveModel.js';

const config = parseKitConfig({
  kit: { id: 'k1', site: 'live' },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
  machines: [{ id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
  zones: [{ id: 'z1', name: 'Z1', source: { node: 'n1', channel: 'env1' } }],
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function model(bufferSize = 100) {
  let t = 1_000_000;
  const live = createLiveModel(config, { now: () => t, bufferSize, readingEveryMs: 500 });
  return { live, advance: (ms: number) => (t += ms) };
}

describe('live model', () => {
  it('starts with every configured machine and zone, with no signal yet', () => {
    const { live } = model();
    const snap = live.snapshot();
    expect(snap.machines).toEqual([
      { id: 'm1', state: 'UNKNOWN', since: null, amps: null, watts: null, lastReadingAt: null, utilizationToday: null },
    ]);
    expect(snap.zones[0]?.level).toBeNull();
  });

  it('applies a state change at once and numbers the event', () => {
    const { live } = model();
    const events: string[] = [];
    live.subscribe((e) => events.push(`${e.id}:${e.body.type}`));
    live.handle(topics.machineState('k1', 'm1'), json({ ts: 5, state: 'RUN', previous: 'OFF', amps: 12 }));
    expect(live.snapshot().machines[0]).toMatchObject({ state: 'RUN', since: 5, amps: 12 });
    expect(events).toEqual(['1:machine']);
  });

  it('sends readings alone at most twice a second per machine, but never holds back a change of state', () => {
    const { live, advance } = model();
    const events: unknown[] = [];
    live.subscribe((e) => events.push(e.body));
    for (let i = 0; i < 10; i++) {
      live.handle(topics.nodeCurrent('k1', 'n1'), json({ ts: i, seq: i, amps: { ct1: 5 + i } }));
      advance(100);
    }
    expect(events).toHaveLength(2); // at 0 ms and at 500 ms
    live.handle(topics.machineState('k1', 'm1'), json({ ts: 20, state: 'IDLE', previous: 'RUN' }));
    expect(events).toHaveLength(3);
    expect(live.snapshot().machines[0]?.amps).toBe(14); // the snapshot always has the latest
  });

  it("shows a machine on a meter by its watts, from the meter's power and from its state changes", () => {
    const metered = parseKitConfig({
      kit: { id: 'k1', site: 'live' },
      sources: { modbus: [{ id: 'rs485', path: '/dev/ttyUSB9', devices: [{ id: 'meter-1', address: 1, map: 'sdm630' }] }] },
      machines: [
        {
          id: 'grinder',
          name: 'G',
          source: { node: 'meter-1', channel: 'total', quantity: 'power' },
          thresholds: { idleAbove: 150, runAbove: 1500, hysteresis: 50 },
        },
      ],
    });
    const live = createLiveModel(metered, { now: () => 0 });
    live.handle(topics.nodePower('k1', 'meter-1'), json({ ts: 7, seq: 1, channel: 'l1', watts: 900 })); // a phase, not the machine's
    live.handle(topics.nodePower('k1', 'meter-1'), json({ ts: 8, seq: 1, channel: 'total', volts: 200 })); // no watts in it
    expect(live.snapshot().machines[0]).toMatchObject({ watts: null, lastReadingAt: null });
    live.handle(topics.nodePower('k1', 'meter-1'), json({ ts: 9, seq: 2, channel: 'total', watts: 2350.5 }));
    expect(live.snapshot().machines[0]).toMatchObject({ watts: 2350.5, lastReadingAt: 9 });
    live.handle(topics.machineState('k1', 'grinder'), json({ ts: 10, state: 'IDLE', previous: 'RUN', watts: 420 }));
    expect(live.snapshot().machines[0]).toMatchObject({ state: 'IDLE', watts: 420 });
  });

  it('ignores other kits, unknown machines and malformed payloads', () => {
    const { live } = model();
    live.handle(topics.machineState('k2', 'm1'), json({ ts: 5, state: 'RUN', previous: 'OFF' }));
    live.handle(topics.machineState('k1', 'nope'), json({ ts: 5, state: 'RUN', previous: 'OFF' }));
    live.handle(topics.machineState('k1', 'm1'), Buffer.from('{oops'));
    expect(live.snapshot().machines[0]?.state).toBe('UNKNOWN');
    expect(live.lastEventId).toBe(0);
  });

  it('replays what a reconnecting client missed, or asks it to resync when the buffer no longer holds it', () => {
    const { live } = model(5);
    for (let i = 0; i < 8; i++) {
      live.handle(topics.machineState('k1', 'm1'), json({ ts: i, state: i % 2 ? 'RUN' : 'IDLE', previous: 'OFF' }));
    }
    expect(live.eventsSince(6)?.map((e) => e.id)).toEqual([7, 8]);
    expect(live.eventsSince(8)).toEqual([]);
    expect(live.eventsSince(3)?.map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(live.eventsSince(2)).toBeUndefined();
    expect(live.eventsSince(50)).toBeUndefined(); // an id from before a restart
  });

  it('tracks zone climate, node and kit status', () => {
    const { live } = model();
    live.handle(
      topics.zoneEnvironment('k1', 'z1'),
      json({ ts: 9, temperatureC: 32, humidityPct: 60, wbgtC: 28.9, level: 'severe', legalThreshold: true }),
    );
    live.handle(topics.nodeStatus('k1', 'n1'), json({ online: true, ts: 9 }));
    live.handle(topics.kitStatus('k1'), json({ online: true, ts: 9 }));
    const snap = live.snapshot();
    expect(snap.zones[0]).toMatchObject({ wbgtC: 28.9, level: 'severe', legalThreshold: true, lastReadingAt: 9 });
    expect(snap.nodes[0]).toMatchObject({ online: true, since: 9 });
    expect(snap.kitOnline).toBe(true);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimFrame } from '../../../firmware-sim/encoder.js';
import { localClockToMs, localDayIndex } from '../../../firmware-sim/localTime.js';
import { SimNode } from '../../../firmware-sim/node.js';
import { loadScenario, parseScenario } from '../../../firmware-sim/scenario.js';
import { MemorySink } from './lineCheck.js';

const TZ = 540;
const DAY = localDayIndex(Date.UTC(2025, 5, 2, 3), TZ);
const at = (minutes: number) => localClockToMs(DAY, minutes, TZ);

afterEach(() => {
  vi.useRealTimers();
});

type Count = Extract<SimFrame, { type: 'count' }>;

describe('the simulated node’s part counters (P lines)', () => {
  it('counts a part per cycle while its machine runs, none while it is off, and reports the total once a second', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(at(10 * 60));
    const scenario = await loadScenario('production-day');
    const frames: SimFrame[] = [];
    const node = new SimNode(new MemorySink(), scenario, { onLine: (_line, frame) => frame && frames.push(frame) });
    node.start();
    node.setOverride('ct3', 'run');
    node.setOverride('ct1', 'off');
    await vi.advanceTimersByTimeAsync(120_000);
    node.setOverride('ct3', 'off');
    const runTotal = node.counterTotal('cnt1') ?? 0;
    await vi.advanceTimersByTimeAsync(30_000);
    await node.stop();

    // The hello lists current and climate channels only: an older edge would refuse a hello with a kind it does not know.
    const hello = frames.find((f) => f.type === 'hello');
    expect(hello?.type === 'hello' && hello.channels.map((c) => c.kind)).not.toContain('count');
    const press = frames.filter((f): f is Count => f.type === 'count' && f.channel === 'cnt1');
    expect(press.length).toBeGreaterThanOrEqual(150);
    // A stroke every 4–6 s for 120 s of running.
    expect(runTotal).toBeGreaterThanOrEqual(19);
    expect(runTotal).toBeLessThanOrEqual(31);
    expect(node.counterTotal('cnt1')).toBe(runTotal);
    expect(press.at(-1)?.total).toBe(runTotal);
    // The lathe was off: its counter stays at 0 and its age grows with uptime.
    const lathe = frames.filter((f): f is Count => f.type === 'count' && f.channel === 'cnt2');
    expect(lathe.every((f) => f.total === 0)).toBe(true);
    expect(lathe.at(-1)?.lastPartAgeMs).toBeGreaterThanOrEqual(149_000);
    // After the press stopped, the age since its last stroke grows second by second.
    const ages = press.slice(-5).map((f) => f.lastPartAgeMs);
    expect(ages).toEqual([...ages].sort((a, b) => a - b));
  });

  it('adds parts on demand and refuses a count channel without a current channel to follow', async () => {
    const scenario = await loadScenario('production-day');
    const node = new SimNode(new MemorySink(), scenario);
    node.start();
    node.addParts('cnt2', 3);
    expect(node.counterTotal('cnt2')).toBe(3);
    expect(() => node.addParts('ct1')).toThrow(/not a count channel/);
    await node.stop();
    expect(() =>
      parseScenario('node: n1\nfirmware: "1"\nchannels: [{ id: c1, kind: count, machine: ct9, cycleSeconds: [1, 2] }]\n', 'bad.yaml'),
    ).toThrow(/channels\[0\]\.machine: "ct9" is not a current channel/);
  });
});

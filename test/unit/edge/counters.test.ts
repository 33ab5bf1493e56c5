import { describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../config/load.js';
import { createCounters } from '../../../edge/counters.js';
import type { Payload } from '../../../edge/mqtt/topics.js';
import { readingsOf } from '../../../edge/sources/modbus/decode.js';
import { planReads, type ReadBlock } from '../../../edge/sources/modbus/readPlan.js';

const config = parseKitConfig({
  kit: { id: 'k1', site: 'test' },
  sources: {
    gpio: [{ id: 'lamp', pin: 17 }],
    modbus: [
      {
        id: 'bus',
        path: '/dev/null',
        devices: [{ id: 'plc', address: 3, registers: [{ channel: 'strokes', quantity: 'count', address: 100, type: 'uint16' }] }],
      },
    ],
  },
  machines: [{ id: 'press', name: 'プレス', source: { gpio: 'lamp' } }],
  production: { machines: [{ machine: 'press', counter: { source: { node: 'plc', channel: 'strokes' } } }] },
});

describe('a Modbus counter register through the edge’s counter', () => {
  it('reads a uint16 count register as a total that wraps at 65536, and the edge counts across the wrap', () => {
    const [block] = planReads(config.sources.modbus[0]?.devices[0]?.registers ?? []) as [ReadBlock];
    expect(readingsOf([{ block, words: [65530] }]).counts).toEqual([{ channel: 'strokes', total: 65530, modulo: 65536 }]);

    const sent: Payload<'machineCount'>[] = [];
    const counters = createCounters(config, (_machine, payload) => sent.push(payload));
    counters.start(1000);
    for (const [ts, words] of [
      [2000, 65530],
      [4000, 65534],
      [6000, 3],
    ] as const) {
      const reading = readingsOf([{ block, words: [words] }]).counts[0];
      expect(counters.total('plc', 'strokes', ts, reading?.total ?? -1, reading?.modulo)).toBe(true);
    }
    // The first reading is the baseline; then +4, then +5 across the wrap.
    expect(sent.map((m) => [m.total, m.parts])).toEqual([
      [0, 0],
      [4, 4],
      [9, 5],
    ]);
    expect(counters.total('plc', 'other', 7000, 1)).toBe(false);
  });

  it('refuses a count register that is not a whole unsigned number', () => {
    const raw = {
      ...config,
      sources: {
        ...config.sources,
        modbus: [
          {
            id: 'bus',
            path: '/dev/null',
            devices: [{ id: 'plc', address: 3, registers: [{ channel: 'strokes', quantity: 'count', address: 100, type: 'float32' }] }],
          },
        ],
      },
    };
    expect(() => parseKitConfig(JSON.parse(JSON.stringify(raw)))).toThrow(/must be uint16 or uint32 with scale 1/);
  });
});

import { describe, expect, it } from 'vitest';
import { type ConfigError, parseKitYaml } from '../../../config/load.js';
import { sensorNodes } from '../../../config/sensorNodes.js';
import { problemsOf } from './problems.js';

const base = `
kit: { id: k1, site: 試験工場 }
sources:
  serial: [{ id: node-a, path: /dev/ttyUSB0 }]
  modbus:
    - id: rs485
      path: /dev/ttyUSB1
      devices:
        - { id: th-1, address: 1, map: xy-md02 }
        - { id: meter-1, address: 2, map: sdm630, pollSeconds: 1 }
        - id: meter-x
          address: 3
          registers:
            - { channel: main, quantity: current, address: 0x10, type: float32 }
            - { channel: main, quantity: power, address: 0x12, type: float32 }
machines:
  - { id: m1, name: 旋盤, source: { node: meter-1, channel: l1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }
  - { id: m2, name: 研削盤, source: { node: meter-1, channel: total, quantity: power }, thresholds: { idleAbove: 150, runAbove: 1500, hysteresis: 50 } }
  - { id: m3, name: プレス, source: { node: meter-x, channel: main }, thresholds: { idleAbove: 0.5, runAbove: 4 } }
zones:
  - { id: z1, name: 工場, source: { node: th-1, channel: env1 } }
`;

describe('Modbus in the kit configuration', () => {
  it('fills in the bus and device defaults, and counts devices as sensor nodes', () => {
    const config = parseKitYaml(base);
    const bus = config.sources.modbus[0];
    expect(bus).toMatchObject({ baudRate: 9600, parity: 'none', stopBits: 1 });
    expect(bus?.devices[0]).toMatchObject({ pollSeconds: 5, timeoutMs: 500, retries: 2, silentAfterSeconds: 30 });
    expect(bus?.devices[2]?.registers?.[0]).toMatchObject({ table: 'input', scale: 1, wordOrder: 'high-first' });
    expect(sensorNodes(config).map((n) => n.id)).toEqual(['node-a', 'th-1', 'meter-1', 'meter-x']);
  });

  const bad: [string, string, string][] = [
    ['an unknown map', base.replace('map: xy-md02', 'map: xy-md03'), 'sources.modbus[0].devices[0].map: unknown map "xy-md03"'],
    ['a device with no map', base.replace(', map: xy-md02', ''), 'sources.modbus[0].devices[0]: needs map'],
    [
      'two devices at one address',
      base.replace('address: 2, map: sdm630', 'address: 1, map: sdm630'),
      'sources.modbus[0].devices[1].address: address 1',
    ],
    ['a device id that is a node', base.replace('id: th-1,', 'id: node-a,'), 'sources.modbus[0].devices[0]: id "node-a" is already'],
    [
      'one port for two sources',
      base.replace('path: /dev/ttyUSB1', 'path: /dev/ttyUSB0'),
      'sources.modbus[0].path: port already used by sources.serial[0]',
    ],
    [
      'a parity nobody has',
      base.replace('path: /dev/ttyUSB1', 'path: /dev/ttyUSB1\n      parity: mark'),
      'sources.modbus[0].parity: must be one of "none", "even", "odd"',
    ],
    [
      'a channel the meter lacks',
      base.replace('channel: l1 }', 'channel: l4 }'),
      'machines[0].source.channel: device "meter-1" has no channel "l4"',
    ],
    [
      'a zone on a meter',
      base.replace('{ node: th-1, channel: env1 }', '{ node: meter-1, channel: l2 }'),
      'zones[0].source.channel: channel "l2" of "meter-1" has no temperature and humidity',
    ],
    [
      'power from a sensor',
      base
        .replace('channel: env1 } }', 'channel: env1 } }\n  - { id: z2, name: 二, source: { node: node-a, channel: env1 } }')
        .replace('{ node: meter-x, channel: main }', '{ node: node-a, channel: ct1, quantity: power }'),
      'machines[2].source.quantity: a sensor node sends no power',
    ],
    [
      'half a climate pair',
      base.replace('quantity: power, address: 0x12', 'quantity: humidity, address: 0x12'),
      'sources.modbus[0].devices[2].registers: channel "main" needs both temperature and humidity',
    ],
    [
      'silence shorter than two polls',
      base.replace('pollSeconds: 1 }', 'pollSeconds: 20 }'),
      'sources.modbus[0].devices[1].silentAfterSeconds: must be at least twice pollSeconds',
    ],
    ['an address out of range', base.replace('address: 3', 'address: 248'), 'sources.modbus[0].devices[2].address: must be <= 247'],
    [
      'a simulated bus with a device it cannot simulate',
      base.replace('path: /dev/ttyUSB1', 'path: /dev/ttyUSB1\n      simulator: true'),
      'sources.modbus[0].devices[2]: a simulated bus has devices with shipped maps only',
    ],
  ];
  for (const [what, text, expected] of bad) {
    it(`rejects ${what}`, () => {
      expect(
        problemsOf(text).some((p) => p.startsWith(expected)),
        problemsOf(text).join('\n'),
      ).toBe(true);
    });
  }

  it('takes a power limit only on machines whose channel measures watts, saying which and why in both languages', () => {
    const rule = `alarms:
  rules: [{ id: overload, name: 過負荷, kind: limit, metric: power, above: 5000, severity: warning, targets: [m2, m1, m4] }]
`;
    const withCt = base.replace(
      'zones:',
      '  - { id: m4, name: ボール盤, source: { node: node-a, channel: ct1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }\nzones:',
    );
    // m1 is on the meter's phase l1, which has its own power register: a limit on its watts is fine.
    expect(parseKitYaml(`${withCt}${rule.replace(', m4]', ']')}`).alarms.rules[0]?.metric).toBe('power');
    try {
      parseKitYaml(`${withCt}${rule}`);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        {
          path: 'alarms.rules[0].targets[2]',
          en: 'machine "m4" is not on a meter channel that measures power',
          ja: '設備「m4」は電力を測る電力量計のチャンネルにつながっていません',
        },
      ]);
    }
  });
});

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ConfigError, loadKitConfig, parseKitYaml, redactSecrets } from '../../../config/load.js';
import { problemsOf } from './problems.js';

const kitsDir = new URL('../../../config/kits/', import.meta.url);

const base = `
kit: { id: k1, site: 試験工場 }
sources:
  serial: [{ id: node-a, path: /dev/ttyUSB0 }]
  gpio: [{ id: lamp, pin: 17 }]
machines:
  - { id: m1, name: 旋盤, source: { node: node-a, channel: ct1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }
  - { id: m2, name: プレス, source: { gpio: lamp } }
zones:
  - { id: z1, name: 工場, source: { node: node-a, channel: env1 } }
broker:
  accounts: [{ username: reader1, role: reader, password: long-enough-secret }]
`;

/** base with a two-lamp signal tower on a machine of its own. */
const tower = base
  .replace(
    'gpio: [{ id: lamp, pin: 17 }]',
    `gpio: [{ id: lamp, pin: 17 }, { id: t-red, pin: 22 }, { id: t-green, pin: 27 }]
  towers: [{ id: t1, lamps: { red: t-red, green: t-green }, meaning: { redBlinking: IDLE } }]`,
  )
  .replace('zones:', '  - { id: m3, name: マシニング, source: { tower: t1 } }\nzones:');

describe('kit configuration', () => {
  it('loads every preset in config/kits', () => {
    const files = readdirSync(kitsDir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(loadKitConfig(new URL(file, kitsDir).pathname).kit.id).toMatch(/^[a-z0-9-]+$/);
  });

  it('fills in defaults', () => {
    const config = parseKitYaml(base);
    expect(config.kit.timeZone).toBe('Asia/Tokyo');
    expect(config.kit.locale).toBe('ja');
    expect(config.sources.serial[0]?.baudRate).toBe(115200);
    expect(config.machines[0]?.minDwellSeconds).toBe(5);
    expect(config.machines[0]?.thresholds?.hysteresis).toBe(0.2);
    expect(config.storage.spool.fsyncIntervalMs).toBe(1000);
    expect(config.storage.retention.raw).toBe('30d');
    expect(config.broker.port).toBe(1883);
  });

  const bad: [string, string, string][] = [
    ['an unknown key', base.replace('site: 試験工場', 'site: 試験工場, colour: red'), 'kit.colour: unknown key'],
    ['a misspelt section', `${base}\nmachine: []\n`, 'machine: unknown key'],
    ['a missing required key', base.replace('kit: { id: k1, site: 試験工場 }', 'kit: { id: k1 }'), 'kit.site: is required'],
    ['a bad id', base.replace('id: k1', 'id: Kit 1'), 'kit.id: must match pattern'],
    ['a wrong type', base.replace('pin: 17', 'pin: seventeen'), 'sources.gpio[0].pin: must be integer'],
    [
      'a source that is neither CT nor GPIO',
      base.replace('source: { gpio: lamp }', 'source: { pin: 3 }'),
      'machines[1].source: must be one of {node, channel}, {gpio} or {tower}',
    ],
    [
      'thresholds in the wrong order',
      base.replace('idleAbove: 0.5, runAbove: 4', 'idleAbove: 5, runAbove: 4'),
      'machines[0].thresholds.runAbove: must be greater than idleAbove',
    ],
    [
      'a hysteresis wider than the band',
      base.replace('idleAbove: 0.5, runAbove: 4', 'idleAbove: 0.5, runAbove: 4, hysteresis: 1'),
      'machines[0].thresholds.hysteresis: must be smaller',
    ],
    [
      'a CT machine without thresholds',
      base.replace(', thresholds: { idleAbove: 0.5, runAbove: 4 }', ''),
      'machines[0].thresholds: is required',
    ],
    [
      'a reference to a missing node',
      base.replace('node: node-a, channel: ct1', 'node: node-z, channel: ct1'),
      'machines[0].source.node: no sensor node "node-z"',
    ],
    [
      'a reference to a missing GPIO input',
      base.replace('{ gpio: lamp }', '{ gpio: lamp2 }'),
      'machines[1].source.gpio: no GPIO input "lamp2"',
    ],
    ['a duplicate machine id', base.replace('id: m2', 'id: m1'), 'machines[1]: duplicate id "m1"'],
    [
      "a zone with a machine's id",
      base.replace('id: z1', 'id: m1'),
      'zones[0].id: "m1" is a machine\'s id too: a sensor-fault alarm names a zone or a machine by its id alone',
    ],
    ['two machines on one channel', base.replace('channel: env1', 'channel: ct1'), 'zones[0]: channel already used by machines[0]'],
    [
      'an unknown time zone',
      base.replace('site: 試験工場', 'site: 試験工場, timeZone: Asia/Sendai'),
      'kit.timeZone: unknown IANA time zone',
    ],
    ['an account without a password', base.replace(', password: long-enough-secret', ''), 'broker.accounts[0]: needs passwordHash'],
    ['a node account for no node', base.replace('role: reader', 'role: node, node: node-q'), 'broker.accounts[0].node: no sensor node'],
    ['a negative dwell', base.replace('runAbove: 4 }', 'runAbove: 4 }, minDwellSeconds: -1'), 'machines[0].minDwellSeconds: must be >= 0'],
    ['a batch larger than the in-memory queue', `${base}\nstorage: { batchSize: 60000 }\n`, 'storage.batchSize: must be <= 50000'],
    [
      'a batch that leaves no room in the queue for a write in flight',
      `${base}\nstorage: { batchSize: 40000 }\n`,
      'storage.batchSize: must be at most 25000: half of the 50000-point queue',
    ],
    [
      'a tower lamp on a missing GPIO input',
      tower.replace('green: t-green', 'green: t-blue'),
      'sources.towers[0].lamps.green: no GPIO input "t-blue"',
    ],
    [
      'a lamp input that is also a machine of its own',
      tower.replace('green: t-green', 'green: lamp'),
      'machines[1]: channel already used by sources.towers[0].lamps.green',
    ],
    ['a machine on a missing tower', tower.replace('{ tower: t1 }', '{ tower: t9 }'), 'no signal tower "t9"'],
    [
      'a tower with thresholds',
      tower.replace('{ tower: t1 }', '{ tower: t1 }, thresholds: { idleAbove: 1, runAbove: 2 }'),
      'thresholds: a signal tower has no current thresholds',
    ],
    ['a tower without lamps', tower.replace('{ red: t-red, green: t-green }', '{}'), 'sources.towers[0].lamps: must NOT have fewer than 1'],
    [
      'a lamp meaning that is not a state',
      tower.replace('{ redBlinking: IDLE }', '{ redBlinking: STOP }'),
      'sources.towers[0].meaning.redBlinking',
    ],
    [
      'a network node without its account',
      base.replace('gpio: [{ id: lamp, pin: 17 }]', 'gpio: [{ id: lamp, pin: 17 }]\n  network: [{ id: node-w }]'),
      'sources.network[0]: no broker account for it',
    ],
    [
      'a network node that is also a serial node',
      base
        .replace('gpio: [{ id: lamp, pin: 17 }]', 'gpio: [{ id: lamp, pin: 17 }]\n  network: [{ id: node-a }]')
        .replace('role: reader', 'role: node, node: node-a'),
      'sources.network[0].id: "node-a" is already a serial node',
    ],
    ['broken YAML', 'kit: { id: k1\n  site: [', 'line 1'],
    ['a duplicate YAML key', `${base}\nkit: { id: k2, site: x }\n`, 'line'],
  ];

  it('takes signal towers and network nodes, with the documented defaults', () => {
    const config = parseKitYaml(
      tower
        .replace('role: reader, password: long-enough-secret', 'role: node, node: node-w, password: long-enough-secret')
        .replace('towers:', 'network: [{ id: node-w }]\n  towers:'),
    );
    expect(config.sources.towers[0]).toEqual({
      id: 't1',
      lamps: { red: 't-red', green: 't-green' },
      meaning: { redBlinking: 'IDLE' },
      blinkPhaseMaxMs: 1500,
      glitchMs: 80,
    });
    expect(config.sources.network).toEqual([{ id: 'node-w', silentAfterSeconds: 30 }]);
    expect(config.alarms.faultAfterMinutes).toBe(0);
  });

  it('trusts no proxy unless told, and takes addresses and CIDR ranges only', () => {
    expect(parseKitYaml(base).http.trustProxy).toEqual([]);
    const good = ['192.0.2.10', '10.8.0.0/24', '::1', 'fd00::/8', 'loopback'];
    expect(parseKitYaml(`${base}\nhttp: { trustProxy: ${JSON.stringify(good)} }\n`).http.trustProxy).toEqual(good);
    const problems = problemsOf(`${base}\nhttp: { trustProxy: [proxy.example, 10.8.0.0/33, 192.0.2.10] }\n`);
    expect(problems).toEqual([
      expect.stringMatching(/^http\.trustProxy\[0\]: must be an IP address or a CIDR range/),
      expect.stringMatching(/^http\.trustProxy\[1\]: must be an IP address or a CIDR range/),
    ]);
  });

  for (const [what, text, expected] of bad) {
    it(`rejects ${what} with the path and the reason`, () => {
      const problems = problemsOf(text);
      expect(
        problems.some((p) => p.startsWith(expected) || p.includes(expected)),
        problems.join('\n'),
      ).toBe(true);
    });
  }

  it('reports every problem at once, in both languages', () => {
    const text = base.replace('pin: 17', 'pin: 99').replace('id: k1', 'id: K1');
    try {
      parseKitYaml(text, 'kit.yaml');
      expect.unreachable();
    } catch (error) {
      const e = error as ConfigError;
      expect(e.problems.map((p) => p.path).sort()).toEqual(['kit.id', 'sources.gpio[0].pin']);
      expect(e.message).toContain('kit.yaml');
      expect(e.problems.every((p) => p.ja.length > 0 && p.en.length > 0)).toBe(true);
    }
  });

  it('names the file that cannot be read', () => {
    expect(() => loadKitConfig('/nonexistent/kit.yaml')).toThrow(/\/nonexistent\/kit.yaml.*cannot read/s);
  });

  it('never lets a secret into what is logged', () => {
    const config = parseKitYaml(
      base.replace('password: long-enough-secret', 'password: long-enough-secret, passwordHash: "scrypt$1$2$3$4$5"'),
    );
    const logged = JSON.stringify(redactSecrets(config));
    expect(logged).not.toContain('long-enough-secret');
    expect(logged).not.toContain('scrypt$');
    expect(logged).toContain('reader1');
  });
});

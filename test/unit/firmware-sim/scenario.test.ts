import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios, loadScenario, parseScenario, type Scenario, ScenarioError } from '../../../firmware-sim/scenario.js';

const VALID = `
node: node-t
firmware: "2.0.1"
channels:
  - { id: ct1, kind: current, runA: 10, idleA: 1 }
  - { id: env1, kind: climate }
`;

function problemsOf(text: string, source = 'test.yaml'): string {
  try {
    parseScenario(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario loader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minotake-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists and loads the three bundled scenarios', async () => {
    expect(await listScenarios()).toEqual(expect.arrayContaining(['breakdown', 'heat-wave', 'normal-day']));
    for (const name of ['normal-day', 'heat-wave', 'breakdown']) {
      const scenario = await loadScenario(name);
      expect(scenario.name).toBe(name);
      expect(scenario.source).toMatch(new RegExp(`${name}\\.yaml$`));
      expect(scenario.nodeId).toBe('node-a');
      expect(scenario.firmware).toBe('1.2.0');
      expect(scenario.tzOffsetMinutes).toBe(540);
      expect(scenario.channels.filter((c) => c.kind === 'current').length).toBeGreaterThanOrEqual(3);
      expect(scenario.channels.some((c) => c.kind === 'climate')).toBe(true);
    }
  });

  it('reads work calendar, machines, breakdown windows and the fault schedule', async () => {
    const breakdown = await loadScenario('breakdown');
    expect(breakdown.calendar).toMatchObject({ startMin: 510, endMin: 1050, lunchStartMin: 720, lunchEndMin: 780 });
    expect(breakdown.breakdowns).toEqual([{ channel: 'ct2', window: { fromMin: 630, toMin: 735 } }]);
    const ct2 = breakdown.channels.find((c) => c.id === 'ct2') as Extract<Scenario['channels'][number], { kind: 'current' }>;
    expect(ct2.machine).toMatchObject({ runA: 32, idleA: 3, runMinutes: [15, 50], idleMinutes: [3, 10], stopProbability: 0 });
    expect(breakdown.faults.badChecksumRate).toBeGreaterThan(0);
    expect(breakdown.faults.schedule).toContainEqual({
      atMin: 840,
      untilMin: 850,
      fault: 'sensorError',
      channel: 'env1',
      code: 'I2C_NACK',
    });
    expect(breakdown.faults.schedule).toContainEqual({ atMin: 900, fault: 'garbage', bytes: 16 });
    const heat = await loadScenario('heat-wave');
    expect(heat.climate.maxC).toBeGreaterThanOrEqual(33);
    const normal = await loadScenario('normal-day');
    expect(normal.faults).toEqual({ badChecksumRate: 0, garbageRate: 0, truncatedRate: 0, overlongRate: 0, schedule: [] });
  });

  it('fills defaults for a minimal scenario and loads a file by path', async () => {
    const path = join(dir, 'minimal.yaml');
    await writeFile(path, VALID);
    const scenario = await loadScenario(path);
    expect(scenario).toMatchObject({ name: 'minimal', nodeId: 'node-t', firmware: '2.0.1', seed: 1, tzOffsetMinutes: 540, source: path });
    expect(scenario.calendar.startMin).toBe(510);
    expect(scenario.channels).toEqual([
      { id: 'ct1', kind: 'current', machine: { runA: 10, idleA: 1 } },
      { id: 'env1', kind: 'climate', offsetC: 0 },
    ]);
  });

  it('names the file and the field of every problem', () => {
    const message = problemsOf(
      `
node: Node A
firmware: 1.2
seed: -3
channels:
  - { id: ct1, kind: current, runA: 10, idleA: 1 }
  - { id: ct2, kind: current, runA: -5, idleA: 1, runa: 3 }
  - { id: ct1, kind: climate }
  - { id: env1, kind: wind }
calendar: { start: "08:30", end: "7:00" }
breakdowns:
  - { channel: env9, from: "10:30", to: "10:00" }
faults:
  badChecksumRate: 2
  schedule:
    - { at: 1030, fault: garbage }
`,
      '/factory/bad.yaml',
    );
    expect(message).toContain('/factory/bad.yaml');
    expect(message).toContain('invalid scenario');
    expect(message).toMatch(/\/factory\/bad\.yaml: node: "Node A"/);
    expect(message).toMatch(/firmware: must be a string \(put it in quotes\)/);
    expect(message).toMatch(/seed: must be >= 0/);
    expect(message).toMatch(/channels\[1\]\.runA: must be > 0/);
    expect(message).toMatch(/channels\[1\]\.runa: unknown field/);
    expect(message).toMatch(/channels\[2\]\.id: "ct1" is used twice/);
    expect(message).toMatch(/channels\[3\]\.kind: "wind" must be current, climate or count/);
    expect(message).toMatch(/calendar\.end: must be after calendar\.start/);
    expect(message).toMatch(/breakdowns\[0\]\.channel: "env9" is not a current channel/);
    expect(message).toMatch(/breakdowns\[0\]\.to: must be after/);
    expect(message).toMatch(/faults\.badChecksumRate: must be <= 1/);
    expect(message).toMatch(/faults\.schedule\[0\]\.at: must be a clock time "HH:MM" in quotes, got 1030/);
  });

  it('rejects unknown top-level fields and a missing channel list', () => {
    expect(problemsOf('node: n\nfirmware: "1"\nchanels: []\n')).toMatch(/chanels: unknown field/);
    expect(problemsOf('node: n\nfirmware: "1"\n')).toMatch(/channels: required/);
    expect(problemsOf('node: n\nfirmware: "1"\nchannels: []\n')).toMatch(/channels: must list at least one channel/);
    expect(problemsOf('- just\n- a list\n')).toMatch(/\(top level\): must be a mapping/);
  });

  it('checks machine and climate parameters against each other', () => {
    expect(problemsOf(`${VALID.replace('idleA: 1', 'idleA: 12')}`)).toMatch(/channels\[0\]\.idleA: must be less than runA/);
    expect(problemsOf(`${VALID}climate: { minC: 30, maxC: 20, humidityMinPct: 40, humidityMaxPct: 60 }\n`)).toMatch(
      /climate\.maxC: must not be below/,
    );
    expect(problemsOf(`${VALID.replace('idleA: 1', 'idleA: 1, offNoiseA: 0.5')}`)).toMatch(/channels\[0\]\.offNoiseA: must be <= 0.2/);
    expect(problemsOf(`${VALID.replace('idleA: 1', 'idleA: 1, runMinutes: [30, 10]')}`)).toMatch(/runMinutes: min must not exceed max/);
  });

  it('refuses a node whose lines could not fit in 160 characters', () => {
    const channels = Array.from({ length: 14 }, (_, i) => `  - { id: machine${i}, kind: current, runA: 10, idleA: 1 }`).join('\n');
    expect(problemsOf(`node: n\nfirmware: "1"\nchannels:\n${channels}\n`)).toMatch(
      /14 current channels make an I line of up to \d+ characters, over the protocol's 160/,
    );
  });

  it('says clearly when a scenario does not exist or is not YAML', async () => {
    await expect(loadScenario('no-such-day')).rejects.toMatchObject({
      code: 'SCENARIO_NOT_FOUND',
      message: expect.stringContaining('no-such-day'),
    });
    await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'SCENARIO_NOT_FOUND' });
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'node: [unclosed\n');
    await expect(loadScenario(broken)).rejects.toMatchObject({ code: 'SCENARIO_UNREADABLE', message: expect.stringContaining(broken) });
  });
});

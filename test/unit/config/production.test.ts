import { describe, expect, it } from 'vitest';
import { type ConfigError, parseKitYaml } from '../../../config/load.js';
import { configWarnings } from '../../../config/warnings.js';
import { problemsOf } from './problems.js';

const base = `
kit: { id: k1, site: 試験工場 }
sources:
  serial: [{ id: node-a, path: /dev/ttyUSB0 }]
  gpio: [{ id: lamp, pin: 17 }, { id: stroke, pin: 22, debounceMs: 5 }]
machines:
  - { id: m1, name: 旋盤, source: { node: node-a, channel: ct1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }
  - { id: m2, name: プレス, source: { gpio: lamp } }
`;

describe('the production section of the kit file', () => {
  it('has the six stop reasons, a 5-minute ask and no machines by default', () => {
    const config = parseKitYaml(base);
    expect(config.production.reasons.map((r) => r.name)).toEqual(['段取り', '材料待ち', '故障', '品質確認', '計画停止', 'その他']);
    expect(config.production.reasons.find((r) => r.id === 'other')?.note).toBe(true);
    expect(config.production.reasons.find((r) => r.id === 'planned')?.planned).toBe(true);
    expect(config.production.reasonAfterMinutes).toBe(5);
    expect(config.production.machines).toEqual([]);
  });

  it('fills in a counter’s defaults', () => {
    const config = parseKitYaml(
      `${base}production: { machines: [{ machine: m2, counter: { source: { gpio: stroke } }, target: { perHour: 120 } }] }\n`,
    );
    expect(config.production.machines[0]?.counter).toEqual({ source: { gpio: 'stroke' }, partsPerPulse: 1, maxCycleSeconds: 600 });
  });

  const bad: [string, string, string][] = [
    ['an unknown machine', 'production: { machines: [{ machine: m9 }] }', 'production.machines[0].machine: no machine "m9" in machines'],
    [
      'both a cycle and a quantity',
      'production: { machines: [{ machine: m1, target: { perHour: 60, cycleSeconds: 60 } }] }',
      'production.machines[0].target: give either cycleSeconds or perHour',
    ],
    [
      'a counter on the state input',
      'production: { machines: [{ machine: m2, counter: { source: { gpio: lamp } } }] }',
      'production.machines[0].counter.source: this input is already used by a machine or zone',
    ],
    [
      'a counter on a CT channel',
      'production: { machines: [{ machine: m1, counter: { source: { node: node-a, channel: ct1 } } }] }',
      'production.machines[0].counter.source: this input is already used',
    ],
    [
      'one input counting for two machines',
      'production: { machines: [{ machine: m1, counter: { source: { gpio: stroke } } }, { machine: m2, counter: { source: { gpio: stroke } } }] }',
      'production.machines[1].counter.source: this input is already used by production.machines[0]',
    ],
    [
      'an unknown GPIO input',
      'production: { machines: [{ machine: m2, counter: { source: { gpio: nope } } }] }',
      'production.machines[0].counter.source.gpio: no GPIO input "nope"',
    ],
    [
      'a repeated reason id',
      'production: { reasons: [{ id: a, name: A }, { id: a, name: B }] }',
      'production.reasons[1]: duplicate id "a"',
    ],
    [
      'a behind-plan rule without parts',
      'alarms: { rules: [{ id: b, name: B, kind: behindPlan, severity: warning }] }',
      'alarms.rules[0].parts: is required for a behindPlan rule',
    ],
    [
      'a behind-plan rule on a machine without a plan',
      'alarms: { rules: [{ id: b, name: B, kind: behindPlan, parts: 5, targets: [m1], severity: warning }] }',
      'alarms.rules[0].targets[0]: machine "m1" has no counter and target',
    ],
    [
      'a stop state asked about that is not one',
      'production: { machines: [{ machine: m1, askReasonFor: [OFF, idle] }] }',
      'production.machines[0].askReasonFor[1]: must be one of "OFF", "IDLE", "FAULT"',
    ],
    [
      'a stop state asked about twice',
      'production: { machines: [{ machine: m1, askReasonFor: [FAULT, OFF, FAULT] }] }',
      'production.machines[0].askReasonFor[2]: FAULT is listed twice',
    ],
    [
      'a reason-missing rule without minutes',
      'alarms: { rules: [{ id: r, name: R, kind: reasonMissing, severity: info }] }',
      'alarms.rules[0].afterMinutes: is required for a reasonMissing rule',
    ],
  ];
  it.each(bad)('rejects %s, naming where', (_what, extra, expected) => {
    expect(problemsOf(`${base}${extra}\n`).join('\n')).toContain(expected);
  });
});

describe('which stops a machine asks a reason for (askReasonFor)', () => {
  it('is left out by default (every stop asks) and keeps the list given', () => {
    const config = parseKitYaml(`${base}production: { machines: [{ machine: m1, askReasonFor: [OFF, FAULT] }, { machine: m2 }] }\n`);
    expect(config.production.machines.map((m) => m.askReasonFor)).toEqual([['OFF', 'FAULT'], undefined]);
  });

  it('says in Japanese too what is wrong with a state', () => {
    try {
      parseKitYaml(`${base}production: { machines: [{ machine: m1, askReasonFor: [OFF, OFF] }] }\n`);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toContainEqual({
        path: 'production.machines[0].askReasonFor[1]',
        en: 'OFF is listed twice',
        ja: 'OFF が 2 回あります',
      });
    }
  });

  it('warns, without refusing the file, when a reasonMissing rule names a machine that asks for nothing', () => {
    const config = parseKitYaml(
      `${base}production: { machines: [{ machine: m1, askReasonFor: [] }, { machine: m2, askReasonFor: [OFF] }] }\n` +
        'alarms: { rules: [{ id: r, name: R, kind: reasonMissing, afterMinutes: 10, targets: [m2, m1], severity: info }] }\n',
    );
    expect(configWarnings(config)).toEqual([
      {
        path: 'alarms.rules[0].targets[1]',
        en: 'machine "m1" asks for no stop reasons (production.machines askReasonFor: []), so this rule never fires for it',
        ja: '設備「m1」は停止理由を求めない設定（production.machines の askReasonFor: []）なので、このルールは発報しません',
      },
    ]);
  });
});

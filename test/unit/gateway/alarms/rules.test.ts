import { describe, expect, it } from 'vitest';
import { alarmMessage } from '../../../../gateway/alarms/messages.js';
import { expandRules, type LimitRule, type TimeRule } from '../../../../gateway/alarms/rules.js';
import { alarmConfig } from './fixtures.js';

describe('expandRules', () => {
  it('expands the built-in rules per zone, node and machine with stable keys', () => {
    const rules = expandRules(alarmConfig());
    expect(rules.map((r) => r.key)).toEqual([
      'wbgt-warning/floor',
      'wbgt-severe/floor',
      'wbgt-danger/floor',
      'air-temperature-legal/floor',
      'sensor-silent/node-a',
      'sensor-fault/floor',
      'sensor-fault/m1', // a machine on a GPIO input has no sensor that can report an error
      'stopped-too-long/m1',
      'stopped-too-long/press',
      'running-off-shift/m1',
      'running-off-shift/press',
    ]);
    const limits = rules.filter((r): r is LimitRule => r.kind === 'limit');
    expect(limits.map((r) => [r.metric, r.above, r.severity, r.label.ja])).toEqual([
      ['wbgt', 25, 'warning', '警戒'],
      ['wbgt', 28, 'critical', '厳重警戒'],
      ['wbgt', 31, 'critical', '危険'],
      ['temperature', 31, 'critical', '法定基準'],
    ]);
    for (const r of limits) expect([r.deadband, r.onDelayMs, r.offDelayMs]).toEqual([0.5, 60_000, 300_000]);
    const faults = rules.filter((r) => r.kind === 'sensorError');
    expect(faults.map((r) => [r.target, r.clearAfterMs, r.severity])).toEqual([
      [{ kind: 'zone', id: 'floor' }, 30_000, 'critical'],
      [{ kind: 'machine', id: 'm1' }, 30_000, 'critical'],
    ]);
    const time = rules.filter((r): r is TimeRule => r.kind !== 'limit' && r.kind !== 'sensorError');
    expect(time.map((r) => [r.key, r.afterMs, r.severity])).toEqual([
      ['sensor-silent/node-a', 45_000, 'critical'],
      ['stopped-too-long/m1', 30 * 60_000, 'warning'],
      ['stopped-too-long/press', 30 * 60_000, 'warning'],
      ['running-off-shift/m1', 15 * 60_000, 'warning'],
      ['running-off-shift/press', 15 * 60_000, 'warning'],
    ]);
    expect(rules[0]?.targetName).toEqual({ ja: '第1工場', en: 'Plant 1' });
  });

  it('follows alarms.stoppedTooLongMinutes and runningOffShiftMinutes', () => {
    const rules = expandRules(alarmConfig({ stoppedTooLongMinutes: 45, runningOffShiftMinutes: 5 }));
    expect((rules.find((r) => r.key === 'stopped-too-long/m1') as TimeRule).afterMs).toBe(45 * 60_000);
    expect((rules.find((r) => r.key === 'running-off-shift/m1') as TimeRule).afterMs).toBe(5 * 60_000);
  });

  it('adds configured rules (empty targets = all of the kind; current only for CT machines) and lets them replace a built-in', () => {
    const rules = expandRules(
      alarmConfig({
        builtin: true,
        rules: [
          { id: 'amps', name: '過電流', kind: 'limit', metric: 'current', above: 30, severity: 'warning', notify: [] },
          { id: 'wbgt-severe', name: '厳重警戒(社内)', kind: 'limit', metric: 'wbgt', above: 27, severity: 'warning' },
          { id: 'quiet', name: '無音', kind: 'silent', targets: ['node-a'], afterMinutes: 2, severity: 'info' },
        ],
      }),
    );
    expect(rules.filter((r) => r.ruleId === 'amps').map((r) => r.key)).toEqual(['amps/m1']);
    const severe = rules.filter((r) => r.ruleId === 'wbgt-severe') as LimitRule[];
    expect(severe.map((r) => [r.above, r.severity, r.onDelayMs])).toEqual([[27, 'warning', 0]]);
    expect((rules.find((r) => r.key === 'quiet/node-a') as TimeRule).afterMs).toBe(120_000);
  });

  it('watches only signal-tower machines for a fault stop, at once by default, and names the machine plainly', () => {
    const withTower = (alarms: Record<string, unknown>) =>
      alarmConfig(alarms, {
        sources: {
          serial: [{ id: 'node-a', path: '/dev/null', silentAfterSeconds: 45 }],
          gpio: [
            { id: 'lamp', pin: 17 },
            { id: 'red', pin: 22 },
          ],
          towers: [{ id: 'tower', lamps: { red: 'red' } }],
        },
        machines: [
          { id: 'm1', name: '旋盤1', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
          { id: 'press', name: 'プレス', nameEn: 'Press', source: { gpio: 'lamp' } },
          { id: 'mc', name: 'マシニング', nameEn: 'Machining centre', source: { tower: 'tower' } },
        ],
      });
    const fault = expandRules(withTower({})).filter((r): r is TimeRule => r.kind === 'machineFault');
    expect(fault.map((r) => [r.key, r.afterMs, r.severity])).toEqual([['machine-fault/mc', 0, 'warning']]);
    expect(alarmMessage(fault[0] as TimeRule, 0)).toEqual({ ja: 'マシニング 異常停止', en: 'Machining centre stopped with a fault' });
    const later = expandRules(withTower({ faultAfterMinutes: 10 })).find((r) => r.key === 'machine-fault/mc') as TimeRule;
    expect(later.afterMs).toBe(10 * 60_000);
    expect(alarmMessage(later, 12).ja).toBe('マシニング 異常停止 12 分 ≥ 10 分（異常停止）');
  });

  it('has no built-in rules when alarms.builtin is false', () => {
    expect(expandRules(alarmConfig({ builtin: false }))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { AlarmBook } from '../../../../gateway/alarms/lifecycle.js';
import { alarmMessage } from '../../../../gateway/alarms/messages.js';
import { expandRules, type RuleInstance } from '../../../../gateway/alarms/rules.js';
import { alarmConfig, T9 } from './fixtures.js';

const rules = expandRules(alarmConfig());
const rule = (key: string) => rules.find((r) => r.key === key) as RuleInstance;
const severe = rule('wbgt-severe/floor');

describe('alarm lifecycle', () => {
  it('goes active-unacknowledged → active-acknowledged (who, when, comment) → cleared, and then leaves the list', () => {
    const book = new AlarmBook();
    const raised = book.apply(severe, { type: 'raised', key: severe.key, ts: T9, value: 28.4 });
    expect(raised?.kind).toBe('raised');
    const alarm = raised?.alarm;
    expect(alarm).toMatchObject({ ruleId: 'wbgt-severe', target: { kind: 'zone', id: 'floor' }, severity: 'critical' });
    expect(alarm).toMatchObject({ state: 'active-unacknowledged', value: 28.4, raisedAt: T9, clearedAt: null, acknowledgedBy: null });

    const ack = book.acknowledge(alarm?.id as string, 'sato', '  窓を開けた ', T9 + 60_000, severe);
    expect(ack.ok && ack.alarm).toMatchObject({
      state: 'active-acknowledged',
      acknowledgedBy: 'sato',
      acknowledgedAt: T9 + 60_000,
      comment: '窓を開けた',
    });
    expect(ack.ok && ack.event.kind).toBe('acknowledged');
    expect(book.acknowledge(alarm?.id as string, 'suzuki', undefined, T9 + 70_000, severe)).toEqual({
      ok: false,
      code: 'ALREADY_ACKNOWLEDGED',
    });

    const cleared = book.apply(severe, { type: 'cleared', key: severe.key, ts: T9 + 600_000, value: 26 });
    expect(cleared?.alarm).toMatchObject({ state: 'cleared', clearedAt: T9 + 600_000, acknowledgedBy: 'sato', value: 28.4 });
    expect(book.list()).toEqual([]);
    // A late second click on the tablet: already acknowledged, not "unknown".
    expect(book.acknowledge(alarm?.id as string, 'suzuki', undefined, T9 + 700_000, severe)).toEqual({
      ok: false,
      code: 'ALREADY_ACKNOWLEDGED',
    });
    expect(book.acknowledge('no-such-alarm', 'suzuki', undefined, T9, severe)).toEqual({ ok: false, code: 'NOT_FOUND' });
  });

  it('keeps an alarm cleared before anyone acknowledged it as cleared-unacknowledged until acknowledged', () => {
    const book = new AlarmBook();
    const id = book.apply(severe, { type: 'raised', key: severe.key, ts: T9, value: 28.4 })?.alarm.id as string;
    expect(book.apply(severe, { type: 'cleared', key: severe.key, ts: T9 + 1000, value: 27 })?.alarm.state).toBe('cleared-unacknowledged');
    expect(book.list().map((a) => [a.id, a.state])).toEqual([[id, 'cleared-unacknowledged']]);
    // Raised again meanwhile: a new occurrence beside the old one, which the retained topic no longer shows.
    const again = book.apply(severe, { type: 'raised', key: severe.key, ts: T9 + 5000, value: 28.6 })?.alarm.id as string;
    expect(again).not.toBe(id);
    expect(book.current(severe.key)?.id).toBe(again);
    const ack = book.acknowledge(id, 'tanaka', undefined, T9 + 9000, severe);
    expect(ack.ok && ack.alarm).toMatchObject({ state: 'cleared', acknowledgedBy: 'tanaka', acknowledgedAt: T9 + 9000, comment: null });
    expect(book.list().map((a) => a.id)).toEqual([again]);
  });

  it('reminds about active unacknowledged alarms only, every period, once after a long gap', () => {
    const book = new AlarmBook();
    const ruleOf = () => severe;
    const id = book.apply(severe, { type: 'raised', key: severe.key, ts: T9, value: 28.4 })?.alarm.id as string;
    const every = 10 * 60_000;
    expect(book.remind(T9 + every - 1, every, ruleOf)).toEqual([]);
    expect(book.remind(T9 + every, every, ruleOf).map((e) => e.kind)).toEqual(['reminder']);
    expect(book.remind(T9 + every + 1000, every, ruleOf)).toEqual([]);
    expect(book.remind(T9 + 10 * every, every, ruleOf)).toHaveLength(1);
    expect(book.remind(T9 + 10 * every + 1, every, ruleOf)).toEqual([]);
    expect(book.remind(T9 + 100 * every, 0, ruleOf)).toEqual([]);
    book.acknowledge(id, 'sato', undefined, T9 + 11 * every, severe);
    expect(book.remind(T9 + 20 * every, every, ruleOf)).toEqual([]);
  });
});

describe('alarm messages', () => {
  it('names the zone in both languages with the value and the limit', () => {
    expect(alarmMessage(severe, 28.4)).toEqual({
      ja: '第1工場 WBGT 28.4 ℃ ≥ 28（厳重警戒）',
      en: 'Plant 1 WBGT 28.4 °C ≥ 28 (severe warning)',
    });
    expect(alarmMessage(rule('air-temperature-legal/floor'), 31.24)).toEqual({
      ja: '第1工場 気温 31.2 ℃ ≥ 31（法定基準）',
      en: 'Plant 1 air temperature 31.2 °C ≥ 31 (legal threshold)',
    });
  });

  it('words the time rules with their units, and falls back to the Japanese name or the id', () => {
    expect(alarmMessage(rule('stopped-too-long/m1'), 35)).toEqual({
      ja: '旋盤1 停止 35 分 ≥ 30 分（長時間停止）',
      en: 'Lathe 1 stopped for 35 min ≥ 30 min (stopped too long)',
    });
    expect(alarmMessage(rule('running-off-shift/press'), 20).en).toBe(
      'プレス running off shift for 20 min ≥ 15 min (running outside shifts)',
    );
    expect(alarmMessage(rule('sensor-silent/node-a'), 46)).toEqual({
      ja: 'node-a データなし 46 秒 ≥ 45 秒（センサー無応答）',
      en: 'node-a no data for 46 s ≥ 45 s (sensor silent)',
    });
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KitConfig } from '../../../../config/schema.js';
import { topics } from '../../../../edge/mqtt/topics.js';
import { alarmTopic, createAlarmEngine } from '../../../../gateway/alarms/engine.js';
import type { NotifyEvent } from '../../../../gateway/alarms/lifecycle.js';
import type { AlarmBody } from '../../../../gateway/http/schemas.js';
import type { StoredPoint } from '../../../../gateway/storage/point.js';
import { testLog } from '../../../helpers/log.js';
import { alarmConfig, T9 } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An engine over a temp data folder with a fake clock, recording everything it hands out. */
function harness(config: KitConfig, dataDir = mkdtempSync(join(tmpdir(), 'minotake-alarms-')), clock = { now: T9 }) {
  dirs.push(dataDir);
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  const points: StoredPoint[] = [];
  const alarms: AlarmBody[] = [];
  const notified: NotifyEvent[] = [];
  const engine = createAlarmEngine({
    config,
    dataDir,
    log: testLog,
    now: () => clock.now,
    publish: (topic, payload, retain) => published.push({ topic, payload, retain }),
    store: (p) => points.push(...p),
    onAlarm: (a) => alarms.push(a),
    onNotify: (e) => notified.push(e),
  });
  const climate = (wbgtC: number, temperatureC = 29) =>
    engine.handle(
      topics.zoneEnvironment('k1', 'floor'),
      Buffer.from(JSON.stringify({ ts: clock.now, temperatureC, humidityPct: 60, wbgtC, level: 'severe', legalThreshold: true })),
    );
  /** Advances the fake clock, ticking every 5 s like the kit's timer, with a reading before each tick when given. */
  const run = (seconds: number, wbgtC?: number) => {
    for (let s = 0; s < seconds; s += 5) {
      clock.now += 5000;
      if (wbgtC !== undefined) climate(wbgtC);
      engine.tick();
    }
  };
  return { engine, published, points, alarms, notified, clock, dataDir, climate, run };
}

/** Only the WBGT ≥ 28 rule, so the assertions are about one alarm. */
const severeOnly = () =>
  alarmConfig({
    builtin: false,
    reminderMinutes: 0,
    rules: [
      {
        id: 'wbgt-severe',
        name: '厳重警戒',
        nameEn: 'severe warning',
        kind: 'limit',
        metric: 'wbgt',
        above: 28,
        deadband: 0.5,
        onDelaySeconds: 60,
        offDelaySeconds: 300,
        severity: 'critical',
      },
    ],
  });

describe('alarm engine', () => {
  it('raises from zone environment messages: retained topic, InfluxDB point, dashboard and notification', () => {
    const h = harness(severeOnly());
    h.climate(28.4);
    h.run(60, 28.4);
    expect(h.notified.map((e) => e.kind)).toEqual(['raised']);
    const alarm = h.engine.active()[0] as AlarmBody;
    expect(alarm.message).toEqual({ ja: '第1工場 WBGT 28.4 ℃ ≥ 28（厳重警戒）', en: 'Plant 1 WBGT 28.4 °C ≥ 28 (severe warning)' });
    expect(h.alarms).toEqual([alarm]);
    const topic = alarmTopic('k1', 'wbgt-severe', 'floor');
    expect(topic).toBe('minotake/v1/k1/alarm/wbgt-severe/floor');
    expect(h.published.at(-1)).toEqual({ topic, payload: JSON.stringify(alarm), retain: true });
    expect(h.points).toHaveLength(1);
    expect(h.points[0]).toMatchObject({
      measurement: 'alarm',
      tags: { kit: 'k1', rule: 'wbgt-severe', target_kind: 'zone', target: 'floor', severity: 'critical' },
      fields: { state: 'active-unacknowledged', event: 'raised', message_ja: alarm.message.ja, message_en: alarm.message.en, value: 28.4 },
    });

    const ack = h.engine.acknowledge(alarm.id, 'sato', '換気扇オン');
    expect(ack.ok).toBe(true);
    expect(h.points.at(-1)?.fields).toMatchObject({ state: 'active-acknowledged', acknowledged_by: 'sato', comment: '換気扇オン' });
    h.run(400, 26);
    expect(h.notified.map((e) => e.kind)).toEqual(['raised', 'acknowledged', 'cleared']);
    expect(h.engine.active()).toEqual([]);
    // Fully cleared: an empty retained payload deletes the retained message.
    expect(h.published.at(-1)).toEqual({ topic, payload: '', retain: true });
    expect(h.alarms.at(-1)?.state).toBe('cleared');
  });

  it('keeps an active alarm across a restart without notifying it again, and clears it normally afterwards', () => {
    const first = harness(severeOnly());
    first.climate(29);
    first.run(60, 29);
    expect(first.notified.map((e) => e.kind)).toEqual(['raised']);
    const before = first.engine.active();
    first.engine.stop();
    expect(readdirSync(join(first.dataDir, 'alarms'))).toEqual(['state.json']);

    // The gateway comes back ten minutes later; the heat has not gone.
    const clock = { now: first.clock.now + 600_000 };
    const second = harness(severeOnly(), first.dataDir, clock);
    expect(second.engine.active()).toEqual(before);
    expect(second.alarms).toEqual(before);
    expect(second.published).toEqual([
      { topic: alarmTopic('k1', 'wbgt-severe', 'floor'), payload: JSON.stringify(before[0]), retain: true },
    ]);
    second.run(120, 29.2);
    expect(second.notified).toEqual([]);
    expect(second.points).toEqual([]);
    expect(second.engine.active().map((a) => a.id)).toEqual(before.map((a) => a.id));

    // The heat went while the kit was down the next time: it clears after the off-delay, the same occurrence.
    second.engine.stop();
    const third = harness(severeOnly(), first.dataDir, { now: clock.now + 600_000 });
    third.run(295, 25);
    expect(third.notified).toEqual([]);
    third.run(10, 25);
    expect(third.notified.map((e) => [e.kind, e.alarm.id, e.alarm.state])).toEqual([['cleared', before[0]?.id, 'cleared-unacknowledged']]);
  });

  it('keeps an acknowledgement across a restart', () => {
    const first = harness(severeOnly());
    first.climate(29);
    first.run(60, 29);
    const id = first.engine.active()[0]?.id as string;
    first.engine.acknowledge(id, 'sato', 'ok');
    // No stop(): the acknowledgement itself must have been written, as after a power cut.
    const second = harness(severeOnly(), first.dataDir, { now: first.clock.now + 1000 });
    expect(second.engine.active()[0]).toMatchObject({ id, state: 'active-acknowledged', acknowledgedBy: 'sato', comment: 'ok' });
    expect(second.engine.acknowledge(id, 'suzuki')).toEqual({ ok: false, code: 'ALREADY_ACKNOWLEDGED' });
  });

  it('does not remind again at once after a restart', () => {
    const config = alarmConfig({
      builtin: false,
      reminderMinutes: 10,
      rules: [{ id: 'hot', name: '高温', kind: 'limit', metric: 'temperature', above: 30, severity: 'warning' }],
    });
    const first = harness(config);
    first.climate(25, 31);
    first.run(600);
    expect(first.notified.map((e) => e.kind)).toEqual(['raised', 'reminder']);
    const second = harness(config, first.dataDir, { now: first.clock.now + 30_000 });
    second.run(300);
    expect(second.notified).toEqual([]);
    second.run(300);
    expect(second.notified.map((e) => e.kind)).toEqual(['reminder']);
  });

  it('counts node data as "seen" but not the edge announcing the node offline', () => {
    const h = harness(alarmConfig({ builtin: true, reminderMinutes: 0 }));
    const node = (topic: string, body: object) => h.engine.handle(topic, Buffer.from(JSON.stringify(body)));
    node(topics.nodeCurrent('k1', 'node-a'), { ts: h.clock.now, seq: 1, amps: { ct1: 5 } });
    h.run(40);
    node(topics.nodeStatus('k1', 'node-a'), { ts: h.clock.now, online: false, reason: 'silent' });
    h.run(10);
    expect(h.notified.map((e) => [e.kind, e.alarm.ruleId])).toEqual([['raised', 'sensor-silent']]);
    node(topics.nodeClimate('k1', 'node-a'), { ts: h.clock.now, seq: 2, channel: 'env1', temperatureC: 25, humidityPct: 50 });
    expect(h.notified.map((e) => [e.kind, e.alarm.ruleId])).toEqual([
      ['raised', 'sensor-silent'],
      ['cleared', 'sensor-silent'],
    ]);
  });

  it('raises a sensor fault on the zone or machine whose channel a node reports an error on, and clears it after 30 s of good readings', () => {
    const h = harness(alarmConfig({ builtin: true, reminderMinutes: 0 }));
    const node = (topic: string, body: object) => h.engine.handle(topic, Buffer.from(JSON.stringify(body)));
    const error = (channel: string, code: string) => node(topics.nodeError('k1', 'node-a'), { ts: h.clock.now, seq: 1, channel, code });
    const reading = () =>
      node(topics.nodeClimate('k1', 'node-a'), { ts: h.clock.now, seq: 2, channel: 'env1', temperatureC: 25, humidityPct: 50 });
    const environment = () => h.climate(20, 25);
    const faults = () => h.notified.filter((e) => e.alarm.ruleId === 'sensor-fault').map((e) => [e.kind, e.alarm.target.id]);

    error('env9', 'I2C_NACK'); // a channel no zone or machine uses
    error('env1', 'I2C_NACK');
    expect(faults()).toEqual([['raised', 'floor']]);
    // The message names the code that raised it, what a technician looks up first (docs/protocol.md).
    expect(h.notified[0]?.alarm.message).toEqual({ ja: '第1工場 センサー異常 I2C_NACK', en: 'Plant 1 sensor fault I2C_NACK' });
    // The sensor fails on every other attempt: the alarm stays up, no flapping.
    for (let i = 0; i < 6; i++) {
      h.clock.now += 2000;
      environment();
      reading();
      h.clock.now += 2000;
      error('env1', 'I2C_NACK');
    }
    expect(faults()).toEqual([['raised', 'floor']]);
    // Back for good: cleared by the first reading 30 s after the last error.
    for (let i = 0; i < 16; i++) {
      h.clock.now += 2000;
      environment();
    }
    expect(faults()).toEqual([
      ['raised', 'floor'],
      ['cleared', 'floor'],
    ]);
    // A CT that keeps clipping (ADC_RANGE) is the machine's alarm.
    error('ct1', 'ADC_RANGE');
    expect(faults().at(-1)).toEqual(['raised', 'm1']);
    expect(h.notified.at(-1)?.alarm.message.en).toBe('Lathe 1 sensor fault ADC_RANGE');
  });

  it('maps CT channels to machines for current limits, and ignores other kits and bad payloads', () => {
    const config = alarmConfig({
      builtin: false,
      rules: [{ id: 'amps', name: '過電流', kind: 'limit', metric: 'current', above: 30, severity: 'warning' }],
    });
    const h = harness(config);
    h.engine.handle(topics.nodeCurrent('other', 'node-a'), Buffer.from(JSON.stringify({ ts: T9, seq: 1, amps: { ct1: 50 } })));
    h.engine.handle(topics.nodeCurrent('k1', 'node-a'), Buffer.from('not json'));
    h.engine.handle(topics.nodeCurrent('k1', 'node-a'), Buffer.from(JSON.stringify({ ts: T9, seq: 1, amps: { ct2: 50 } })));
    expect(h.notified).toEqual([]);
    h.engine.handle(topics.nodeCurrent('k1', 'node-a'), Buffer.from(JSON.stringify({ ts: T9, seq: 2, amps: { ct1: 31.5 } })));
    expect(h.notified.map((e) => [e.kind, e.alarm.target, e.alarm.message.en])).toEqual([
      ['raised', { kind: 'machine', id: 'm1' }, 'Lathe 1 current 31.5 A ≥ 30 (過電流)'],
    ]);
  });

  it("raises a power limit from a meter's watts on the machine's channel, with the watts in both languages", () => {
    const config = alarmConfig(
      {
        builtin: false,
        reminderMinutes: 0,
        rules: [{ id: 'overload', name: '過負荷', nameEn: 'overload', kind: 'limit', metric: 'power', above: 5000, severity: 'warning' }],
      },
      {
        sources: {
          serial: [{ id: 'node-a', path: '/dev/null' }],
          modbus: [{ id: 'rs485', path: '/dev/ttyUSB9', devices: [{ id: 'meter-1', address: 1, map: 'sdm630' }] }],
        },
        machines: [
          { id: 'grinder', name: '研削盤', nameEn: 'Grinder', source: { node: 'meter-1', channel: 'total', quantity: 'power' } },
          { id: 'm1', name: '旋盤1', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
        ].map((m) => ({ thresholds: { idleAbove: 150, runAbove: 1500, hysteresis: 50 }, ...m })),
      },
    );
    const h = harness(config);
    const power = (channel: string, body: object) =>
      h.engine.handle(
        topics.nodePower('k1', 'meter-1'),
        Buffer.from(JSON.stringify({ ts: h.clock.now, seq: 1, channel, volts: 200, ...body })),
      );
    power('l1', { watts: 9000 }); // a phase no machine is on
    power('total', { volts: 201 }); // no watts in this reading
    h.engine.handle(topics.nodeCurrent('k1', 'meter-1'), Buffer.from(JSON.stringify({ ts: T9, seq: 1, amps: { total: 40 } })));
    expect(h.notified).toEqual([]);
    power('total', { watts: 5234.5 });
    expect(h.notified.map((e) => [e.kind, e.alarm.target, e.alarm.message])).toEqual([
      [
        'raised',
        { kind: 'machine', id: 'grinder' },
        { ja: '研削盤 電力 5234.5 W ≥ 5000（過負荷）', en: 'Grinder power 5234.5 W ≥ 5000 (overload)' },
      ],
    ]);
    power('total', { watts: 1200 });
    expect(h.notified.map((e) => e.kind)).toEqual(['raised', 'cleared']);
  });

  it('goes on when a listener throws, and passes the rule channels to the notifier', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'minotake-alarms-'));
    dirs.push(dataDir);
    const clock = { now: T9 };
    const config = alarmConfig({
      builtin: false,
      rules: [{ id: 'hot', name: '高温', kind: 'limit', metric: 'temperature', above: 30, severity: 'warning', notify: [] }],
    });
    config.notifications.channels = [];
    const engine = createAlarmEngine({
      config,
      dataDir,
      log: testLog,
      now: () => clock.now,
      publish: () => {
        throw new Error('broker gone');
      },
      store: () => {},
      onAlarm: () => {},
      onNotify: () => Promise.reject(new Error('notifier down')),
    });
    engine.handle(
      topics.zoneEnvironment('k1', 'floor'),
      Buffer.from(JSON.stringify({ ts: T9, temperatureC: 31, humidityPct: 50, wbgtC: 26, level: 'warning', legalThreshold: true })),
    );
    expect(engine.active()).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dataDir, 'alarms', 'state.json'), 'utf8')).state.book.open).toHaveLength(1);
  });

  it('moves a damaged state file aside and starts clean', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'minotake-alarms-'));
    const h0 = harness(severeOnly(), dataDir);
    h0.engine.stop();
    writeFileSync(join(dataDir, 'alarms', 'state.json'), '{"version":1,"sta');
    const h = harness(severeOnly(), dataDir);
    expect(h.engine.active()).toEqual([]);
    expect(readdirSync(join(dataDir, 'alarms')).some((f) => f.startsWith('state.json.damaged-'))).toBe(true);
    expect(existsSync(join(dataDir, 'alarms', 'state.json'))).toBe(true);
  });
});

import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { topics } from '../../edge/mqtt/topics.js';
import { type AlarmEngine, createAlarmEngine } from '../../gateway/alarms/engine.js';
import { createAlarmHistory } from '../../gateway/alarms/history.js';
import type { NotifyEvent } from '../../gateway/alarms/lifecycle.js';
import type { AlarmHistoryBody } from '../../gateway/http/alarmSchemas.js';
import { alarmRoutes } from '../../gateway/http/routes/alarms.js';
import type { AlarmBody } from '../../gateway/http/schemas.js';
import { connectInflux } from '../../gateway/storage/influxSink.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../../gateway/storage/point.js';
import { ensureSchema } from '../../gateway/storage/schema.js';
import { testLog } from '../helpers/log.js';
import { startTestInfluxd, tempDir } from '../helpers/services.js';
import { addRoleUsers, type Kit, login, makeKit, PASSWORDS, withSession } from '../unit/gateway/auth/harness.js';

const T9 = Date.parse('2025-07-01T09:00:00+09:00');
const config = parseKitConfig({
  kit: { id: 'kit-al', site: '警報試験工場' },
  sources: { serial: [{ id: 'node-a', path: '/dev/null', silentAfterSeconds: 86400 }] },
  zones: [
    { id: 'floor', name: '第1工場', nameEn: 'Plant 1', source: { node: 'node-a', channel: 'env1' } },
    { id: 'store', name: '資材倉庫', nameEn: 'Store', source: { node: 'node-a', channel: 'env2' } },
  ],
  alarms: { reminderMinutes: 0 },
});

describe('alarm engine with a real InfluxDB and the real auth plugin', () => {
  const dir = tempDir('alarms');
  const clock = { now: T9 };
  let influxd: ManagedInfluxd;
  let influx: InfluxDB;
  let engine: AlarmEngine;
  let kit: Kit;
  const pending: StoredPoint[] = [];
  const notified: NotifyEvent[] = [];

  /** What the sink does once 'alarm' is among its event measurements: the events retention policy. */
  const flush = async () => {
    const points = pending.splice(0).map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.timeNs }));
    await influx.writePoints(points, { precision: 'n', retentionPolicy: 'events' });
  };
  const climate = (zone: string, wbgtC: number, temperatureC: number) =>
    engine.handle(
      topics.zoneEnvironment('kit-al', zone),
      Buffer.from(JSON.stringify({ ts: clock.now, temperatureC, humidityPct: 70, wbgtC, level: 'severe', legalThreshold: true })),
    );
  const run = (seconds: number, zone: string, wbgtC: number, temperatureC = 29) => {
    for (let s = 0; s < seconds; s += 5) {
      clock.now += 5000;
      climate(zone, wbgtC, temperatureC);
      engine.tick();
    }
  };

  beforeAll(async () => {
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    influx = connectInflux({ ...influxd.access, database: config.storage.database });
    await ensureSchema(influx, config.storage.database, config.storage.retention);
    engine = createAlarmEngine({
      config,
      dataDir: join(dir.path, 'var'),
      log: testLog,
      now: () => clock.now,
      publish: () => {},
      store: (points) => pending.push(...points),
      onAlarm: () => {},
      onNotify: (event) => notified.push(event),
      history: createAlarmHistory(influx, config.storage.database, config.kit.id),
    });
    kit = await makeKit({ dir: join(dir.path, 'http'), extra: async (app) => app.register(alarmRoutes, { engine }) });
    addRoleUsers(kit.store);
  });

  afterAll(async () => {
    engine?.stop();
    await kit?.close();
    await influxd?.stop();
    dir.remove();
  });

  it('lists open alarms to a viewer, refuses acknowledgement to a viewer and records an operator’s', async () => {
    run(70, 'floor', 28.6);
    run(70, 'store', 25.5);
    const viewer = await login(kit.app, 'viewer', PASSWORDS.viewer);
    const operator = await login(kit.app, 'operator', PASSWORDS.operator);

    const anonymous = await kit.app.inject({ method: 'GET', url: '/api/alarms' });
    expect(anonymous.statusCode).toBe(401);
    const list = await kit.app.inject({ method: 'GET', url: '/api/alarms', ...withSession(viewer) });
    expect(list.statusCode).toBe(200);
    const alarms = (list.json() as { alarms: AlarmBody[] }).alarms;
    expect(alarms.map((a) => `${a.ruleId}/${a.target.id}`)).toEqual(['wbgt-warning/floor', 'wbgt-severe/floor', 'wbgt-warning/store']);
    const severe = alarms[1] as AlarmBody;
    expect(severe.message.ja).toBe('第1工場 WBGT 28.6 ℃ ≥ 28（厳重警戒）');

    const url = `/api/alarms/${encodeURIComponent(severe.id)}/ack`;
    const refused = await kit.app.inject({ method: 'POST', url, payload: { comment: '見ました' }, ...withSession(viewer) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: expect.any(String), message: expect.any(String), messageJa: expect.any(String) });
    expect(engine.get(severe.id)?.state).toBe('active-unacknowledged');

    clock.now += 1000;
    const ack = await kit.app.inject({ method: 'POST', url, payload: { comment: 'スポットクーラー設置' }, ...withSession(operator) });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      id: severe.id,
      state: 'active-acknowledged',
      acknowledgedBy: 'operator',
      acknowledgedAt: clock.now,
      comment: 'スポットクーラー設置',
    });
    expect(notified.at(-1)).toMatchObject({ kind: 'acknowledged', alarm: { id: severe.id, acknowledgedBy: 'operator' } });

    const again = await kit.app.inject({ method: 'POST', url, payload: {}, ...withSession(operator) });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ALREADY_ACKNOWLEDGED', messageJa: 'この警報はすでに確認済みです' });
    const unknown = await kit.app.inject({ method: 'POST', url: '/api/alarms/nope.floor.1/ack', payload: {}, ...withSession(operator) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND', messageJa: '該当する警報はありません' });
    const tooLong = await kit.app.inject({ method: 'POST', url, payload: { comment: 'x'.repeat(501) }, ...withSession(operator) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers the history from InfluxDB, newest first, with filters', async () => {
    // The floor cools down: both floor alarms clear after the off-delay; the acknowledged one leaves, the other stays.
    run(400, 'floor', 24);
    await flush();
    const operator = await login(kit.app, 'viewer', PASSWORDS.viewer);
    const from = T9 - 60_000;
    const to = clock.now + 60_000;
    const get = async (query: string) => {
      const response = await kit.app.inject({
        method: 'GET',
        url: `/api/alarms/history?from=${from}&to=${to}${query}`,
        ...withSession(operator),
      });
      expect(response.statusCode).toBe(200);
      return (response.json() as AlarmHistoryBody).entries;
    };
    const all = await get('');
    expect(all.map((e) => [e.event, `${e.ruleId}/${e.target.id}`, e.state])).toEqual([
      ['cleared', 'wbgt-severe/floor', 'cleared'],
      ['cleared', 'wbgt-warning/floor', 'cleared-unacknowledged'],
      ['acknowledged', 'wbgt-severe/floor', 'active-acknowledged'],
      ['raised', 'wbgt-warning/store', 'active-unacknowledged'],
      ['raised', 'wbgt-severe/floor', 'active-unacknowledged'],
      ['raised', 'wbgt-warning/floor', 'active-unacknowledged'],
    ]);
    const acked = all[2];
    expect(acked).toMatchObject({ acknowledgedBy: 'operator', comment: 'スポットクーラー設置', severity: 'critical', value: 28.6 });
    expect(acked?.message).toEqual({ ja: '第1工場 WBGT 28.6 ℃ ≥ 28（厳重警戒）', en: 'Plant 1 WBGT 28.6 °C ≥ 28 (severe warning)' });
    expect(all.every((e, i) => i === 0 || e.ts <= (all[i - 1]?.ts as number))).toBe(true);

    expect((await get('&target=store')).map((e) => e.event)).toEqual(['raised']);
    expect((await get('&severity=critical&state=active-acknowledged')).map((e) => e.event)).toEqual(['acknowledged']);
    expect((await get('&rule=wbgt-warning')).map((e) => e.target.id)).toEqual(['floor', 'store', 'floor']);

    const open = await kit.app.inject({ method: 'GET', url: '/api/alarms', ...withSession(operator) });
    expect((open.json() as { alarms: AlarmBody[] }).alarms.map((a) => [`${a.ruleId}/${a.target.id}`, a.state])).toEqual([
      ['wbgt-warning/floor', 'cleared-unacknowledged'],
      ['wbgt-warning/store', 'active-unacknowledged'],
    ]);
    const bad = await kit.app.inject({ method: 'GET', url: `/api/alarms/history?from=${to}&to=${from}`, ...withSession(operator) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_RANGE' });
  });

  it('answers 503 with a bilingual body when InfluxDB is away', async () => {
    await influxd.stop();
    const viewer = await login(kit.app, 'viewer', PASSWORDS.viewer);
    const response = await kit.app.inject({ method: 'GET', url: `/api/alarms/history?from=${T9}&to=${T9 + 1000}`, ...withSession(viewer) });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE', messageJa: expect.any(String) });
  });
});

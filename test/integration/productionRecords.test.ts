import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { topics } from '../../edge/mqtt/topics.js';
import { startKit } from '../../gateway/kit.js';
import { KIT, PASSWORDS, startTestKit } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { mosquitto, waitFor } from '../helpers/services.js';

const EVERY_DAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY = 86_400_000;

let t: Awaited<ReturnType<typeof startTestKit>>;
let kit: Awaited<ReturnType<typeof startKit>>;
let file: string;
const tokens: Record<string, string> = {};

async function call(role: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${kit.httpPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { [k: string]: unknown } };
}

const pending = (machine: string) => kit.production.now().pending.find((s) => s.machine === machine);
const waitPending = (machine: string) =>
  waitFor(`a stop of ${machine} waiting for a reason`, async () => {
    await kit.production.refresh();
    return pending(machine);
  });

beforeAll(async () => {
  t = await startTestKit(
    'production-records',
    {
      calendar: { shifts: [{ id: 'all', name: '終日', start: '00:00', end: '00:00', days: EVERY_DAY }] },
      production: {
        reasonAfterMinutes: 0.05,
        operatorCorrectionMinutes: 10,
        machines: [
          // A plan no press can keep: behind from the first minute.
          {
            machine: 'm3',
            counter: { source: { node: 'node-a', channel: 'cnt1' } },
            target: { perHour: 360000 },
            inspectionStation: 'visual-1',
          },
          // Switched off between jobs as its normal work: only a fault asks for a reason.
          { machine: 'm2', askReasonFor: ['FAULT'] },
        ],
      },
      alarms: {
        rules: [
          { id: 'behind', name: '計画遅れ', kind: 'behindPlan', parts: 5, targets: ['m3'], severity: 'warning' },
          { id: 'no-reason', name: '理由未入力', kind: 'reasonMissing', afterMinutes: 0.1, targets: ['m1', 'm2'], severity: 'info' },
        ],
      },
    },
    'production-day',
  );
  kit = t.kit;
  // The kit file on disk, with a comment an admin's edit of the reasons must keep.
  file = join(t.dir, 'kit.yaml');
  writeFileSync(file, `# 試験キット / test kit\n${stringify(t.config)}`);
  await kit.stop();
  kit = await startKit({ config: t.config, configFile: file, log: testLog, baseDir: t.dir });
  t.kit = kit;
  for (const role of ['operator', 'manager', 'admin', 'viewer']) tokens[role] = kit.auth.createToken('api', role, role as 'viewer').secret;
  tokens.other = kit.auth.createToken('api', 'other-operator', 'operator').secret;
  const node = t.node.start({ linesPerSecond: 5 });
  node.setOverride('ct1', 'off');
  node.setOverride('ct2', 'off');
  node.setOverride('ct3', 'run');
});
afterAll(async () => {
  await t?.stop();
});

describe('stop reasons and rejects kept as InfluxDB events', () => {
  it('records a reason with who and when, publishes it on MQTT, and keeps it across a restart of the gateway', async () => {
    const stop = await waitPending('m1');
    const sub = mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.machineStopReason(KIT, 'm1'), '-C', '1', '-W', '20'],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const saved = await call('operator', 'POST', '/api/production/stops/reason', {
      machine: 'm1',
      stopFrom: stop.from,
      segments: [{ from: stop.from, to: null, reason: 'setup' }],
    });
    expect(saved.status).toBe(200);
    // An API token signs as token:<name>; a person as their user name.
    expect(saved.body.segments).toEqual([expect.objectContaining({ reason: 'setup', by: 'token:operator' })]);
    const message = JSON.parse((await sub).stdout);
    expect(message).toMatchObject({
      reason: 'setup',
      reasonName: { ja: '段取り', en: 'Set-up' },
      by: 'token:operator',
      stopFrom: stop.from,
    });

    // A restart: the reason comes back from InfluxDB, not from memory.
    await waitFor('the reason written to InfluxDB', async () => (await kit.health()).storage.state === 'direct');
    await kit.stop();
    kit = await startKit({ config: t.config, configFile: file, log: testLog, baseDir: t.dir });
    t.kit = kit;
    const after = await waitFor('the stops readable again', async () => {
      const r = await call('viewer', 'GET', `/api/production/stops?machine=m1&from=${stop.from - 60_000}&to=${Date.now() + 60_000}`);
      return r.status === 200 ? r : undefined;
    });
    const stops = after.body.stops as { from: number; segments: { reason: string | null; by: string | null }[] }[];
    expect(stops.find((s) => s.from === stop.from)?.segments[0]).toMatchObject({ reason: 'setup', by: 'token:operator' });
  });

  it('lets the same operator correct a mis-tap, refuses another operator, lets a manager change it, and logs the change', async () => {
    const { from } = (await waitFor('m1’s stop', async () => {
      const r = await call('viewer', 'GET', `/api/production/stops?machine=m1&from=${Date.now() - DAY}&to=${Date.now() + 60_000}`);
      return (r.body.stops as { from: number }[] | undefined)?.[0];
    })) as { from: number };
    const set = (role: string, reason: string) =>
      call(role, 'POST', '/api/production/stops/reason', { machine: 'm1', stopFrom: from, segments: [{ from, to: null, reason }] });
    expect((await set('operator', 'material')).status).toBe(200);
    const refused = await set('other', 'quality');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'REASON_LOCKED', messageJa: expect.stringContaining('管理者') });
    expect((await set('manager', 'breakdown')).status).toBe(200);
    const log = await call('manager', 'GET', `/api/production/reasons/log?machine=m1&from=${Date.now() - DAY}&to=${Date.now() + 60_000}`);
    const entries = log.body.entries as { reason: string; by: string; role: string; previousReason: string | null }[];
    expect(entries[0]).toMatchObject({ reason: 'breakdown', by: 'token:manager', role: 'manager', previousReason: 'material' });
    expect(entries.map((e) => e.reason)).toEqual(['breakdown', 'material', 'setup']);
    expect((await call('viewer', 'GET', `/api/production/reasons/log?from=0&to=${Date.now()}`)).status).toBe(403);
  });

  it('refuses what does not fit: an unknown reason, overlapping parts, a time with no stop', async () => {
    const now = Date.now();
    const bad = (segments: unknown[], stopFrom = now - 1000) =>
      call('manager', 'POST', '/api/production/stops/reason', { machine: 'm1', stopFrom, segments });
    expect((await bad([{ from: now - 1000, to: null, reason: 'coffee' }])).body).toMatchObject({ code: 'UNKNOWN_REASON' });
    const overlapping = [
      { from: now - 5000, to: now - 1000, reason: 'setup' },
      { from: now - 2000, to: null, reason: 'material' },
    ];
    expect((await bad(overlapping)).body).toMatchObject({ code: 'BAD_SEGMENTS' });
    const m3 = await call('manager', 'POST', '/api/production/stops/reason', {
      machine: 'm3',
      stopFrom: now - 1000,
      segments: [{ from: now - 1000, to: null, reason: 'setup' }],
    });
    expect(m3.status).toBe(404);
    expect(m3.body).toMatchObject({ code: 'STOP_NOT_FOUND' });
    expect((await call('viewer', 'POST', '/api/production/rejects', { machine: 'm3', hourFrom: now - 1000, count: 1 })).status).toBe(403);
  });

  it('counts rejects entered per hour and NG verdicts from the inspection topic in quality', async () => {
    await waitFor('parts of m3 counted', async () => {
      const r = await call('viewer', 'GET', `/api/production/oee?machine=m3&by=day&from=${Date.now() - DAY}&to=${Date.now() + 60_000}`);
      return ((r.body.rows as { parts: number | null }[])?.at(-1)?.parts ?? 0) >= 3;
    });
    const board = await call('viewer', 'GET', '/api/production/board?machine=m3');
    const current = (board.body.rows as { from: number; current: boolean }[]).find((r) => r.current);
    expect(current).toBeDefined();
    expect((await call('operator', 'POST', '/api/production/rejects', { machine: 'm3', hourFrom: current?.from, count: 1 })).status).toBe(
      200,
    );
    // The inspection station (through an edge account) publishes two verdicts, one NG.
    const judged = { good: 0, reject: 0 };
    const pub = (station: string, verdict: 'OK' | 'NG') => {
      judged[verdict === 'NG' ? 'reject' : 'good']++;
      const result = {
        ts: Date.now(),
        station,
        trial: 'plate',
        image: `part-${judged.good + judged.reject}.png`,
        score: 0.42,
        threshold: 0.5,
      };
      const message = { ...result, verdict, templateScore: 0.3, goodToday: judged.good, rejectToday: judged.reject };
      return mosquitto('mosquitto_pub', [
        ...['-h', '127.0.0.1', '-p', String(kit.brokerPort), '-u', 'edge-x', '-P', PASSWORDS.edge, '-q', '1'],
        ...['-t', topics.inspectionResult(KIT, station), '-m', JSON.stringify(message)],
      ]);
    };
    await pub('visual-1', 'OK');
    await pub('visual-1', 'NG');
    const row = await waitFor('quality with both rejects', async () => {
      const r = await call('viewer', 'GET', `/api/production/oee?machine=m3&by=day&from=${Date.now() - DAY}&to=${Date.now() + 60_000}`);
      const last = (r.body.rows as { rejects: number | null; rejectsRecorded: boolean; quality: number | null; parts: number }[]).at(-1);
      return last?.rejects === 2 ? last : undefined;
    });
    expect(row.rejectsRecorded).toBe(true);
    expect(row.quality).toBeCloseTo((row.parts - 2) / row.parts, 6);

    // The board keeps the operator's entry and the station's NG apart (summed over the rows: the verdicts may fall in the next hour).
    type Row = { from: number; rejects: number; rejectsEntered: number | null; inspection: { judged: number; ng: number } | null };
    const rows = await waitFor('the verdicts on the board', async () => {
      const r = (await call('viewer', 'GET', '/api/production/board?machine=m3')).body.rows as Row[];
      return r.reduce((n, x) => n + (x.inspection?.judged ?? 0), 0) === 2 ? r : undefined;
    });
    const sum = (f: (x: Row) => number) => rows.reduce((n, x) => n + f(x), 0);
    expect(rows.find((r) => r.from === current?.from)?.rejectsEntered).toBe(1);
    expect([sum((x) => x.rejectsEntered ?? 0), sum((x) => x.inspection?.ng ?? 0), sum((x) => x.rejects)]).toEqual([1, 1, 2]);
    // The operator opens the field and saves it as pre-filled: the NG verdict is not counted a second time.
    const prefilled = rows.find((r) => r.from === current?.from)?.rejectsEntered ?? 0;
    expect(
      (await call('operator', 'POST', '/api/production/rejects', { machine: 'm3', hourFrom: current?.from, count: prefilled })).status,
    ).toBe(200);
    const oee = await call('viewer', 'GET', `/api/production/oee?machine=m3&by=day&from=${Date.now() - DAY}&to=${Date.now() + 60_000}`);
    expect((oee.body.rows as { rejects: number | null }[]).at(-1)?.rejects).toBe(2);
  });

  it('raises "behind plan" over the hours the kit saw and shows the shift on the retained production topic', async () => {
    const raised = await waitFor('both production alarms', async () => {
      await kit.production.refresh();
      const active = kit.alarms.active();
      const behind = active.find((a) => a.ruleId === 'behind' && a.target.id === 'm3');
      return behind ? { behind } : undefined;
    });
    expect(raised.behind.message.ja).toMatch(/計画遅れ \d+ 個 > 5/);
    const sub = await mosquitto('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(kit.brokerPort), '-u', 'reader', '-P', PASSWORDS.reader],
      ...['-t', topics.machineProduction(KIT, 'm3'), '-C', '1', '-W', '10'],
    ]);
    const retained = JSON.parse(sub.stdout);
    // The kit started in the middle of the shift: the hours before are no data, so the count is a lower bound.
    expect(retained).toMatchObject({
      shift: { id: 'all' },
      plan: expect.any(Number),
      actual: expect.any(Number),
      complete: false,
      gap: expect.any(Number),
    });
    expect(retained.gap).toBeLessThan(0);
  });

  it('raises "reason not entered" for a stop left waiting longer than the rule allows', async () => {
    // m1's stop has its reason now; a fresh stop of m1 starts when it runs and stops again.
    t.node.node.setOverride('ct1', 'run');
    await waitFor('m1 running', () => kit.live.snapshot().machines.find((m) => m.id === 'm1')?.state === 'RUN');
    t.node.node.setOverride('ct1', 'off');
    const alarm = await waitFor(
      'the reason-missing alarm on m1',
      async () => {
        await kit.production.refresh();
        return kit.alarms.active().find((a) => a.ruleId === 'no-reason' && a.target.id === 'm1');
      },
      40_000,
      1000,
    );
    expect(alarm.message.en).toMatch(/stop reason missing for \d+ min ≥ 0\.1 min/);
  });

  it('does not ask about a stop in a state the machine is not asked about: not on the tablet, no alarm, its own Pareto bar', async () => {
    // m2 has been off as long as m1 was: by the time m1's alarm is up, m2's stop would have raised one too.
    await waitFor('the reason-missing alarm on m1', async () => {
      await kit.production.refresh();
      return kit.alarms.active().find((a) => a.ruleId === 'no-reason' && a.target.id === 'm1');
    });
    expect(kit.alarms.active().filter((a) => a.target.id === 'm2')).toEqual([]);
    const now = kit.production.now();
    expect(now.pending.filter((s) => s.machine === 'm2')).toEqual([]);
    expect(now.machines.find((m) => m.machine === 'm2')?.stopsWithoutReason).toBe(0);
    const range = `from=${Date.now() - DAY}&to=${Date.now() + 60_000}`;
    const { body } = await call('viewer', 'GET', `/api/production/stops?machine=m2&${range}`);
    const stops = body.stops as { plannedMs: number; asked: boolean; askedAt: number | null; needsReason: boolean; unanswered: string }[];
    expect(stops.length).toBeGreaterThan(0);
    // Long enough to ask (0.05 min), were it any other machine.
    expect(stops.reduce((most, s) => Math.max(most, s.plannedMs), 0)).toBeGreaterThan(3000);
    for (const stop of stops) expect(stop).toMatchObject({ asked: false, askedAt: null, needsReason: false });
    expect(stops.some((s) => s.unanswered === '_unasked')).toBe(true);
    const pareto = await call('viewer', 'GET', `/api/production/pareto?machine=m2&${range}`);
    const bars = pareto.body.bars as { reason: string }[];
    expect(bars.map((b) => b.reason)).toContain('_unasked');
    expect(bars.map((b) => b.reason)).not.toContain('_none');
  });

  it('takes a stop given a planned reason (計画停止) out of OEE availability, not out of 稼働率, and exports its minutes', async () => {
    // m1 has stood off since the reason-missing test; a manager marks that stop as the default list's planned stop.
    const stop = await waitPending('m1');
    const saved = await call('manager', 'POST', '/api/production/stops/reason', {
      machine: 'm1',
      stopFrom: stop.from,
      segments: [{ from: stop.from, to: null, reason: 'planned' }],
    });
    expect(saved.status).toBe(200);
    const range = `from=${Date.now() - DAY}&to=${Date.now() + 60_000}`;
    type Row = { plannedMs: number; runMs: number; noDataMs: number; plannedStopMs: number; availability: number | null };
    const { body } = await call('viewer', 'GET', `/api/production/oee?machine=m1&by=day&${range}`);
    const row = (body.rows as Row[]).at(-1)!;
    expect(row.plannedStopMs).toBeGreaterThan(3000);
    expect(row.runMs).toBeGreaterThan(0);
    expect(row.availability).toBeCloseTo(row.runMs / (row.plannedMs - row.noDataMs - row.plannedStopMs), 9);
    // 稼働率 of the same day still holds the planned stop against the machine.
    const util = await call('viewer', 'GET', `/api/utilization?machine=m1&by=day&${range}`);
    const utilRow = (util.body.rows as { runMs: number; plannedMs: number; noDataMs: number; utilization: number | null }[]).at(-1)!;
    expect(utilRow.utilization).toBeLessThan(row.availability!);

    const csv = await fetch(`http://127.0.0.1:${kit.httpPort}/api/export/oee.csv?by=day&${range}`, {
      headers: { authorization: `Bearer ${tokens.manager}` },
    });
    expect(csv.status).toBe(200);
    const [header, ...lines] = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    const columns = header!.split(',');
    const m1 = lines.map((l) => l.split(',')).findLast((cells) => cells[0] === 'm1')!;
    const at = (name: string) => Number(m1[columns.indexOf(name)]);
    expect(columns).toContain('計画停止(分)');
    expect(at('計画停止(分)')).toBeGreaterThan(0);
    expect(at('計画停止(分)')).toBeLessThanOrEqual(at('計画時間(分)'));
  });

  it('saves an admin’s reason list into the kit file with its comments, and refuses a list with a repeated id', async () => {
    const settings = await call('viewer', 'GET', '/api/production/settings');
    const reasons = [
      ...(settings.body.reasons as object[]),
      { id: 'tooling', name: '刃具交換', nameEn: 'Tool change', planned: false, note: false },
    ];
    expect((await call('manager', 'PUT', '/api/production/reasons', { reasons })).status).toBe(403);
    const saved = await call('admin', 'PUT', '/api/production/reasons', { reasons });
    expect(saved.status).toBe(200);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# 試験キット / test kit')).toBe(true);
    expect(text).toContain('刃具交換');
    const again = await call('admin', 'PUT', '/api/production/reasons', {
      reasons: [...reasons, { id: 'setup', name: '二重', planned: false, note: false }],
    });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'BAD_REASONS' });
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(((await call('viewer', 'GET', '/api/production/settings')).body.reasons as { id: string }[]).at(-1)?.id).toBe('tooling');
  });
});

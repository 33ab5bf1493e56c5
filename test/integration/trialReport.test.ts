import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { createAlarmHistory } from '../../gateway/alarms/history.js';
import { createHistoryStore } from '../../gateway/history/historyStore.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import { connectInflux } from '../../gateway/storage/influxSink.js';
import { plannedIntervals } from '../../gateway/utilization/calendar.js';
import { addDays, formatDate, localDate, zonedInstant } from '../../gateway/utilization/timeZone.js';
import { testLog } from '../helpers/log.js';
import { pdfPages, pdfText } from '../helpers/pdf.js';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'gateway', 'cli.js');
const DEMO = join(import.meta.dirname, '..', '..', 'config', 'kits', 'demo.yaml');
const DAY = 86_400_000;
const TZ = 'Asia/Tokyo';

let dir: ReturnType<typeof tempDir>;
let file: string;
let config: KitConfig;
let kit: Kit | undefined;
/** The report covers four days: two before the kit's history began (no data), two filled by the demo. */
let fromDate: string;
let from: number;
let to: number;

/** The demo kit file with free ports, its data in the test's folder, and two days of history instead of seven. */
function demoKitFile(): string {
  const text = readFileSync(DEMO, 'utf8')
    .replace(/^ {2}port: \d+$/gm, '  port: 0')
    .replace('path: var/pty/node-a', `path: ${join(dir.path, 'pty', 'node-a')}`)
    .replaceAll('backfillDays: 7', 'backfillDays: 2');
  const out = join(dir.path, 'demo.yaml');
  writeFileSync(out, `${text}\ndataDir: ${join(dir.path, 'var')}\n`);
  return out;
}

async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'report', '--config', file, ...args], { cwd: dir.path, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  requireCommand('influxd', 'apt-get install influxdb');
  requireCommand('socat', 'apt-get install socat');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  dir = tempDir('trial-report');
  file = demoKitFile();
  config = loadKitConfig(file);
  kit = await startKit({ config, log: testLog, runSimulators: true, baseDir: dir.path });
  // The serial node's days, then the Modbus bus's (the grinder, the material store): the report is made over both.
  const filled = (source: string) => existsSync(join(dir.path, 'var', 'demo', `backfill-${source}.json`));
  await waitFor('the demo history', () => filled('node-a') && filled('rs485'), 300_000, 500);
  const today = localDate(Date.now(), TZ);
  fromDate = formatDate(addDays(today, -4));
  from = zonedInstant(addDays(today, -4), 0, TZ);
  to = zonedInstant(addDays(today, 1), 0, TZ);
}, 360_000);

afterAll(async () => {
  await kit?.stop();
  dir?.remove();
});

describe('the demo kit on its first start', () => {
  it('has two days of history whose machines, calendar and alarms agree at every hour', async () => {
    const influx = connectInflux({ ...kit!.influxAccess, database: 'minotake' });
    const history = createHistoryStore(influx, config);
    const filled = JSON.parse(readFileSync(join(dir.path, 'var', 'demo', 'backfill-node-a.json'), 'utf8')) as { from: number; to: number };
    expect(filled.to - filled.from).toBeGreaterThan(2 * DAY - 1);
    const planned = plannedIntervals(config.calendar, TZ, filled.from, filled.to);
    const inPlan = (t: number) => planned.some((p) => p.from <= t && t < p.to);
    for (const machine of config.machines) {
      const { intervals } = await history.timeline(machine.id, filled.from, filled.to);
      // Recorded from the first minute, and running only when the calendar plans work.
      expect(intervals.filter((iv) => iv.state === 'NO_DATA').reduce((sum, iv) => sum + iv.to - iv.from, 0)).toBeLessThan(2 * 60_000);
      for (const iv of intervals.filter((i) => i.state === 'RUN')) {
        expect(inPlan(iv.from), `${machine.id} runs at ${new Date(iv.from).toISOString()}`).toBe(true);
        expect(inPlan(iv.to - 1), `${machine.id} runs until ${new Date(iv.to).toISOString()}`).toBe(true);
      }
    }
    const alarms = await createAlarmHistory(influx, 'minotake', config.kit.id).history(filled.from, filled.to + DAY);
    expect(alarms.entries.filter((e) => e.ruleId === 'running-off-shift')).toEqual([]);
    // What was raised was acknowledged by the demo's operator, so the alarm history reads like a shop floor's.
    const raised = alarms.entries.filter((e) => e.event === 'raised').map((e) => e.id);
    const acked = new Set(alarms.entries.filter((e) => e.event === 'acknowledged' && e.acknowledgedBy === 'demo').map((e) => e.id));
    for (const id of raised)
      if (Date.now() - (alarms.entries.find((e) => e.id === id)?.ts ?? 0) > 31 * 60_000) expect(acked.has(id)).toBe(true);
  });
});

describe('minotake report', () => {
  it('makes a Japanese PDF while the kit runs: every page renders, the text is Japanese, no-data days say so', async () => {
    const out = join(dir.path, 'report.pdf');
    const before = Date.now();
    const result = await report(['--from', fromDate, '--out', out]);
    const after = Date.now();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK: .*report\.pdf \(\d+ ページ \/ pages, \d+ KB\)\n$/);
    const pdf = readFileSync(out);
    const pages = pdfText(pdf, dir.path);
    const text = pages.join('\n');
    for (const words of [
      'IoT 稼働監視 試用報告書',
      'デモ工場（シミュレーション）',
      'この報告書はデモ用の模擬データ',
      'この報告書の読み方',
      '設備ごとの稼働',
      'NC旋盤1号機',
      'マシニングセンタ1号機',
      '電力量の推定',
      '作業環境（暑さ指数・湿度）',
      'アラームと確認までの時間',
      'データの収集状況',
      '改善候補',
      'データなし',
    ]) {
      expect(text, words).toContain(words);
    }
    for (const [i, page] of pages.entries()) expect(page).toContain(`${i + 1} / ${pages.length} ページ`);
    // Money and energy as the reader writes them: 12,400 円, never 12400 円.
    expect(text).not.toMatch(/\d{4} ?(円|kWh)/);

    // The summary's 稼働率 of each machine is the store's over the same days. The live demo runs on while the report is
    // made, so it is compared with the store's figure as of just before and just after.
    const influx = connectInflux({ ...kit!.influxAccess, database: 'minotake' });
    const ratio = async (now: number, machine: string) => {
      const { rows } = await createHistoryStore(influx, config, { now: () => now }).utilization(machine, from, to, 'day');
      const seen = rows.reduce((sum, r) => sum + r.plannedMs - r.noDataMs, 0);
      return seen > 0 ? (rows.reduce((sum, r) => sum + r.runMs, 0) / seen) * 100 : null;
    };
    for (const machine of config.machines) {
      const shown = new RegExp(`${machine.name}\\s+(\\d+\\s?%|データなし)`).exec(pages[0] ?? '')?.[1];
      const [a, b] = [await ratio(before, machine.id), await ratio(after, machine.id)];
      if (a === null && b === null) expect(shown, machine.name).toBe('データなし');
      else {
        const pct = Number.parseInt(shown ?? '', 10);
        expect(pct, machine.name).toBeGreaterThanOrEqual(Math.floor(Math.min(a ?? 0, b ?? 0)));
        expect(pct, machine.name).toBeLessThanOrEqual(Math.ceil(Math.max(a ?? 100, b ?? 0)));
      }
    }

    const pngs = pdfPages(pdf, dir.path, 'report-ja');
    expect(pngs).toHaveLength(pages.length);
    for (const png of pngs) expect(statSync(png).size).toBeGreaterThan(5_000);
  });

  it('answers on the export page’s route with the same PDF, for managers only', async () => {
    kit!.auth.addUser('boss', 'boss-password-1', 'manager');
    kit!.auth.addUser('floor', 'floor-password-1', 'viewer');
    const base = `http://127.0.0.1:${kit!.httpPort}`;
    const login = async (username: string, password: string) => {
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(response.status).toBe(200);
      return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
    };
    const url = `${base}/api/report.pdf?from=${from}&to=${to}&lang=en`;
    const manager = await fetch(url, { headers: { cookie: await login('boss', 'boss-password-1') } });
    expect(manager.status).toBe(200);
    expect(manager.headers.get('content-type')).toBe('application/pdf');
    expect(manager.headers.get('content-disposition')).toMatch(/^attachment; filename="minotake-demo-report-\d{8}_\d{8}\.pdf"$/);
    const pdf = Buffer.from(await manager.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(pdf, dir.path).join('\n')).toContain('IoT monitoring trial report');
    expect((await fetch(url, { headers: { cookie: await login('floor', 'floor-password-1') } })).status).toBe(403);
    expect(
      (await fetch(`${base}/api/report.pdf?from=${to}&to=${from}`, { headers: { cookie: await login('boss', 'boss-password-1') } })).status,
    ).toBe(400);
  });

  it('makes the English report from a stopped kit’s data folder, and says what is wrong with a bad date', async () => {
    await kit!.stop();
    kit = undefined;
    const out = join(dir.path, 'report-en.pdf');
    const result = await report(['--from', fromDate, '--lang', 'en', '--out', out]);
    expect(result.code).toBe(0);
    const text = pdfText(readFileSync(out), dir.path).join('\n');
    expect(text).toContain('IoT monitoring trial report');
    expect(text).toContain('Energy estimate (with what idling wastes)');
    expect(text).not.toMatch(/¥\d{4}|\d{4} kWh/);
    expect(text).toContain('no data');

    const bad = await report(['--from', '2025-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from <YYYY-MM-DD> が必要です / --from <YYYY-MM-DD> is required');
  });
});

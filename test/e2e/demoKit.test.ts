import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKitConfig } from '../../config/load.js';
import { unfilledDemoSources } from '../../gateway/demo/backfill.js';
import type { AlarmBody } from '../../gateway/http/schemas.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { testLog } from '../helpers/log.js';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const DEMO = join(import.meta.dirname, '..', '..', 'config', 'kits', 'demo.yaml');
const VIEWPORTS = { 'tablet-768x1024': { width: 768, height: 1024 }, 'phone-390x844': { width: 390, height: 844 } };

let dir: ReturnType<typeof tempDir>;
let kit: Kit;
let browser: Browser;
let origin: string;
/** One signed-in page per viewport, kept: signing in again and again would meet the login rate limit. */
const signedIn = new Map<string, Page>();

async function signIn(name: keyof typeof VIEWPORTS): Promise<Page> {
  const known = signedIn.get(name);
  if (known) {
    await known.goto(`${origin}/#/`);
    await known.getByTestId('machine-lathe-1').waitFor();
    return known;
  }
  const { page } = await openPage(browser, VIEWPORTS[name]);
  signedIn.set(name, page);
  await page.goto(`${origin}/`);
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill('admin-password-1');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('machine-lathe-1').waitFor();
  return page;
}

/** Counts of a thousand and more shown grouped (4,160) and none ungrouped: no run of four digits anywhere in the element. */
async function expectGrouped(element: Locator): Promise<void> {
  await element.waitFor();
  // Playwright's innerText, not textContent: the cells as separate words, so one cell's 14 and the next's 11/26 do not run together.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, cell by cell, is what the check is about.
  const text = await element.innerText();
  expect(text, text).toMatch(/\d,\d{3}/);
  expect(text, text).not.toMatch(/\d{4}/);
}

function alarm(n: number, severity: AlarmBody['severity']): AlarmBody {
  const now = Date.now();
  return {
    id: `test-${n}`,
    ruleId: 'test-rule',
    target: { kind: 'machine', id: 'lathe-1' },
    severity,
    state: 'active-unacknowledged',
    message: { ja: `テストのアラーム ${n}：旋盤の電流が上限を超えました`, en: `Test alarm ${n}: the lathe's current is over its limit` },
    value: 40 + n,
    raisedAt: now - n * 60_000,
    clearedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    comment: null,
  };
}

beforeAll(async () => {
  requireCommand('influxd', 'apt-get install influxdb');
  requireCommand('socat', 'apt-get install socat');
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir('demo-e2e');
  const text = readFileSync(DEMO, 'utf8')
    .replace(/^ {2}port: \d+$/gm, '  port: 0')
    .replace('path: var/pty/node-a', `path: ${join(dir.path, 'pty', 'node-a')}`);
  const file = join(dir.path, 'demo.yaml');
  writeFileSync(file, `${text}\ndataDir: ${join(dir.path, 'var')}\n`);
  const config = loadKitConfig(file);
  kit = await startKit({ config, log: testLog, runSimulators: true, baseDir: dir.path });
  kit.auth.addUser('admin', 'admin-password-1', 'admin');
  origin = `http://127.0.0.1:${kit.httpPort}`;
  // Every source's week, the Modbus bus's too: pages opened while it is still being written wait on a busy InfluxDB.
  await waitFor('the demo week', () => unfilledDemoSources(config, config.dataDir).length === 0, 400_000, 500);
  browser = await launchChromium();
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await kit?.stop();
  dir?.remove();
});

describe('the demo kit in Chromium', () => {
  it('says it shows demo data, and its alarms agree with its calendar whatever the hour', async () => {
    const page = await signIn('tablet-768x1024');
    await expect(page.getByTestId('demo-tag').textContent()).resolves.toBe('デモ（模擬データ）');
    // Whatever the hour the test runs, the simulated machines keep to the calendar: nothing runs outside the shifts.
    await page.waitForTimeout(20_000);
    expect(kit.live.snapshot().alarms.filter((a) => a.ruleId === 'running-off-shift')).toEqual([]);
    for (const name of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
      const p = await signIn(name);
      await p.screenshot({ path: join(SHOTS, `demo-overview-${name}.png`), fullPage: true });
      await p.goto(`${origin}/#/machine/mc-1`);
      await p.getByRole('button', { name: '7日' }).click();
      await p.locator('.gantt-seg').first().waitFor();
      await p.waitForTimeout(1500);
      await p.screenshot({ path: join(SHOTS, `demo-machine-7d-${name}.png`), fullPage: true });
    }
  }, 120_000);

  it('labels time axes at the resolution of the span: no tick reads the same as another', async () => {
    const page = await signIn('tablet-768x1024');
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.goto(`${origin}/#/machine/lathe-1`);
    const ticks = async () => {
      const canvas = page.locator('.chart-canvas .uplot').first();
      await canvas.waitFor();
      await page.waitForTimeout(800);
      return JSON.parse((await canvas.getAttribute('data-x-ticks')) ?? '[]') as string[];
    };
    const seen: Record<string, string[]> = {};
    for (const [name, label] of [
      ['7d', '7日'],
      ['24h', '24時間'],
      ['1h', '1時間'],
    ] as const) {
      await page.getByRole('button', { name: label, exact: true }).click();
      await page.waitForTimeout(1500);
      seen[name] = await ticks();
      await page.screenshot({ path: join(SHOTS, `axis-${name}.png`) });
    }
    // Five minutes: drag across a twelfth of the hour's chart, as a manager zooms in on a start-up.
    const over = page.locator('.chart-canvas .u-over').first();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5 + box.width / 12, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    seen['5m'] = await ticks();
    await page.screenshot({ path: join(SHOTS, 'axis-5m.png') });
    await page.setViewportSize(VIEWPORTS['tablet-768x1024']);

    for (const [name, labels] of Object.entries(seen)) {
      expect(labels.length, `${name}: ${labels.join(' ')}`).toBeGreaterThanOrEqual(2);
      expect(new Set(labels).size, `${name}: ${labels.join(' ')}`).toBe(labels.length);
    }
    expect(
      seen['5m']!.every((l) => /^\d{2}:\d{2}:\d{2}$/.test(l)),
      seen['5m']!.join(' '),
    ).toBe(true);
    expect(
      seen['1h']!.every((l) => /^\d{2}:\d{2}$/.test(l)),
      seen['1h']!.join(' '),
    ).toBe(true);
    expect(
      seen['24h']!.some((l) => /^\d{2}:\d{2}$/.test(l)),
      seen['24h']!.join(' '),
    ).toBe(true);
    expect(
      seen['7d']!.every((l) => /\d+\/\d+/.test(l.split('\n')[0] ?? '') || /^\d{2}:\d{2}$/.test(l)),
      seen['7d']!.join(' '),
    ).toBe(true);
  });

  it('keeps the alarm banner to one alarm and a count, with the list one tap away, on a tablet and a phone', async () => {
    for (const count of [1, 6]) {
      const alarms = Array.from({ length: count }, (_, i) => alarm(i + 1, i % 3 === 0 ? 'critical' : 'warning'));
      for (const a of alarms) kit.live.setAlarm(a);
      for (const [name, viewport] of Object.entries(VIEWPORTS)) {
        const page = await signIn(name as keyof typeof VIEWPORTS);
        await page.getByTestId('alarm-test-1').waitFor();
        await page.screenshot({ path: join(SHOTS, `banner-${count}-${name}.png`) });
        const banner = (await page.getByTestId('alarm-banner').boundingBox())!;
        expect(banner.height, `${name}, ${count} alarms`).toBeLessThanOrEqual(viewport.height * 0.25);
        // The shop floor is still on the first screen: the first machine's tile starts above the fold.
        const tile = (await page.getByTestId('machine-lathe-1').boundingBox())!;
        expect(tile.y + 60, name).toBeLessThan(viewport.height);
        // The most severe first; the others counted, and one tap away.
        expect(await page.locator('.alarm-banner .alarm').count()).toBe(1);
        if (count > 1) {
          await expect(page.getByTestId('alarm-more').textContent()).resolves.toBe('ほか 5 件（重大 1・警告 4）— タップで一覧');
          await page.getByTestId('alarm-more').click();
          expect(await page.locator('.alarm-banner .alarm').count()).toBe(6);
          const open = (await page.getByTestId('alarm-banner').boundingBox())!;
          expect(open.height).toBeLessThanOrEqual(viewport.height * 0.5 + 50);
          await page.screenshot({ path: join(SHOTS, `banner-${count}-open-${name}.png`) });
        }
      }
      for (const a of alarms) kit.live.setAlarm({ ...a, state: 'cleared' });
    }
  });

  it('shows a week of production at 1280×800: stop reasons in the Pareto, OEE by day, a past shift’s board with parts', async () => {
    const { page } = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(`${origin}/`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('admin-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-lathe-1').waitFor();

    await page.goto(`${origin}/#/production`);
    await page.getByRole('button', { name: '7日', exact: true }).click();
    // The demo operator's reasons, and the few stops nobody answered, as on a real floor.
    for (const reason of ['material', 'setup', 'quality', '_none', '_unasked']) await page.getByTestId(`pareto-row-${reason}`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'demo-week-pareto-1280x800.png') });
    // The week's hundreds of reason entries: the newest 50, and 50 more a tap away, rather than a page 13,000 px tall.
    const logRows = page.getByTestId('reason-log').locator('tbody tr');
    await waitFor('the reason log', async () => (await logRows.count()) > 0, 30_000);
    expect(await logRows.count()).toBe(50);
    const total = Number((await page.getByTestId('reason-log-count').textContent())?.match(/全 ([\d,]+) 件/)?.[1]?.replaceAll(',', ''));
    expect(total).toBeGreaterThan(100);
    await page.getByTestId('reason-log-more').click();
    expect(await logRows.count()).toBe(100);
    await page.getByTestId('reason-log-more').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'demo-week-reason-log-1280x800.png') });
    await page.getByRole('button', { name: '日別', exact: true }).click();
    // The press's rows, under its name (the OEE table heads each machine's rows with its name rather than repeating it).
    const press = page.getByTestId('oee-machine-press-1').locator('tr');
    await press.first().waitFor();
    // Each day of the press has an OEE figure, its three factors and its parts; none says "no data".
    for (const row of await press.all()) {
      const text = (await row.textContent()) ?? '';
      if (!/日勤|\d+\/\d+/.test(text) || /\(土\)|\(日\)/.test(text)) continue;
      expect(text, text).not.toContain('データなし');
      expect(text.match(/\d+%/g)?.length ?? 0, text).toBeGreaterThanOrEqual(4);
    }
    await press.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'demo-week-oee-1280x800.png') });
    // A day of the press is thousands of parts: read as 4,160, as the floor writes them, never 4160.
    await expectGrouped(page.getByTestId('oee-machine-press-1'));

    await page.goto(`${origin}/#/board/press-1`);
    await page.getByTestId('board').waitFor();
    await page.getByTestId('board-previous').click();
    const rows = page.locator('[data-testid^="board-row-"]');
    const notDone = page.locator('[data-testid^="board-row-"].status-noData, [data-testid^="board-row-"].status-upcoming');
    // A past shift: every hour has its parts (no "no data", no plan-only hour) and some hours their stops' reasons.
    await waitFor('a past shift on the board', async () => (await rows.count()) >= 9 && (await notDone.count()) === 0, 30_000);
    expect(await page.getByTestId('board').textContent()).toMatch(/段取り|材料待ち|品質確認/);
    await page.screenshot({ path: join(SHOTS, 'demo-board-past-shift-1280x800.png'), fullPage: true });
    // The shift's plan and running totals are thousands of parts, on the wall tablet upright as on a desk.
    await page.setViewportSize({ width: 768, height: 1024 });
    await expectGrouped(page.getByTestId('board-summary'));
    await expectGrouped(page.getByTestId('board'));
    await page.screenshot({ path: join(SHOTS, 'demo-board-past-shift-768x1024.png'), fullPage: true });
    await page.goto(`${origin}/#/machine/press-1`);
    await page.getByRole('button', { name: '7日', exact: true }).click();
    await expectGrouped(page.getByTestId('counts-total'));
    await page.getByTestId('counts-total').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'demo-machine-counts-768x1024.png') });
    await page.context().close();
  });

  it('keeps every menu item and machine chip on screen, a finger wide, on an upright tablet and a phone, in Japanese and English', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await signIn(name as keyof typeof VIEWPORTS);
      await page.goto(`${origin}/#/machine/lathe-1`);
      for (const lang of ['ja', 'en']) {
        if (lang === 'en') await page.getByTestId('lang-switch').click();
        await page.locator(`html[lang="${lang}"]`).waitFor();
        await page.locator('.picker a').first().waitFor();
        const siteName = page.locator('.site-name');
        expect(await siteName.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
        // A menu or chip row scrolled past the right edge hides pages nobody will think to swipe for: all of it in sight.
        const links = [...(await page.locator('.menu a').all()), ...(await page.locator('.picker a').all())];
        expect(links.length).toBeGreaterThanOrEqual(9 + 5);
        for (const link of links) {
          const box = (await link.boundingBox())!;
          const text = `${name} ${lang}: ${(await link.textContent()) ?? ''}`;
          expect(box.x, text).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, text).toBeLessThanOrEqual(viewport.width);
          expect(Math.min(box.width, box.height), text).toBeGreaterThanOrEqual(44);
        }
        await page.screenshot({ path: join(SHOTS, `header-${lang}-${name}.png`) });
      }
      await page.getByTestId('lang-switch').click();
      await page.locator('html[lang="ja"]').waitFor();
    }
  });
});

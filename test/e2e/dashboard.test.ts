import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKit } from '../../gateway/kit.js';
import { launchChromium, openPage, type WatchedPage } from '../helpers/browser.js';
import { startTestKit } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { waitFor } from '../helpers/services.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const USERS = { admin: 'admin-password-1', viewer: 'viewer-password-1', operator: 'operator-password-1' };

let t: Awaited<ReturnType<typeof startTestKit>>;
let kit: Awaited<ReturnType<typeof startKit>>;
let browser: Browser;
let origin: string;
const pages: WatchedPage[] = [];

async function signIn(page: Page, username: keyof typeof USERS): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(USERS[username]);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('machine-m1').waitFor();
}

/** The banner shows the most pressing alarm and a count of the rest: open the list when the one wanted is among the rest. */
async function showAlarm(page: Page, id: string): Promise<void> {
  const alarm = page.getByTestId(`alarm-${id}`);
  const more = page.getByTestId('alarm-more');
  await page.locator('.alarm-banner .alarm').first().waitFor();
  if ((await alarm.count()) === 0 && (await more.count()) > 0) await more.click();
  await alarm.waitFor();
}

async function open(viewport = { width: 1280, height: 800 }): Promise<WatchedPage> {
  const watched = await openPage(browser, viewport);
  pages.push(watched);
  return watched;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await startTestKit('e2e');
  kit = t.kit;
  kit.auth.addUser('admin', USERS.admin, 'admin');
  kit.auth.addUser('viewer', USERS.viewer, 'viewer');
  kit.auth.addUser('operator', USERS.operator, 'operator');
  origin = `http://127.0.0.1:${kit.httpPort}`;
  t.node.start({ linesPerSecond: 5 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await kit?.stop();
  await t?.stop();
});

describe('the dashboard in headless Chromium against a running kit', () => {
  it('signs in and shows every configured machine and zone, in Japanese by default', async () => {
    const { page } = await open();
    await signIn(page, 'admin');
    for (const machine of t.config.machines) await expect(page.getByTestId(`machine-${machine.id}`).isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('zone-floor').isVisible()).resolves.toBe(true);
    await page
      .getByTestId('machine-state-m1')
      .filter({ hasText: /稼働|待機|停止|無信号/ })
      .waitFor();
  });

  it('shows a state change made at the sensor node without a reload', async () => {
    const { page } = await open();
    await signIn(page, 'admin');
    t.node.node.setOverride('ct1', 'run');
    await page.getByTestId('machine-state-m1').filter({ hasText: '稼働' }).waitFor({ timeout: 10_000 });
    t.node.node.setOverride('ct1', 'off');
    await page.getByTestId('machine-state-m1').filter({ hasText: '停止' }).waitFor({ timeout: 10_000 });
    t.node.node.setOverride('ct1', null);
  });

  it('switches to English and back', async () => {
    const { page } = await open();
    await signIn(page, 'admin');
    t.node.node.setOverride('ct2', 'off');
    await page.getByTestId('machine-state-m2').filter({ hasText: '停止' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('machine-state-m2').filter({ hasText: 'Off' }).waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('machine-state-m2').filter({ hasText: '停止' }).waitFor();
    t.node.node.setOverride('ct2', null);
  });

  it('keeps a viewer out of the manager pages', async () => {
    const { page } = await open();
    await signIn(page, 'viewer');
    expect(await page.getByTestId('nav-export').count()).toBe(0);
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.goto(`${origin}/#/export`);
    await page.getByTestId('not-permitted').waitFor();
    const csv = await page.evaluate(async () => (await fetch('api/export/states.csv?from=0&to=1000')).status);
    expect(csv).toBe(403);
  });

  it('shows an alarm on the banner; an operator acknowledges it with a comment, a viewer cannot', async () => {
    // node-b never speaks in the test kit, so its sensor-silent alarm is raised a few seconds after start.
    const alarm = await waitFor('the node-b silent alarm', () => kit.live.snapshot().alarms.find((a) => a.target.id === 'node-b'), 30_000);

    const viewer = (await open()).page;
    await signIn(viewer, 'viewer');
    await showAlarm(viewer, alarm.id);
    expect(await viewer.getByTestId(`alarm-ack-${alarm.id}`).count()).toBe(0);

    const { page } = await open();
    await signIn(page, 'operator');
    await showAlarm(page, alarm.id);
    await page.screenshot({ path: join(SHOTS, 'alarm-banner-tablet-1280x800.png') });
    await page.getByTestId(`alarm-ack-${alarm.id}`).click();
    await page.getByTestId('alarm-ack-comment').fill('配線を確認中');
    await page.getByTestId('alarm-ack-submit').click();
    await waitFor('the acknowledgement recorded', () => kit.alarms.get(alarm.id)?.acknowledgedBy === 'operator');
    expect(kit.alarms.get(alarm.id)?.comment).toBe('配線を確認中');
    // Every other dashboard hears of it live: the viewer's button-less entry turns acknowledged.
    await waitFor('the viewer sees it acknowledged', async () => (await viewer.getByTestId(`alarm-ack-${alarm.id}`).count()) === 0);
  });

  it('takes a screenshot per layout for review', async () => {
    for (const [name, viewport] of Object.entries({
      'tablet-1024x768': { width: 1024, height: 768 },
      'tablet-1280x800': { width: 1280, height: 800 },
      'phone-390x844': { width: 390, height: 844 },
    })) {
      const { page } = await open(viewport);
      await signIn(page, 'admin');
      await page.getByTestId('zone-floor').waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, `overview-${name}.png`), fullPage: true });
      for (const [shot, hash] of [
        ['machine', '#/machine/m1'],
        ['environment', '#/environment/floor'],
      ]) {
        await page.goto(`${origin}/${hash}`);
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(1000);
        await page.screenshot({ path: join(SHOTS, `${shot}-${name}.png`), fullPage: true });
      }
    }
  });

  it('shows the lost connection while the gateway restarts and recovers on its own, still signed in', async () => {
    const { page } = await open();
    await signIn(page, 'admin');
    const config = { ...t.config, http: { ...t.config.http, port: kit.httpPort }, broker: { ...t.config.broker, port: kit.brokerPort } };
    await kit.stop();
    await page.getByTestId('connection-banner').waitFor({ state: 'visible', timeout: 15_000 });
    kit = await startKit({ config, log: testLog, baseDir: t.dir });
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 30_000 });
    t.node.node.setOverride('ct3', 'run');
    await page.getByTestId('machine-state-m3').filter({ hasText: '稼働' }).waitFor({ timeout: 15_000 });
    t.node.node.setOverride('ct3', null);
  });

  it('asked nothing of any host but the kit', () => {
    const hosts = new Set(pages.flatMap((p) => [...p.hosts]));
    expect([...hosts]).toEqual([new URL(origin).host]);
  });
});

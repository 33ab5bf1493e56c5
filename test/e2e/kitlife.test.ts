/** The doctor and calibration pages and the clock warning in headless Chromium against a running kit, with screenshots to look at. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startKit } from '../../gateway/kit.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { KIT, startSimulatedNode, testConfig } from '../helpers/kit.js';
import { latheHistory } from '../helpers/lathe.js';
import { testLog } from '../helpers/log.js';
import { influxAuthHeader, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const HOUR = 3_600_000;

describe('doctor and calibration pages in Chromium', () => {
  const dir = tempDir('e2e-kitlife');
  const clockSet: number[] = [];
  let influxd: Awaited<ReturnType<typeof startTestInfluxd>>;
  let node: Awaited<ReturnType<typeof startSimulatedNode>>;
  let kit: Awaited<ReturnType<typeof startKit>>;
  let browser: Browser;
  let kitFile: string;
  let origin: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    node = await startSimulatedNode(dir.path);
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url);
    // A second USB node whose adapter is not plugged in: the doctor must say so and what to do.
    const [nodeA] = config.sources.serial;
    if (nodeA) config.sources.serial.push({ ...nodeA, id: 'node-c', path: join(dir.path, 'no-such-port') });
    kitFile = join(dir.path, 'kit.yaml');
    writeFileSync(kitFile, stringify(config));
    kit = await startKit({ config, log: testLog, baseDir: dir.path, configFile: kitFile, setClock: async (ms) => void clockSet.push(ms) });
    kit.auth.addUser('center', 'center-password-1', 'admin');
    node.start({ linesPerSecond: 5 });
    const body = latheHistory({ kit: KIT, node: 'node-a', machine: 'm1', end: Date.now() - 60_000, hours: 6, everyS: 2, phaseS: 1200 });
    expect(
      (
        await fetch(`${influxd.url}/write?db=minotake&rp=raw&precision=ns`, {
          method: 'POST',
          headers: influxAuthHeader(influxd.url),
          body,
        })
      ).status,
    ).toBe(204);
    origin = `http://127.0.0.1:${kit.httpPort}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await kit?.stop();
    await influxd?.stop();
    dir.remove();
  });

  async function signedIn(viewport: { width: number; height: number }, clockAheadMs = 0): Promise<Page> {
    const { page } = await openPage(browser, viewport);
    // A tablet whose clock is right while the kit's is not: the browser's clock runs ahead of the kit's.
    if (clockAheadMs) await page.clock.install({ time: Date.now() + clockAheadMs });
    await page.goto(`${origin}/`);
    await page.getByTestId('login-username').fill('center');
    await page.getByTestId('login-password').fill('center-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-m1').waitFor();
    return page;
  }

  it('shows every check in plain words, and warns of a kit clock that differs from the tablet; the admin sets it from the browser', async () => {
    const page = await signedIn({ width: 1280, height: 900 }, 3 * HOUR);
    await page.getByTestId('clock-warning').filter({ hasText: '3 時間' }).waitFor();
    await page.getByTestId('nav-doctor').click();
    await page.getByTestId('doctor-status').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('check-port:node-c').textContent()).resolves.toContain('no-such-port');
    await expect(page.getByTestId('check-port:node-c').textContent()).resolves.toContain('対処');
    await expect(page.getByTestId('check-node:node-a').textContent()).resolves.toMatch(/正しい行 \d+/);
    await expect(page.getByTestId('check-broker').textContent()).resolves.toContain('パスワードのない接続を断りました');
    await page.screenshot({ path: join(SHOTS, 'kitlife-doctor.png'), fullPage: true });

    const browserNow = await page.evaluate(() => Date.now());
    await page.getByTestId('set-clock').click();
    await waitFor('the clock set from the browser', () => clockSet.length > 0);
    expect(Math.abs((clockSet[0] as number) - browserNow)).toBeLessThan(60_000);
    expect(Math.abs((clockSet[0] as number) - Date.now() - 3 * HOUR)).toBeLessThan(60_000);
  });

  it('draws the distribution with the proposed limits and saves them into the kit file with one click', async () => {
    const page = await signedIn({ width: 1280, height: 900 });
    await page.goto(`${origin}/#/calibration/m1`);
    await page.getByTestId('histogram').waitFor({ timeout: 30_000 });
    await page.getByTestId('live-channels').filter({ hasText: 'node-a/ct4' }).waitFor();
    await expect(page.getByTestId('thresholds').textContent()).resolves.toMatch(/提案/);
    await expect(page.locator('.levels').textContent()).resolves.toMatch(/OFF.*IDLE.*RUN/);
    await page.screenshot({ path: join(SHOTS, 'kitlife-calibration.png'), fullPage: true });
    const before = readFileSync(kitFile, 'utf8');
    await page.getByTestId('accept-thresholds').click();
    await page.getByText('保存しました').waitFor();
    const after = readFileSync(kitFile, 'utf8');
    expect(after).not.toBe(before);
    const run = /runAbove: ([\d.]+)/.exec(after.slice(after.indexOf('id: m1')))?.[1];
    expect(Number(run)).toBeGreaterThan(2);
    expect(Number(run)).toBeLessThan(9);
  });

  it('fits a phone', async () => {
    const page = await signedIn({ width: 390, height: 844 });
    await page.goto(`${origin}/#/calibration/m1`);
    await page.getByTestId('histogram').waitFor({ timeout: 30_000 });
    // Nothing wider than the phone: the page scrolls down, never sideways.
    const widths = await page.locator('html').evaluate((html) => [html.scrollWidth, html.clientWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1] as number);
    await page.screenshot({ path: join(SHOTS, 'kitlife-calibration-phone.png'), fullPage: true });
    await page.goto(`${origin}/#/doctor`);
    await page.getByTestId('doctor-status').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'kitlife-doctor-phone.png'), fullPage: true });
  });
});

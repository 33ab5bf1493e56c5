/**
 * The dashboard under the kit's own Content-Security-Policy in real Chromium: every page works, and the browser reports no
 * violation. A violation is caught twice: the page's `securitypolicyviolation` event and Chromium's console message.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startTestKit } from '../helpers/kit.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const ADMIN = { username: 'admin', password: 'admin-password-1' };

let t: Awaited<ReturnType<typeof startTestKit>>;
let browser: Browser;
let origin: string;

interface Watched {
  context: BrowserContext;
  page: Page;
  /** What the browser refused under the policy, as `directive: blocked (where)`. */
  violations: string[];
  /** Uncaught errors in the page: a blocked script or style often shows up as one of these. */
  errors: string[];
}

const watched: Watched[] = [];

async function open(viewport = { width: 1280, height: 800 }): Promise<Watched> {
  const context = await browser.newContext({ viewport, locale: 'ja-JP' });
  const violations: string[] = [];
  const errors: string[] = [];
  // Bindings and init scripts come through the DevTools protocol, which the page's own policy does not govern.
  await context.exposeBinding('reportCspViolation', (_source, text: string) => violations.push(text));
  // A string, as all code here that runs in the page: these tests are type-checked for Node, without the DOM's types.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    window.reportCspViolation(e.violatedDirective + ': ' + (e.blockedURI || e.sample) + ' (' + e.sourceFile + ':' + e.lineNumber + ')'))`);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const w = { context, page, violations, errors };
  watched.push(w);
  return w;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByTestId('login-username').fill(ADMIN.username);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('machine-m1').waitFor();
}

/** Goes to a page of the dashboard and waits until its network is quiet, so that lazy chunks and charts have loaded. */
async function visit(page: Page, hash: string): Promise<void> {
  await page.goto(`${origin}/${hash}`);
  await page.waitForLoadState('networkidle');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await startTestKit('e2e-csp');
  origin = `http://127.0.0.1:${t.kit.httpPort}`;
  t.node.start({ linesPerSecond: 5 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the dashboard under its Content-Security-Policy, in Chromium', () => {
  it('creates the first admin on the setup form, with the code from the owner-only file', async () => {
    const { page } = await open();
    const codeFile = t.kit.setupCodeFile as string;
    const code = /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/m.exec(readFileSync(codeFile, 'utf8'))?.[0] as string;
    await page.goto(`${origin}/`);
    await page.locator('input[name="code"]').fill(code);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.screenshot({ path: join(SHOTS, 'csp-setup.png') });
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-m1').waitFor();
    expect(existsSync(codeFile)).toBe(false);
  });

  it('is served with the policy and the other security headers', async () => {
    const { page } = await open();
    const response = await page.goto(`${origin}/`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses what the policy forbids, and the test sees it: an inline script and an inline style attribute', async () => {
    const w = await open();
    await signIn(w.page);
    const ran = await w.page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.head.append(script);
      document.body.setAttribute('style', 'outline: 5px solid red');
      return window.inlineScriptRan === true;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => w.violations.some((v) => v.startsWith('script-src'))).toBe(true);
    await expect.poll(() => w.violations.some((v) => v.startsWith('style-src'))).toBe(true);
    expect(await w.page.evaluate('getComputedStyle(document.body).outlineStyle')).toBe('none');
    w.violations.length = 0; // provoked on purpose; the last test must not count them
  });

  it('runs every page with nothing refused: login, overview, machine and environment charts, alarms, export, admin', async () => {
    const { page } = await open();
    await page.goto(`${origin}/`);
    await page.getByTestId('login-submit').waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-login.png') });
    await signIn(page);
    await page
      .getByTestId('machine-state-m1')
      .filter({ hasText: /稼働|待機|停止/ })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'csp-overview.png'), fullPage: true });

    await visit(page, '#/machine/m1');
    // uPlot sizes and places its layers through element.style (the CSSOM), which the policy leaves alone: the chart has a size.
    const over = page.locator('.uplot .u-over').first();
    await over.waitFor();
    expect(await over.evaluate((el) => (el as unknown as { style: { width: string } }).style.width)).toMatch(/px$/);
    expect((await over.boundingBox())?.width).toBeGreaterThan(100);
    await page.screenshot({ path: join(SHOTS, 'csp-machine.png'), fullPage: true });

    await visit(page, '#/environment/floor');
    await page.locator('.uplot canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-environment.png'), fullPage: true });

    await visit(page, '#/alarms');
    await page.locator('.page-title').waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-alarms.png'), fullPage: true });

    await visit(page, '#/export');
    await page.locator('.export').waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-export.png'), fullPage: true });

    await visit(page, '#/admin');
    const kioskPanel = page.locator('section[aria-labelledby="admin-kiosk"]');
    await kioskPanel.locator('input').first().fill('ライン1');
    await kioskPanel.locator('button[type="submit"]').click();
    await page.locator('.created-secret svg.qr').waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-admin-kiosk-qr.png'), fullPage: true });
    const kioskUrl = await page.locator('.created-secret input.mono').last().inputValue();
    expect(kioskUrl).toContain('/api/auth/kiosk/');

    for (const [shot, hash] of [
      ['stops', '#/stops'],
      ['board', '#/board/m1'],
      ['production', '#/production'],
    ]) {
      await visit(page, hash as string);
      await page.locator('.page-title').first().waitFor();
      await page.screenshot({ path: join(SHOTS, `csp-${shot}.png`), fullPage: true });
    }

    await page.getByTestId('lang-switch').click();
    await visit(page, '#/machine/m2');
    await page.locator('.uplot canvas').first().waitFor();

    // The wall tablet: the kiosk link signs it in and lands on the overview.
    const tablet = await open({ width: 1024, height: 768 });
    await tablet.page.goto(kioskUrl);
    await tablet.page.getByTestId('machine-m1').waitFor();
    await tablet.page.screenshot({ path: join(SHOTS, 'csp-kiosk-tablet.png'), fullPage: true });
  });

  it('shows the invalid-kiosk-link page in large type, its style allowed by hash', async () => {
    const { page } = await open({ width: 1024, height: 768 });
    const response = await page.goto(`${origin}/api/auth/kiosk/not-a-real-secret`);
    expect(response?.status()).toBe(401);
    await page.getByRole('heading', { name: 'キオスク用リンクが無効です' }).waitFor();
    expect(await page.evaluate('getComputedStyle(document.body).fontSize')).toBe('22.4px');
    await page.screenshot({ path: join(SHOTS, 'csp-kiosk-refused.png') });
  });

  it('saw no policy violation and no uncaught error on any page', () => {
    expect(watched.flatMap((w) => w.violations)).toEqual([]);
    expect(watched.flatMap((w) => w.errors)).toEqual([]);
  });
});

/** The inspection trial in headless Chromium: create a trial, upload a zip, fit, and see the results with heat maps. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPart } from '../../firmware-sim/camera/part.js';
import { encodePng } from '../../firmware-sim/camera/png.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { startTestKit } from '../helpers/kit.js';
import { makeZip } from '../helpers/zip.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let t: Awaited<ReturnType<typeof startTestKit>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await startTestKit('e2e-inspection', { inspection: { imageSize: 128 } });
  t.kit.auth.addUser('manager', 'manager-password-1', 'manager');
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the inspection pages in headless Chromium', () => {
  it('uploads a zip, fits, and shows the metrics and heat maps, all from the kit itself', async () => {
    const { page, hosts } = await openPage(browser, { width: 1280, height: 900 });
    const origin = `http://127.0.0.1:${t.kit.httpPort}`;
    await page.goto(`${origin}/`);
    await page.getByTestId('login-username').fill('manager');
    await page.getByTestId('login-password').fill('manager-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('nav-inspection').click();
    await page.getByTestId('trial-name').fill('ブラケット外観');
    await page.getByTestId('trial-create').click();
    await page.getByTestId('trial-status').filter({ hasText: '未学習' }).waitFor();

    const zip = makeZip([
      ...Array.from({ length: 10 }, (_, i) => ({ name: `ok/ok-${i}.png`, data: encodePng(renderPart({ size: 160, seed: i + 1 })) })),
      { name: 'ng/missing-hole/m1.png', data: encodePng(renderPart({ size: 160, seed: 801, defect: 'missing-hole' })) },
      { name: 'ng/dent/d1.png', data: encodePng(renderPart({ size: 160, seed: 802, defect: 'dent' })) },
    ]);
    await page.getByTestId('upload-files').setInputFiles([
      { name: 'parts.zip', mimeType: 'application/zip', buffer: zip },
      { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('this is not a png') },
    ]);
    await page.getByTestId('upload-submit').click();
    const outcome = page.getByTestId('upload-outcome');
    await outcome.waitFor({ timeout: 60_000 });
    await expect(outcome.textContent()).resolves.toContain('12 枚を追加しました');
    await expect(outcome.textContent()).resolves.toContain('broken.png: JPEG または PNG 画像ではありません');

    await page.getByTestId('trial-fit').click();
    await page.getByTestId('trial-status').filter({ hasText: '学習済み' }).waitFor({ timeout: 240_000 });
    const results = page.getByTestId('inspection-results');
    await results.waitFor();
    await expect(page.getByTestId('metrics').textContent()).resolves.toContain('AUROC');
    // Every judged image's heat map has arrived and decoded in the browser.
    const cards = page.getByTestId('image-card');
    await expect(cards.count()).resolves.toBe(12);
    const first = cards.first().locator('img');
    await first.scrollIntoViewIfNeeded();
    // DOM types are not in the tests' compiler settings: the image is described by the two fields read.
    await page.waitForFunction(
      (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      },
      await first.elementHandle(),
    );
    expect(await first.getAttribute('src')).toContain('/heatmap');
    await expect(page.getByTestId('verdict').first().textContent()).resolves.toBe('NG');

    // The sensitivity control previews without a refit.
    const preview = page.getByTestId('sensitivity-preview');
    const before = await preview.textContent();
    await page.getByTestId('sensitivity').evaluate((element) => {
      const input = element as unknown as { value: string; min: string; dispatchEvent(event: Event): boolean };
      input.value = input.min;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect(preview.textContent()).resolves.not.toBe(before);

    await page.screenshot({ path: join(SHOTS, 'inspection-trial.png'), fullPage: true });
    await expect(page.getByTestId('trial-report').getAttribute('href')).resolves.toContain('report.pdf');
    expect([...hosts]).toEqual([`127.0.0.1:${t.kit.httpPort}`]);
  }, 360_000);
});

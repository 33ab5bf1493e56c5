/**
 * The demo kit as a user runs it (`minotake run`, its simulated SDM630 on a pty): the grinder, watched through the meter's
 * power, shows watts on its tile and on its page, in the unit its thresholds are in; a CT machine beside it shows amps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKitConfig } from '../../config/load.js';
import { freePort } from '../../gateway/storage/managedInfluxd.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { runCli, startCli } from '../helpers/cli.js';
import { signIn } from '../helpers/http.js';
import { tempDir, waitFor } from '../helpers/services.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const DEMO = join(import.meta.dirname, '..', '..', 'config', 'kits', 'demo.yaml');
const PASSWORD = 'center-password-1';

describe('a machine watched by power in the demo kit, in Chromium', () => {
  const dir = tempDir('power-machine');
  let kit: ReturnType<typeof startCli>;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const demo = loadKitConfig(DEMO);
    const port = await freePort();
    // The demo as shipped, on free loopback ports, without the inspection trial (its model would only load the machine).
    const file = join(dir.path, 'demo.yaml');
    writeFileSync(
      file,
      stringify({
        ...demo,
        broker: { ...demo.broker, host: '127.0.0.1', port: 0 },
        http: { ...demo.http, host: '127.0.0.1', port },
        inspection: { ...demo.inspection, enabled: false, demoTrial: false, stations: [] },
      }),
    );
    const admin = await runCli(['admin', 'add', 'center', '--config', file], { cwd: dir.path, input: PASSWORD });
    expect(admin.code, admin.stderr).toBe(0);
    kit = startCli(['run', '--config', file], { cwd: dir.path });
    origin = `http://127.0.0.1:${port}`;
    await waitFor(
      'the demo kit answering',
      () =>
        fetch(`${origin}/api/health`).then(
          (r) => r.status < 500,
          () => undefined,
        ),
      90_000,
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await kit?.stop();
    dir.remove();
  });

  it("shows the grinder's watts on its tile and its page, charted against its thresholds in W", async () => {
    const api = await signIn(`${origin}/`, 'center', PASSWORD);
    // The simulated meter is read every second: wait until the kit has the grinder's watts.
    const watts = await waitFor('the grinder has watts', async () => {
      const response = await fetch(`${origin}/api/live`, { headers: { cookie: api.cookie } });
      const live = (await response.json()) as { machines: { id: string; watts: number | null }[] };
      return live.machines.find((m) => m.id === 'grinder-1')?.watts ?? undefined;
    });
    expect(watts).toBeGreaterThanOrEqual(0);

    const { page, context } = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${origin}/`);
    await page.getByTestId('login-username').fill('center');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    const grinder = page.getByTestId('machine-reading-grinder-1');
    await grinder.filter({ hasText: /^\d+ W$/ }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('machine-grinder-1').textContent()).resolves.toContain('電力');
    // A CT machine beside it keeps its amps.
    await page
      .getByTestId('machine-reading-lathe-1')
      .filter({ hasText: /^\d+\.\d A$/ })
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'power-machine-overview.png'), fullPage: true });

    await page.goto(`${origin}/#/machine/grinder-1`);
    await page.locator('#machine-current').filter({ hasText: '電力' }).waitFor();
    await page.locator('.uplot canvas').first().waitFor({ timeout: 60_000 });
    const legend = await page.locator('.uplot .u-legend').first().textContent();
    expect(legend).toContain('平均 W');
    expect(legend).toContain('最大 W');
    await page.screenshot({ path: join(SHOTS, 'power-machine-page.png'), fullPage: true });

    // Calibrating it is done in watts too: the meter's channels with their watts, the histogram and the thresholds in W.
    await page.goto(`${origin}/#/calibration/grinder-1`);
    await page.getByTestId('live-channels').filter({ hasText: '電力 (W)' }).waitFor();
    await page.getByTestId('histogram').filter({ hasText: 'W' }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('thresholds').textContent()).resolves.toContain('idleAbove (W)');
    await expect(page.getByTestId('thresholds').textContent()).resolves.toContain('3000');
    await page.screenshot({ path: join(SHOTS, 'power-machine-calibration.png'), fullPage: true });
    await context.close();
  });
});

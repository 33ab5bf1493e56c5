import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { influxAuthHeader, waitFor } from '../helpers/services.js';
import { startTowerKit } from '../helpers/towerKit.js';

// A press watched by its signal tower (light sensors on GPIO, a fake board here) beside the CT machines of node-a.
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const MIN = 60_000;
let t: Awaited<ReturnType<typeof startTowerKit>>;
let kit: Kit;
let influxd: ManagedInfluxd;
let browser: Browser;

/** The morning the press had before the test: stored state changes and the kit's minutes of recording, as the kit would have written them. */
async function writeHistory(now: number): Promise<void> {
  const steps: [number, string, number][] = [
    [-300, 'RUN', 2],
    [-250, 'IDLE', 1],
    [-235, 'RUN', 2],
    [-190, 'FAULT', 3],
    [-160, 'RUN', 2],
    [-120, 'OFF', 0],
    [-90, 'RUN', 2],
    [-40, 'FAULT', 3],
    [-30, 'RUN', 2],
  ];
  const lines = steps.map(([min, state, code]) => `machine_state,kit=test,machine=press state="${state}",code=${code}i ${now + min * MIN}`);
  // Without its coverage the morning would be no data (docs/storage.md), not the states above.
  const firstMinute = Math.floor((now - 300 * MIN) / MIN) * MIN;
  for (let minute = firstMinute; minute <= now; minute += MIN) lines.push(`coverage,kit=test alive=true ${minute}`);
  const response = await fetch(`${influxd.url}/write?db=minotake&rp=events&precision=ms`, {
    method: 'POST',
    body: lines.join('\n'),
    headers: influxAuthHeader(influxd.url),
  });
  expect(response.status).toBe(204);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await startTowerKit('e2e-tower', { red: 22, green: 17 });
  kit = t.kit;
  influxd = t.influxd;
  kit.auth.addUser('admin', 'admin-password-1', 'admin');
  await writeHistory(Date.now() - 2 * MIN);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('a signal-tower machine on the dashboard', () => {
  it('shows 異常停止 on its andon tile when the red lamp comes on, and the fault in its timeline and 稼働率', async () => {
    t.lamp('green', 1);
    await waitFor('press RUN', () => kit.live.snapshot().machines.find((m) => m.id === 'press')?.state === 'RUN');
    const { page } = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(`http://127.0.0.1:${kit.httpPort}/`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('admin-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-state-press').filter({ hasText: '稼働' }).waitFor();

    t.lamp('red', 1);
    await page.getByTestId('machine-state-press').filter({ hasText: '異常停止' }).waitFor({ timeout: 15_000 });
    // The tile has no current figure: a tower says states, not amps.
    expect(await page.getByTestId('machine-press').textContent()).not.toContain(' A');
    await page.waitForTimeout(1200); // half the pulse, so the frame shows in the picture
    await page.screenshot({ path: join(SHOTS, 'tower-fault-overview-1280x800.png') });

    await page.getByTestId('machine-press').click();
    await page.getByRole('button', { name: '24時間' }).click();
    await page.locator('.gantt-seg.state-FAULT').first().waitFor();
    const faults = await page.locator('.gantt-seg.state-FAULT').allInnerTexts();
    expect(faults.length, `fault segments: ${JSON.stringify(faults)}`).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.legend').first().textContent()).toContain('異常停止');
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(SHOTS, 'tower-fault-machine-1280x800.png'), fullPage: true });
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.screenshot({ path: join(SHOTS, 'tower-fault-machine-768x1024.png'), fullPage: true });

    await page.getByTestId('lang-switch').click();
    await page.getByTestId('machine-state-press').filter({ hasText: 'Fault stop' }).waitFor();
    t.lamp('red', 0);
    await page.getByTestId('machine-state-press').filter({ hasText: 'Run' }).waitFor({ timeout: 15_000 });
  });
});

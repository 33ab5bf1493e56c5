import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KitConfig } from '../../config/schema.js';
import { createGpioInput } from '../../edge/sources/gpio/index.js';
import { type Kit, startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { TEST_MACHINES, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { influxAuthHeader, startTestInfluxd, tempDir, waitFor } from '../helpers/services.js';
import { FakeGpioBoard } from '../unit/edge/sources/gpio/fakeGpio.js';
import { type FakeSysfs, makeFakeSysfs, PI4_KERNEL_6_6 } from '../unit/edge/sources/gpio/fakeSysfs.js';

// A press watched by its signal tower (photo sensors on GPIO, a fake board here) beside the CT machines of node-a.
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const LAMP = { red: 512 + 22, green: 512 + 17 };
const MIN = 60_000;
let dir: ReturnType<typeof tempDir>;
let influxd: ManagedInfluxd;
let sysfs: FakeSysfs;
let kit: Kit;
let config: KitConfig;
let browser: Browser;
const board = new FakeGpioBoard(PI4_KERNEL_6_6);

/** The morning the press had before the test: stored state changes, as the edge would have written them. */
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
  const response = await fetch(`${influxd.url}/write?db=minotake&rp=events&precision=ms`, {
    method: 'POST',
    body: lines.join('\n'),
    headers: influxAuthHeader(influxd.url),
  });
  expect(response.status).toBe(204);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = tempDir('e2e-tower');
  influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
  sysfs = makeFakeSysfs(PI4_KERNEL_6_6);
  config = testConfig(dir.path, join(dir.path, 'no-node'), influxd.url, {
    sources: {
      serial: [{ id: 'node-a', path: join(dir.path, 'no-node') }],
      network: [{ id: 'node-b' }],
      gpio: [
        { id: 'press-red', pin: 22, debounceMs: 10 },
        { id: 'press-green', pin: 17, debounceMs: 10 },
      ],
      towers: [{ id: 'press-tower', lamps: { red: 'press-red', green: 'press-green' } }],
    },
    machines: [{ id: 'press', name: 'プレス', nameEn: 'Press', source: { tower: 'press-tower' }, minDwellSeconds: 1 }, ...TEST_MACHINES],
    calendar: {
      shifts: [{ id: 'all', name: '終日', start: '00:00', end: '00:00', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }],
    },
  });
  kit = await startKit({
    config,
    log: testLog,
    baseDir: dir.path,
    createSource: (kind, id, ctx) => {
      const input = config.sources.gpio.find((g) => g.id === id);
      return kind === 'gpio' && input ? createGpioInput(input, ctx, { Gpio: board.Gpio, sysfsRoot: sysfs.root }) : undefined;
    },
  });
  kit.auth.addUser('admin', 'admin-password-1', 'admin');
  await writeHistory(Date.now() - 2 * MIN);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await kit?.stop();
  await influxd?.stop();
  sysfs?.remove();
  dir?.remove();
});

describe('a signal-tower machine on the dashboard', () => {
  it('shows 異常停止 on its andon tile when the red lamp comes on, and the fault in its timeline and 稼働率', async () => {
    board.setLevel(LAMP.green, 1);
    await waitFor('press RUN', () => kit.live.snapshot().machines.find((m) => m.id === 'press')?.state === 'RUN');
    const { page } = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(`http://127.0.0.1:${kit.httpPort}/`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('admin-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-state-press').filter({ hasText: '稼働' }).waitFor();

    board.setLevel(LAMP.red, 1);
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

    await page.getByTestId('lang-switch').click();
    await page.getByTestId('machine-state-press').filter({ hasText: 'Fault stop' }).waitFor();
    board.setLevel(LAMP.red, 0);
    await page.getByTestId('machine-state-press').filter({ hasText: 'Run' }).waitFor({ timeout: 15_000 });
  });
});

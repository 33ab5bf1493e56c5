/** Headless Debian Chromium driven by playwright-core, with every request's host recorded to prove the page stays on the kit. */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: this test needs it. Install it with 'apt-get install chromium' (see .ci/run).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // No background traffic: this machine has no internet and the page must work without it.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Every host the page asked for something. */
  hosts: Set<string>;
}

export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, locale: 'ja-JP' });
  const page = await context.newPage();
  const hosts = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http')) hosts.add(url.host);
  });
  return { context, page, hosts };
}

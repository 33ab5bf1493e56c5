/** Dashboard benchmarks: bundle size, state change at the serial line → DOM update in Chromium, a week of history for 16 machines. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { parseKitConfig } from '../config/load.js';
import { SimNode } from '../firmware-sim/node.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import { createHistoryStore } from '../gateway/history/historyStore.js';
import { startKit } from '../gateway/kit.js';
import { connectInflux, InfluxSink } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { StoredPoint } from '../gateway/storage/point.js';
import { pointTime } from '../gateway/storage/pointTime.js';
import { ensureSchema } from '../gateway/storage/schema.js';
import { influxAuth, log, percentile, report, sleep } from './report.js';

const RETENTION = { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' };

export async function bundleSize(root: string): Promise<void> {
  const assets = join(root, 'dashboard', 'dist', 'assets');
  if (!existsSync(assets)) return report('dashboard bundle', 'not built', 'run npm run build');
  let raw = 0;
  let gzip = 0;
  for (const file of readdirSync(assets).filter((f) => /\.(js|css)$/.test(f))) {
    const bytes = readFileSync(join(assets, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  report(
    'dashboard bundle (JS + CSS)',
    `${(gzip / 1024).toFixed(1)} KB gzipped`,
    `${(raw / 1024).toFixed(0)} KB raw, dashboard/dist/assets`,
  );
}

/** A week of 16 machines at one reading every 10 s (≈ 970 000 points), then each machine's 7-day chart as the dashboard asks for it. */
export async function historyQuery(dir: string): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'history-influx'), log });
  try {
    const machines = Array.from({ length: 16 }, (_, i) => ({
      id: `m${i + 1}`,
      name: `m${i + 1}`,
      source: { node: `n${Math.floor(i / 8) + 1}`, channel: `ct${(i % 8) + 1}` },
      thresholds: { idleAbove: 0.5, runAbove: 4 },
    }));
    const config = parseKitConfig({
      kit: { id: 'bench', site: 'bench' },
      sources: {
        serial: [
          { id: 'n1', path: '/dev/null' },
          { id: 'n2', path: '/dev/null' },
        ],
      },
      machines,
    });
    const influx = connectInflux({ ...influxd.access, database: 'minotake' });
    await ensureSchema(influx, 'minotake', RETENTION);
    const sink = new InfluxSink(influx);
    const to = Date.now();
    const from = to - 7 * 86_400_000;
    let batch: StoredPoint[] = [];
    let total = 0;
    for (let t = from; t < to; t += 10_000) {
      for (const m of machines) {
        batch.push({
          measurement: 'current',
          tags: { kit: 'bench', node: m.source.node, channel: m.source.channel, machine: m.id },
          fields: { amps: Math.round(Math.random() * 3000) / 100 },
          timeNs: pointTime(t),
        });
      }
      if (batch.length >= 20_000) {
        await sink.write(batch);
        total += batch.length;
        batch = [];
      }
    }
    await sink.write(batch);
    total += batch.length;

    const history = createHistoryStore(influx, config);
    const measure = async (label: string) => {
      const times: number[] = [];
      let all = 0;
      for (let round = 0; round < 3; round++) {
        const started = performance.now();
        const series = await Promise.all(machines.map((m) => history.currentSeries(m.id, from, to)));
        times.push(performance.now() - started);
        all = series.reduce((sum, s) => sum + s.points.length, 0);
      }
      report(
        `history: 7 days × 16 machines, ${label}`,
        `${Math.min(...times).toFixed(0)} ms best, ${Math.max(...times).toFixed(0)} ms worst`,
        `${total} raw points; 16 current charts at hourly resolution (${all} points), 3 rounds`,
      );
    };
    await measure('raw only');
    // What a kit that has run for a week has: the continuous queries' minute and hour means (they do not backfill by themselves).
    const backfill = async (q: string) => {
      const response = await fetch(`${influxd.url}/query?db=minotake&q=${encodeURIComponent(q)}`, {
        method: 'POST',
        headers: influxAuth(influxd.access),
      });
      if (!response.ok) throw new Error(`backfill failed: ${await response.text()}`);
    };
    const range = `time >= ${from}ms AND time < ${to}ms`;
    await backfill(
      `SELECT mean(amps) AS amps, max(amps) AS amps_max INTO "minotake"."minute"."current" FROM "minotake"."raw"."current" WHERE ${range} GROUP BY time(1m), *`,
    );
    await backfill(
      `SELECT mean(amps) AS amps, max(amps_max) AS amps_max INTO "minotake"."hour"."current" FROM "minotake"."minute"."current" WHERE ${range} GROUP BY time(1h), *`,
    );
    await measure('hour means present');
  } finally {
    await influxd.stop();
  }
}

/** Toggles a machine at the simulated node and times, in Chromium, when its tile shows the new state. */
export async function domLatency(dir: string): Promise<void> {
  if (!existsSync('/usr/bin/chromium')) return report('state change → DOM', 'skipped', "install chromium ('apt-get install chromium')");
  const influxd = await startInfluxd({ dir: join(dir, 'dom-influx'), log });
  const links = { nodeLink: join(dir, 'dom.node'), edgeLink: join(dir, 'dom.edge') };
  const pair = await openPtyPair(links);
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    dataDir: join(dir, 'dom-var'),
    sources: { serial: [{ id: 'node-a', path: links.edgeLink }] },
    machines: [
      { id: 'm1', name: 'm1', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 }, minDwellSeconds: 0 },
    ],
    storage: { influx: influxd.access },
    broker: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
  });
  const kit = await startKit({ config, log, baseDir: dir });
  kit.auth.addUser('bench', 'bench-password-1', 'viewer');
  const scenario = await loadScenario('normal-day');
  let crossedAt = 0;
  let want: 'run' | 'off' = 'run';
  const node = new SimNode(pair.nodeLink, scenario, {
    linesPerSecond: 20,
    onLine: (_line, frame, kind) => {
      if (kind !== 'current' || frame?.type !== 'current' || crossedAt) return;
      const amps = frame.amps.ct1 ?? 0;
      if ((want === 'run' && amps >= 4) || (want === 'off' && amps < 0.3)) crossedAt = Date.now();
    },
  });
  node.start();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    await page.goto(`http://127.0.0.1:${kit.httpPort}/`);
    await page.getByTestId('login-username').fill('bench');
    await page.getByTestId('login-password').fill('bench-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('machine-state-m1').waitFor();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      want = i % 2 === 0 ? 'run' : 'off';
      const label = want === 'run' ? '稼働' : '停止';
      crossedAt = 0;
      node.setOverride('ct1', want);
      await page.getByTestId('machine-state-m1').filter({ hasText: label }).waitFor({ timeout: 10_000 });
      const shownAt = Date.now();
      if (crossedAt) latencies.push(shownAt - crossedAt);
      await sleep(300);
    }
    report(
      'state change at the serial line → DOM',
      `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
      `${latencies.length} changes, line written → tile label changed, headless Chromium (polling the DOM adds ≤ ~30 ms)`,
    );
  } finally {
    await browser.close();
    await node.stop();
    await kit.stop();
    await pair.close();
    await influxd.stop();
  }
}

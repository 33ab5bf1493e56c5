/** The trial report's cost: `minotake report` over 4 weeks × 8 machines of data in a real influxd, and filling that data. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKitConfig } from '../config/load.js';
import { createAlarmHistory } from '../gateway/alarms/history.js';
import { backfillDemo } from '../gateway/demo/backfill.js';
import { createHistoryStore } from '../gateway/history/historyStore.js';
import { makeTrialReport } from '../gateway/report/trial.js';
import { connectInflux, InfluxSink } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import { downsampleRange, ensureSchema } from '../gateway/storage/schema.js';
import { log, report } from './report.js';

const DAY = 86_400_000;
const WEEKS = 4;

/** Two simulated sensor nodes with four CT clamps and a climate sensor each: 8 machines, 2 zones, the demo's week four times. */
function eightMachines(dir: string) {
  const nodes = ['node-a', 'node-b'];
  return parseKitConfig({
    kit: { id: 'bench', site: 'ベンチ工場', tariffYenPerKwh: 27 },
    dataDir: dir,
    sources: {
      serial: nodes.map((id) => ({ id, path: join(dir, id), simulator: { scenario: 'demo-week', backfillDays: WEEKS * 7 } })),
    },
    machines: nodes.flatMap((node, n) =>
      ['ct1', 'ct2', 'ct3', 'ct4'].map((channel, i) => ({
        id: `m${n * 4 + i + 1}`,
        name: `機械${n * 4 + i + 1}`,
        source: { node, channel },
        thresholds: { idleAbove: 0.5, runAbove: 4 },
      })),
    ),
    zones: nodes.map((node, n) => ({ id: `zone-${n + 1}`, name: `区画${n + 1}`, source: { node, channel: 'env1' } })),
  });
}

export async function trialReportBench(dir: string, stepSeconds = Number(process.env.BENCH_REPORT_STEP_S ?? 10)): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'report-influx'), log });
  try {
    const config = eightMachines(join(dir, 'report-kit'));
    const influx = connectInflux({ ...influxd.access, database: 'minotake' });
    await ensureSchema(influx, 'minotake', config.storage.retention);
    const now = Date.now();
    const filling = performance.now();
    const filled = await backfillDemo({
      config,
      dataDir: config.dataDir,
      sink: new InfluxSink(influx, { retention: config.storage.retention }),
      downsample: (from, to) => downsampleRange(influx, 'minotake', from, to),
      log,
      now: () => now,
      stepSeconds,
    });
    const points = filled.reduce((sum, r) => sum + r.points, 0);
    const workload = `${WEEKS} weeks × 8 machines + 2 zones, a reading every ${stepSeconds} s (${(points / 1e6).toFixed(1)} M points)`;
    report('demo history fill (simulate → parse → ingest → write)', `${((performance.now() - filling) / 1000).toFixed(1)} s`, workload);

    const from = (filled[0]?.from ?? now - WEEKS * 7 * DAY) + DAY;
    const sources = {
      config,
      history: createHistoryStore(influx, config, { now: () => now }),
      alarms: createAlarmHistory(influx, 'minotake', config.kit.id),
      now: () => now,
    };
    for (const lang of ['ja', 'en'] as const) {
      const rss = process.memoryUsage().rss;
      const started = performance.now();
      const doc = await makeTrialReport(sources, { from, to: now, lang });
      const pages = doc.pageCount;
      const pdf = await doc.toBuffer();
      const seconds = (performance.now() - started) / 1000;
      // To look at what was measured: BENCH_REPORT_OUT=/tmp/r npm run bench writes /tmp/r-ja.pdf and /tmp/r-en.pdf.
      if (process.env.BENCH_REPORT_OUT) writeFileSync(`${process.env.BENCH_REPORT_OUT}-${lang}.pdf`, pdf);
      report(
        `trial report (${lang}), read + figures + PDF`,
        `${seconds.toFixed(1)} s`,
        `${workload}; ${Math.round((now - from) / DAY)} days, ${pages} pages, ${Math.round(pdf.length / 1024)} KB, RSS +${Math.round((process.memoryUsage().rss - rss) / 1048576)} MB`,
      );
    }
  } finally {
    await influxd.stop();
  }
}

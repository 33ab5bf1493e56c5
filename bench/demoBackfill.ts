/** The demo kit's first start: how long filling its week of history takes and what it writes, measurement by measurement. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKitConfig } from '../config/load.js';
import { backfillDemo } from '../gateway/demo/backfill.js';
import { connectInflux, InfluxSink } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import type { PointSink } from '../gateway/storage/point.js';
import { downsampleRange, ensureSchema } from '../gateway/storage/schema.js';
import { addDays, localDate, weekday, zonedInstant } from '../gateway/utilization/timeZone.js';
import { log, report } from './report.js';

const DEMO = fileURLToPath(new URL('../../config/kits/demo.yaml', import.meta.url));

/** The last Wednesday 12:00 in the kit's zone: every run fills the same kind of week (a breakdown, a hot Thursday, a weekend). */
function lastWednesdayNoon(timeZone: string): number {
  let day = localDate(Date.now(), timeZone);
  while (weekday(day) !== 3 || zonedInstant(day, 12 * 60, timeZone) > Date.now()) day = addDays(day, -1);
  return zonedInstant(day, 12 * 60, timeZone);
}

export async function demoBackfillBench(dir: string): Promise<void> {
  const influxd = await startInfluxd({ dir: join(dir, 'demo-fill-influx'), log });
  try {
    const file = join(dir, 'demo-fill.yaml');
    writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\ndataDir: ${join(dir, 'demo-fill-var')}\n`);
    const config = loadKitConfig(file);
    const influx = connectInflux({ ...influxd.access, database: config.storage.database });
    await ensureSchema(influx, config.storage.database, config.storage.retention);
    const now = lastWednesdayNoon(config.kit.timeZone);
    const written = new Map<string, number>();
    const influxSink = new InfluxSink(influx, { retention: config.storage.retention });
    const sink: PointSink = {
      write(points) {
        for (const p of points) written.set(p.measurement, (written.get(p.measurement) ?? 0) + 1);
        return influxSink.write(points);
      },
    };
    const started = performance.now();
    const filled = await backfillDemo({
      config,
      dataDir: config.dataDir,
      sink,
      downsample: (from, to) => downsampleRange(influx, config.storage.database, from, to),
      log,
      now: () => now,
    });
    const seconds = (performance.now() - started) / 1000;
    const points = filled.reduce((sum, r) => sum + r.points, 0);
    const days = config.sources.serial[0]?.simulator?.backfillDays ?? 0;
    report('demo history fill (demo.yaml, first start)', `${seconds.toFixed(1)} s, ${points} points`, `${days} days to a Wednesday noon`);
    const byMeasurement = [...written].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`);
    report('  … points by measurement', '', byMeasurement.join(', '));
  } finally {
    await influxd.stop();
  }
}

/**
 * One demo history fill in a process of its own, started by bench/demoBackfill.ts with the kit's memory settings, so that its
 * RSS is the fill's and nothing else's. The product code comes from the checkout under test (argv[2]), so a baseline build can
 * be measured by the same driver. Prints one JSON line: time, points by measurement, the RSS before the fill and the peak.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [checkout = '', configFile = '', accessJson = '{}', nowText = '0'] = process.argv.slice(2);
const from = (path: string) => import(pathToFileURL(join(checkout, 'dist', path)).href);

/** A line of /proc/self/status in bytes (VmRSS, VmHWM). */
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;

const { loadKitConfig } = await from('config/load.js');
const { backfillDemo } = await from('gateway/demo/backfill.js');
const { connectInflux, InfluxSink } = await from('gateway/storage/influxSink.js');
const { downsampleRange, ensureSchema } = await from('gateway/storage/schema.js');
const pino = (await import('pino')).default;

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const config = loadKitConfig(configFile);
const influx = connectInflux({ ...JSON.parse(accessJson), database: config.storage.database });
await ensureSchema(influx, config.storage.database, config.storage.retention);
const written: Record<string, number> = {};
const influxSink = new InfluxSink(influx, { retention: config.storage.retention });
const sink = {
  write(points: { measurement: string }[]) {
    for (const p of points) written[p.measurement] = (written[p.measurement] ?? 0) + 1;
    return influxSink.write(points);
  },
};
// FILL_TRACE=1: where the memory is, each second on stderr (heap, external and array buffers beside the RSS).
const trace = process.env.FILL_TRACE
  ? setInterval(() => {
      const m = process.memoryUsage();
      const mb = (n: number) => (n / 1048576).toFixed(1);
      process.stderr.write(
        `fill rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)}\n`,
      );
    }, 1000)
  : undefined;
const rssBefore = status('VmRSS');
const hwmBefore = status('VmHWM');
const started = performance.now();
const filled: { points: number }[] = await backfillDemo({
  config,
  dataDir: config.dataDir,
  sink,
  downsample: (a: number, b: number) => downsampleRange(influx, config.storage.database, a, b),
  log,
  now: () => Number(nowText),
});
const seconds = (performance.now() - started) / 1000;
clearInterval(trace);
const points = filled.reduce((sum, r) => sum + r.points, 0);
process.stdout.write(`${JSON.stringify({ seconds, points, written, rssBefore, hwmBefore, hwm: status('VmHWM') })}\n`);

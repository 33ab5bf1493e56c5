/** The kit-life benchmark: how long `minotake wipe` takes for a four-week loan of eight machines, with the data written at the raw rate. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_MARK } from '../gateway/kitlife/dataFolder.js';
import { wipeKit } from '../gateway/kitlife/wipe.js';
import { connectInflux } from '../gateway/storage/influxSink.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import { ensureSchema } from '../gateway/storage/schema.js';
import { influxAuth, log, report } from './report.js';

const DAY = 86_400_000;
const MACHINES = 8;
const DAYS = 28;
/**
 * A reading every 10 s per machine by default: a tenth of the node's 1 Hz, since filling InfluxDB with the full 19 M
 * points took this 2-core machine ten minutes under load (~30,000 points/s); BENCH_WIPE_EVERY_S=1 runs the raw rate.
 */
const EVERY_S = Number(process.env.BENCH_WIPE_EVERY_S ?? 10);

/** A loan's data folder: InfluxDB with four weeks of eight CT channels and their state changes, and the other rooms. */
async function fillLoan(dataDir: string): Promise<number> {
  const influxd = await startInfluxd({ dir: join(dataDir, 'influxdb'), log });
  const influx = connectInflux({ ...influxd.access, database: 'minotake' });
  await ensureSchema(influx, 'minotake', { raw: '30d', minute: '400d', hour: 'INF', events: 'INF' });
  const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const start = end - DAYS * DAY;
  let points = 0;
  // Six hours a request (about 170,000 lines at 1 Hz): large batches, as the kit's buffer writes them after an outage.
  const hourMs = 6 * 3_600_000;
  for (let hour = start; hour < end; hour += hourMs) {
    const lines: string[] = [];
    for (let m = 0; m < MACHINES; m++) {
      for (let t = hour; t < hour + hourMs; t += EVERY_S * 1000) {
        const running = Math.floor((t / 600_000 + m) % 3) === 2;
        lines.push(`current,kit=bench,node=node-${m >> 2},channel=ct${(m % 4) + 1},machine=m${m} amps=${running ? 12.5 : 0.8} ${t}`);
      }
      lines.push(`machine_state,kit=bench,machine=m${m} state="RUN",previous="IDLE" ${hour}`);
    }
    points += lines.length;
    const response = await fetch(`${influxd.url}/write?db=minotake&rp=raw&precision=ms`, {
      method: 'POST',
      headers: influxAuth(influxd.access),
      body: lines.join('\n'),
    });
    if (response.status !== 204) throw new Error(`InfluxDB refused the bench data: ${response.status} ${await response.text()}`);
  }
  await influxd.stop();
  for (const room of ['spool', 'auth', 'alarms', 'tls', 'label']) {
    mkdirSync(join(dataDir, room), { recursive: true });
    writeFileSync(join(dataDir, room, 'data'), 'x'.repeat(4096));
  }
  writeFileSync(join(dataDir, DATA_MARK), '');
  return points;
}

export async function wipeBench(dir: string): Promise<void> {
  const dataDir = join(dir, 'wipe-data');
  const kitFile = join(dir, 'wipe-kit.yaml');
  writeFileSync(
    kitFile,
    `kit: { id: bench, site: ベンチ製作所, preset: lending-8ct-2node }\ndataDir: ${dataDir}\n` +
      'sources: { serial: [{ id: node-1, path: /dev/null }] }\n' +
      'machines: [{ id: m0, name: M0, source: { node: node-1, channel: ct1 }, thresholds: { idleAbove: 0.5, runAbove: 4 } }]\n',
  );
  const filled = performance.now();
  const points = await fillLoan(dataDir);
  const fillS = (performance.now() - filled) / 1000;
  const lines: string[] = [];
  const started = performance.now();
  const record = await wipeKit(['--config', kitFile, '--yes'], { out: (line) => lines.push(line) }, { journalRoots: [] });
  const wipeS = (performance.now() - started) / 1000;
  const influx = record.removed.find((r) => r.what === 'influxdb/');
  const workload = `${MACHINES} machines × ${DAYS} days, a reading every ${EVERY_S} s (${(points / 1e6).toFixed(1)} M points)`;
  report('kitlife: fill the loan (InfluxDB HTTP writes)', `${fillS.toFixed(1)} s`, workload);
  report(
    'kitlife: wipe (remove, reset, verify)',
    `${wipeS.toFixed(2)} s`,
    `${workload}; InfluxDB ${((influx?.bytes ?? 0) / 1048576).toFixed(0)} MB in ${influx?.files ?? 0} files; verified ${record.verified}`,
  );
}

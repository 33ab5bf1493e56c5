/**
 * The demo kit's first start: how long filling its week of history takes, what it writes, measurement by measurement, and how
 * much memory the fill takes. The fill runs in a process of its own (bench/demoFillProcess.ts) with the kit's memory settings,
 * against a fresh influxd each time. With MINOTAKE_BASELINE=/path/to/built/checkout the same fill of that build runs too,
 * alternating with this one (DEMO_FILL_ROUNDS rounds, default 1).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKitConfig } from '../config/load.js';
import { MALLOC_ENV } from '../gateway/memorySettings.js';
import { startInfluxd } from '../gateway/storage/managedInfluxd.js';
import { addDays, localDate, weekday, zonedInstant } from '../gateway/utilization/timeZone.js';
import { log, percentile, report } from './report.js';

const DEMO = fileURLToPath(new URL('../../config/kits/demo.yaml', import.meta.url));
const HERE = fileURLToPath(new URL('../..', import.meta.url));
const MB = 1024 * 1024;

/** The last Wednesday 12:00 in the kit's zone: every run fills the same kind of week (a breakdown, a hot Thursday, a weekend). */
function lastWednesdayNoon(timeZone: string): number {
  let day = localDate(Date.now(), timeZone);
  while (weekday(day) !== 3 || zonedInstant(day, 12 * 60, timeZone) > Date.now()) day = addDays(day, -1);
  return zonedInstant(day, 12 * 60, timeZone);
}

interface FillRun {
  seconds: number;
  points: number;
  written: Record<string, number>;
  /** The fill process's RSS just before the fill, its VmHWM then and at the end (bytes). */
  rssBefore: number;
  hwmBefore: number;
  hwm: number;
  /** The fill process's RSS sampled from /proc/<pid>/status every 200 ms during the fill. */
  samples: number[];
  /** The highest sampled RSS of the simulator the fill reads (its child process), which the first start runs beside the kit. */
  simulatorPeak: number;
}

const rssOf = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
  } catch {
    return Number.NaN;
  }
};
/** The RSS of a process's children together (the simulator replaying the week), from /proc. */
const childrenRss = (pid: number) => {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.reduce((sum, child) => sum + (rssOf(Number(child)) || 0), 0);
  } catch {
    return 0;
  }
};

/** One fill of `checkout`'s build in its own process, into a fresh influxd. */
async function fillOnce(dir: string, checkout: string, now: number): Promise<FillRun> {
  const base = join(dir, 'demo-fill');
  rmSync(base, { recursive: true, force: true });
  const influxd = await startInfluxd({ dir: join(base, 'influx'), log });
  try {
    const file = join(base, 'demo-fill.yaml');
    writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\ndataDir: ${join(base, 'var')}\n`);
    // The kit's V8 settings are imported first, as the CLI does; the C library's through the environment, as `minotake` sets it.
    const flags = join(checkout, 'dist', 'gateway', 'v8MemoryFlags.js');
    const driver = join(HERE, 'dist', 'bench', 'demoFillProcess.js');
    const child = spawn(process.execPath, ['--import', flags, driver, checkout, file, JSON.stringify(influxd.access), String(now)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...MALLOC_ENV },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const samples: number[] = [];
    let simulatorPeak = 0;
    const sampler = setInterval(() => {
      samples.push(rssOf(child.pid as number));
      simulatorPeak = Math.max(simulatorPeak, childrenRss(child.pid as number));
    }, 200);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    if (code !== 0) throw new Error(`demo fill of ${checkout} failed (exit ${code})`);
    const result = JSON.parse(out.trim().split('\n').at(-1) as string) as Omit<FillRun, 'samples'>;
    return { ...result, samples: samples.filter(Number.isFinite), simulatorPeak };
  } finally {
    await influxd.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

function reportFill(label: string, run: FillRun): void {
  const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
  report(
    `demo history fill (demo.yaml, first start)${label}`,
    `${run.seconds.toFixed(1)} s, ${run.points} points`,
    '7 days to a Wednesday noon',
  );
  report(
    '  … fill process RSS: peak (VmHWM) / median',
    `${mb(run.hwm)} / ${mb(percentile(run.samples, 50))}`,
    `+${mb(run.hwm - run.rssBefore)} peak over ${mb(run.rssBefore)} before the fill; median of ${run.samples.length} samples, 200 ms`,
  );
  report('  … simulator process RSS: peak', mb(run.simulatorPeak), 'sampled every 200 ms; a process of its own beside the kit');
  if (run.hwmBefore > run.rssBefore && run.hwm === run.hwmBefore) report('  … (the peak was before the fill)', '', '');
}

export async function demoBackfillBench(dir: string): Promise<void> {
  const now = lastWednesdayNoon(loadKitConfig(DEMO).kit.timeZone);
  const baseline = process.env.MINOTAKE_BASELINE;
  const rounds = Number(process.env.DEMO_FILL_ROUNDS ?? 1);
  let last: FillRun | undefined;
  for (let round = 0; round < rounds; round++) {
    // Alternating, the baseline first every other round, so that neither build always has the quieter machine.
    const order = baseline ? (round % 2 === 0 ? [HERE, baseline] : [baseline, HERE]) : [HERE];
    for (const checkout of order) {
      const run = await fillOnce(dir, checkout, now);
      reportFill(checkout === HERE ? '' : ' [baseline]', run);
      if (checkout === HERE) last = run;
    }
  }
  if (last) {
    const byMeasurement = Object.entries(last.written)
      .sort((a, b) => b[1] - a[1])
      .map(([m, n]) => `${m} ${n}`);
    report('  … points by measurement', '', byMeasurement.join(', '));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(process.env.TMPDIR ?? '/tmp', `demo-fill-bench-${process.pid}`);
  await demoBackfillBench(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * The inspection trial's benchmark: fitting 50 good images and judging one image at the Pi-sized settings (224 px,
 * MobileNetV2 to block 10, WASM backend, one thread), the model's size, the memory of the gateway and of the inspection
 * runtime (its child process) apart, at rest, during a fit and while judging, and the MQTT line → publish latency of the
 * same kit at rest and while a fit runs beside it. Then the demo kit as a user runs it: what its first start and its
 * live station cost the gateway and the runtime.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { loadKitConfig, parseKitConfig } from '../config/load.js';
import type { KitConfig } from '../config/schema.js';
import { topics } from '../edge/mqtt/topics.js';
import { dropImage } from '../firmware-sim/camera/camera.js';
import { DEFECT_KINDS, renderPart } from '../firmware-sim/camera/part.js';
import { encodePng } from '../firmware-sim/camera/png.js';
import { SimNode } from '../firmware-sim/node.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import { residentMb } from '../gateway/inspection/runtime.js';
import type { InspectionService } from '../gateway/inspection/service.js';
import { startKit } from '../gateway/kit.js';
import { log, percentile, report, sleep } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOOD = 50;
const JUDGED = 21;
const IMAGE_SIDE = 480;
const CAMERA_CLI = join(root, 'dist', 'firmware-sim', 'camera', 'cli.js');
/** Short, so the bench sees the runtime end within its run; the kit's default is 120 s. */
const IDLE_SECONDS = 5;
/** The demo gateway's rest is sampled over this many seconds. */
const REST_WINDOW_S = 10;

/**
 * Part images made by the camera simulator in a process of its own, so this process (which runs the gateway) holds only
 * the files it reads, as a gateway does: `good + 10 + JUDGED` good parts and one of each defect.
 */
function sampleParts(dir: string, good: number): { ok: string[]; ng: string[] } {
  const sample = join(dir, 'insp-sample');
  execFileSync(process.execPath, [
    CAMERA_CLI,
    '--sample',
    sample,
    '--good',
    String(good + 10 + JUDGED),
    '--per-defect',
    '1',
    '--size',
    String(IMAGE_SIDE),
  ]);
  const files = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(folder, e.name)) : [join(folder, e.name)]));
  return { ok: files(join(sample, 'ok')).sort(), ng: files(join(sample, 'ng')).sort() };
}

async function makeTrial(service: InspectionService, id: string, good: string[], defects: string[]): Promise<void> {
  service.create({ id, name: id });
  for (const file of good) await service.upload(id, 'ok', null, basename(file), readFileSync(file));
  for (const file of defects) await service.upload(id, 'ng', basename(dirname(file)), basename(file), readFileSync(file));
  // Held out: exactly 10, so the rest are learned from.
  const trial = service.get(id);
  trial.settings.heldOutShare = 10 / good.length;
  service.store.write(trial);
}

/** Line → MQTT publish latency for `lines` lines at 100 lines/s, while `beside` runs (or at rest). */
async function publishLatency(kit: Awaited<ReturnType<typeof startKit>>, nodeLink: string, lines: number, beside?: Promise<unknown>) {
  const scenario = await loadScenario('normal-day');
  const writtenAt = new Map<number, number>();
  const latency: number[] = [];
  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${kit.brokerPort}`, { username: 'bench', password: 'bench-reader' });
  watcher.on('message', (_t, payload) => {
    const { seq } = JSON.parse(payload.toString()) as { seq: number };
    const at = writtenAt.get(seq);
    if (at !== undefined) latency.push(performance.now() - at);
  });
  await watcher.subscribeAsync(topics.nodeCurrent('bench', 'node-a'), { qos: 0 });
  const node = new SimNode(nodeLink, scenario, {
    linesPerSecond: 100,
    maxLines: lines,
    onLine: (_line, frame, kind) => {
      if (kind === 'current' && frame?.type === 'current') writtenAt.set(frame.seq, performance.now());
    },
  });
  node.start();
  await node.finished;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await watcher.endAsync();
  const stillRunning = beside ? await Promise.race([beside.then(() => false), Promise.resolve(true)]) : false;
  return { latency, stillRunning };
}

/** Largest resident memory (MB) of each watched thing while a phase runs; 0 where it did not exist. */
function peaks(sources: Record<string, () => number | null | undefined>) {
  const max: Record<string, number> = Object.fromEntries(Object.keys(sources).map((k) => [k, 0]));
  const sample = () => {
    for (const [name, read] of Object.entries(sources)) max[name] = Math.max(max[name] as number, read() ?? 0);
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    max,
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

const mb = (value: number | undefined) => (value ? `${value.toFixed(0)} MB` : 'none');

export async function inspectionBench(dir: string): Promise<void> {
  const links = { nodeLink: join(dir, 'insp.node'), edgeLink: join(dir, 'insp.edge') };
  const pair = await openPtyPair(links);
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    dataDir: join(dir, 'insp-var'),
    sources: { serial: [{ id: 'node-a', path: links.edgeLink }] },
    machines: [{ id: 'm1', name: 'm1', source: { node: 'node-a', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    broker: { host: '127.0.0.1', port: 0, accounts: [{ username: 'bench', role: 'reader', password: 'bench-reader' }] },
    http: { host: '127.0.0.1', port: 0 },
    inspection: { imageSize: 224, runtime: { idleSeconds: IDLE_SECONDS } },
  });
  const parts = sampleParts(dir, GOOD);
  const kit = await startKit({ config, log, baseDir: dir });
  const service = (kit.inspection as { service: InspectionService }).service;
  // The gateway runs inside this bench process here, beside the bench's MQTT client and simulated node: a little more
  // than a gateway alone (the demo lines below measure one in its own process).
  const memory = () =>
    peaks({
      gateway: () => process.memoryUsage().rss / 1048576,
      fit: () => service.runtimes().fit.rssMb,
      judge: () => service.runtimes().judge.rssMb,
    });
  const gone = () => {
    const { fit, judge } = service.runtimes();
    return fit.pid === null && judge.pid === null;
  };
  try {
    await sleep(2000);
    const resting = memory();
    await sleep(3000);
    const atRest = resting.stop();
    report(
      'inspection: RSS at rest, before any job',
      `gateway ${mb(atRest.gateway)}, runtime ${mb(atRest.fit || atRest.judge)}`,
      'inspection enabled, nothing inspected yet: no runtime process, none of its modules in the gateway',
    );

    const uploading = memory();
    await makeTrial(service, 'bench', parts.ok.slice(0, GOOD + 10), parts.ng);
    const uploaded = uploading.stop();
    report(
      `inspection: RSS while ${GOOD + 10 + parts.ng.length} images are uploaded`,
      `gateway ${mb(uploaded.gateway)}, runtime ${mb(uploaded.judge)}`,
      `${IMAGE_SIDE}² PNG each: checked, decoded and shrunk to 384 px in the judging runtime`,
    );

    // At rest: the runtime has ended (idle) by the end of these 15 s.
    const calm = await publishLatency(kit, pair.nodeLink, 1500);
    report(
      'inspection: line → MQTT publish at rest',
      `p50 ${percentile(calm.latency, 50).toFixed(1)} ms, p99 ${percentile(calm.latency, 99).toFixed(1)} ms`,
      `${calm.latency.length} lines at 100 lines/s, same kit, no fit running`,
    );
    while (!gone()) await sleep(200);

    const fitting = memory();
    const started = performance.now();
    service.startFit('bench');
    const fit = service.fitSettled('bench');
    const during = await publishLatency(kit, pair.nodeLink, 1500, fit);
    const trial = await fit;
    const fitSeconds = (performance.now() - started) / 1000;
    const duringFit = fitting.stop();
    report(
      'inspection: line → MQTT publish during a fit',
      `p50 ${percentile(during.latency, 50).toFixed(1)} ms, p99 ${percentile(during.latency, 99).toFixed(1)} ms`,
      `${during.latency.length} lines at 100 lines/s while the fit below ran in its runtime process (${during.stillRunning ? 'fit outlasted the lines' : 'fit ended before the last line'})`,
    );
    const f = trial.fit;
    if (!f) throw new Error(`bench fit failed: ${trial.error?.message}`);
    report(
      'inspection: fit (PatchCore + template)',
      `${fitSeconds.toFixed(1)} s`,
      `${f.trainImages} good ${IMAGE_SIDE}² PNG learned, ${f.heldOutImages} held out + ${DEFECT_KINDS.length} defects scored; 224 px, bank ${f.bankSize} of ${f.goodPatches} patches; includes starting the runtime`,
    );
    report('inspection: model on disk', `${(f.modelBytes / 1048576).toFixed(2)} MB`, `memory bank ${f.bankSize} × 256 float32 + template`);
    report(
      'inspection: RSS during the fit',
      `gateway ${mb(duringFit.gateway)}, runtime ${mb(duringFit.fit)}`,
      'largest of each, sampled every 100 ms; the runtime is the fit’s child process (tfjs, WASM heap, features)',
    );

    const [first, ...rest] = parts.ok.slice(GOOD + 10).map((file) => readFileSync(file));
    const judging = memory();
    const c0 = performance.now();
    await service.judgeFile('bench', 'cold.png', first as Buffer);
    const cold = performance.now() - c0;
    const times: number[] = [];
    for (const [i, input] of rest.entries()) {
      const t0 = performance.now();
      await service.judgeFile('bench', `j${i}.png`, input);
      times.push(performance.now() - t0);
    }
    const whileJudging = judging.stop();
    report(
      'inspection: judgment per image',
      `p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms`,
      `${times.length} × ${IMAGE_SIDE}² PNG: decode, both scores, two heat-map PNGs, in a runtime already running`,
    );
    report(
      'inspection: first judgment after an idle exit',
      `${(cold / 1000).toFixed(1)} s`,
      'starts the runtime: Node, TensorFlow.js WASM, the network and the model, then one judgment',
    );
    report(
      'inspection: RSS while judging',
      `gateway ${mb(whileJudging.gateway)}, runtime ${mb(whileJudging.judge)}`,
      `${JUDGED} judgments in the judging runtime`,
    );
    report(
      'inspection: AUROC on the bench trial',
      `${f.patchcore.auroc?.toFixed(3)} (template ${f.template.auroc?.toFixed(3)})`,
      `${f.heldOutImages} held-out good vs ${DEFECT_KINDS.length} defects`,
    );
    while (!gone()) await sleep(200);
    const after = memory();
    await sleep(3000);
    const afterAll = after.stop();
    report(
      'inspection: RSS after the runtimes ended',
      `gateway ${mb(afterAll.gateway)}, runtime ${mb(afterAll.fit || afterAll.judge)}`,
      `${IDLE_SECONDS} s idle: both runtime processes gone, their memory back to the system`,
    );
  } finally {
    await kit.stop();
    await pair.close();
  }
  await demoInspectionCost(dir);
}

/** The processes whose parent is `pid` and that are inspection runtimes, by role (fit, judge). */
function runtimesOf(pid: number): Record<string, number> {
  const found: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/PPid:\s+(\d+)/.exec(status)?.[1]) !== pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.findIndex((a) => a.endsWith('runtimeProcess.js'));
      if (at >= 0) found[args[at + 2] ?? 'runtime'] = Number(entry);
    } catch {} // it ended while we looked
  }
  return found;
}

/**
 * The demo kit as `npm run demo` runs it, in its own process with its simulators: the first start builds the demo trial
 * (sample images, uploads, the fit) in the runtime while the gateway keeps running; then the gateway at rest between two
 * parts, and one part judged by a runtime started for it.
 */
/** The demo kit (demo.yaml) in a gateway process of its own, its simulators beside it, with the given inspection section. */
function startDemo(dir: string, name: string, inspection: (demo: KitConfig['inspection']) => object) {
  const demo = loadKitConfig(join(root, 'config', 'kits', 'demo.yaml'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...demo,
      dataDir: join(dir, `${name}-var`),
      broker: { ...demo.broker, port: 0 },
      http: { ...demo.http, host: '127.0.0.1', port: 0 },
      sources: {
        ...demo.sources,
        serial: demo.sources.serial.map((s) => ({ ...s, path: join(dir, `${name}-pty`, `${s.id}-edge`) })),
        modbus: demo.sources.modbus.map((b) => ({ ...b, path: join(dir, `${name}-pty`, `${b.id}-edge`) })),
      },
      inspection: inspection(demo.inspection),
    }),
  );
  const cli = join(root, 'dist', 'gateway', 'cli.js');
  const admin = spawnSync(process.execPath, [cli, 'admin', 'add', 'bench', '--config', file], { input: 'bench-password-1' });
  if (admin.status !== 0) throw new Error(`admin add failed: ${admin.stderr}`);
  const gateway = spawn(process.execPath, [cli, 'run', '--config', file], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return {
    gateway,
    dataDir: join(dir, `${name}-var`),
    async stop() {
      gateway.kill('SIGTERM');
      await new Promise((resolve) => gateway.once('exit', resolve));
    },
  };
}

/**
 * The baseline for the demo lines, same run: the demo kit with the inspection trial switched off, sampled over the same
 * window of its life as the inspection demo's rest between two parts (the first start's history fill weighs on both alike).
 */
async function demoWithoutInspection(dir: string, restAt: number): Promise<void> {
  const demo = startDemo(dir, 'demo-no-inspection', () => ({ enabled: false }));
  const gateway = () => residentMb(demo.gateway.pid as number);
  try {
    const starting = peaks({ gateway });
    await sleep(restAt * 1000);
    const resting = peaks({ gateway });
    await sleep(REST_WINDOW_S * 1000);
    report(
      'inspection demo: baseline, inspection disabled',
      `gateway max ${mb(starting.stop().gateway)} in its first ${restAt.toFixed(0)} s, then ${mb(resting.stop().gateway)}`,
      `demo.yaml with inspection.enabled: false; the second figure over the same ${REST_WINDOW_S} s of its life as the rest between two parts above`,
    );
  } finally {
    await demo.stop();
  }
}

export async function demoInspectionCost(dir: string): Promise<void> {
  const watch = join(dir, 'demo-inspection-drop');
  const demo = startDemo(dir, 'demo-inspection', (inspection) => ({
    ...inspection,
    // The camera's first part only: the bench drops the next itself, so none arrives while the gateway is sampled at rest.
    stations: inspection.stations.map((s) => ({ ...s, watch, simulator: s.simulator && { ...s.simulator, intervalSeconds: 3600 } })),
    runtime: { ...inspection.runtime, idleSeconds: IDLE_SECONDS },
  }));
  const { gateway, dataDir } = demo;
  const pid = gateway.pid as number;
  const trialFile = join(dataDir, 'inspection', 'trials', 'demo-plate', 'trial.json');
  const judged = () =>
    ['OK', 'NG'].reduce((n, v) => n + (existsSync(join(watch, 'judged', v)) ? readdirSync(join(watch, 'judged', v)).length : 0), 0);
  const watching = () =>
    peaks({
      gateway: () => residentMb(pid),
      fit: () => {
        const child = runtimesOf(pid).fit;
        return child ? residentMb(child) : 0;
      },
      judge: () => {
        const child = runtimesOf(pid).judge;
        return child ? residentMb(child) : 0;
      },
    });
  let restAt = 0;
  try {
    const started = performance.now();
    const firstStart = watching();
    // The camera's first part waits in the folder until the trial is fitted, then it is judged.
    for (;;) {
      const status = existsSync(trialFile) ? (JSON.parse(readFileSync(trialFile, 'utf8')) as { status: string }).status : 'none';
      if (status === 'failed') throw new Error('the demo trial failed to fit');
      if (status === 'fitted' && judged() >= 1) break;
      if (gateway.exitCode !== null) throw new Error('the demo kit exited');
      await sleep(500);
    }
    const ready = (performance.now() - started) / 1000;
    const first = firstStart.stop();
    report(
      'inspection demo: first start (trial made, fitted)',
      `gateway max ${mb(first.gateway)}; runtimes max ${mb(first.fit)} fit, ${mb(first.judge)} judge`,
      `demo.yaml in its own process: 72 sample parts uploaded, fitted, first camera part judged in ${ready.toFixed(0)} s`,
    );
    while (Object.keys(runtimesOf(pid)).length > 0) await sleep(200);
    restAt = (performance.now() - started) / 1000;
    const resting = watching();
    await sleep(REST_WINDOW_S * 1000);
    const rest = resting.stop();
    report(
      'inspection demo: gateway at rest between two parts',
      `${mb(rest.gateway)}, runtime ${mb(rest.fit || rest.judge)}`,
      `largest over ${REST_WINDOW_S} s from ${restAt.toFixed(0)} s after start, the runtime ended (${IDLE_SECONDS} s idle here, 120 s in demo.yaml); demo.yaml's camera drops a part every 5 min`,
    );
    const part = watching();
    const before = judged();
    const t0 = performance.now();
    dropImage(watch, 'bench-part.png', encodePng(renderPart({ size: 256, seed: 77 })));
    while (judged() === before) await sleep(100);
    const seconds = (performance.now() - t0) / 1000;
    const onePart = part.stop();
    report(
      'inspection demo: one part judged',
      `gateway max ${mb(onePart.gateway)}, runtime max ${mb(onePart.judge)}`,
      `${seconds.toFixed(1)} s from drop to judged (poll, runtime start, judgment) with no runtime running before`,
    );
  } finally {
    await demo.stop();
  }
  await demoWithoutInspection(dir, restAt);
}

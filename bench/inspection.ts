/**
 * The inspection trial's benchmark: fitting 50 good images and judging one image at the Pi-sized settings (224 px,
 * MobileNetV2 to block 10, WASM backend, one thread), the model's size and the process memory, and the MQTT line → publish
 * latency of the same kit at rest and while a fit runs beside it in its worker thread.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parseKitConfig } from '../config/load.js';
import { topics } from '../edge/mqtt/topics.js';
import { DEFECT_KINDS, renderPart } from '../firmware-sim/camera/part.js';
import { encodePng } from '../firmware-sim/camera/png.js';
import { SimNode } from '../firmware-sim/node.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import type { InspectionService } from '../gateway/inspection/service.js';
import { startKit } from '../gateway/kit.js';
import { log, percentile, report } from './report.js';

const GOOD = 50;
const IMAGE_SIDE = 480;

async function makeTrial(service: InspectionService, id: string, good: number): Promise<void> {
  service.create({ id, name: id });
  // `good` images to learn from, 10 more held out for the threshold, and a defect of each kind.
  for (let i = 0; i < good + 10; i++)
    await service.upload(id, 'ok', null, `ok-${i}.png`, encodePng(renderPart({ size: IMAGE_SIDE, seed: i + 1 })));
  for (const [k, defect] of DEFECT_KINDS.entries()) {
    await service.upload(id, 'ng', defect, `${defect}.png`, encodePng(renderPart({ size: IMAGE_SIDE, seed: 900 + k, defect })));
  }
  // Held out: exactly 10, so `good` are learned from.
  const trial = service.get(id);
  trial.settings.heldOutShare = 10 / (good + 10);
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
    inspection: { imageSize: 224 },
  });
  const kit = await startKit({ config, log, baseDir: dir });
  const service = (kit.inspection as { service: InspectionService }).service;
  try {
    await makeTrial(service, 'warm-up', 4);
    await makeTrial(service, 'bench', GOOD);

    const rest = await publishLatency(kit, pair.nodeLink, 1500);
    report(
      'inspection: line → MQTT publish at rest',
      `p50 ${percentile(rest.latency, 50).toFixed(1)} ms, p99 ${percentile(rest.latency, 99).toFixed(1)} ms`,
      `${rest.latency.length} lines at 100 lines/s, same kit, no fit running`,
    );

    // The first fit loads the network and JIT-compiles; the measured one is the second.
    service.startFit('warm-up');
    await service.fitSettled('warm-up');
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    service.startFit('bench');
    const fit = service.fitSettled('bench');
    const during = await publishLatency(kit, pair.nodeLink, 1500, fit);
    const trial = await fit;
    const fitSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    report(
      'inspection: line → MQTT publish during a fit',
      `p50 ${percentile(during.latency, 50).toFixed(1)} ms, p99 ${percentile(during.latency, 99).toFixed(1)} ms`,
      `${during.latency.length} lines at 100 lines/s while the fit below ran in its worker (${during.stillRunning ? 'fit outlasted the lines' : 'fit ended before the last line'})`,
    );
    const f = trial.fit;
    if (!f) throw new Error(`bench fit failed: ${trial.error?.message}`);
    report(
      'inspection: fit (PatchCore + template)',
      `${fitSeconds.toFixed(1)} s`,
      `${f.trainImages} good ${IMAGE_SIDE}² PNG learned, ${f.heldOutImages} held out + ${DEFECT_KINDS.length} defects scored; 224 px, bank ${f.bankSize} of ${f.goodPatches} patches`,
    );
    report('inspection: model on disk', `${(f.modelBytes / 1048576).toFixed(2)} MB`, `memory bank ${f.bankSize} × 256 float32 + template`);
    report(
      'inspection: gateway RSS peak during the fit',
      `${Math.round(peakRss / 1048576)} MB`,
      'whole process: gateway, both workers, WASM heaps',
    );

    const image = encodePng(renderPart({ size: IMAGE_SIDE, seed: 4242, defect: 'scratch' }));
    await service.judgeFile('bench', 'warm.png', image);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await service.judgeFile('bench', `j${i}.png`, encodePng(renderPart({ size: IMAGE_SIDE, seed: 5000 + i })));
      times.push(performance.now() - t0);
    }
    report(
      'inspection: judgment per image',
      `p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms`,
      `20 × ${IMAGE_SIDE}² PNG: decode, both scores, two heat-map PNGs (PNG encoding of the input not counted)`,
    );
    report(
      'inspection: AUROC on the bench trial',
      `${f.patchcore.auroc?.toFixed(3)} (template ${f.template.auroc?.toFixed(3)})`,
      `${f.heldOutImages} held-out good vs ${DEFECT_KINDS.length} defects`,
    );
  } finally {
    await kit.stop();
    await pair.close();
  }
}

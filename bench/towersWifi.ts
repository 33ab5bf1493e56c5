/** Signal towers and Wi-Fi nodes: the tower stage's cost per simulated shift beside the CT stage's, and how fast the kit takes a Wi-Fi node's backlog. */
import { parseKitConfig } from '../config/load.js';
import { createEdge } from '../edge/edge.js';
import { initialMachineMemory, stepMachineState } from '../edge/stages/machineState.js';
import {
  advanceTower,
  DEFAULT_MEANING,
  initialTowerMemory,
  type LampSample,
  stepTower,
  type TowerSettings,
} from '../edge/stages/signalTower.js';
import { WifiUplink } from '../firmware-sim/wifi/uplink.js';
import { startBroker } from '../gateway/broker/broker.js';
import { log, report, sleep } from './report.js';

const SHIFT_S = 8 * 3600;

/** A three-lamp tower over an 8-hour shift: green on and off every few minutes, yellow and red blinking at 1–2 Hz in between. */
function shiftOfEdges(): LampSample[] {
  const t0 = Date.UTC(2025, 5, 2, 0, 0, 0);
  const samples: LampSample[] = [{ ts: t0, lamp: 'red', on: false }];
  let t = t0;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  while (t < t0 + SHIFT_S * 1000) {
    samples.push({ ts: t, lamp: 'green', on: true });
    t += 60_000 + random() * 600_000;
    samples.push({ ts: t, lamp: 'green', on: false });
    const lamp = random() < 0.3 ? 'red' : 'yellow';
    const until = t + 20_000 + random() * 120_000;
    for (let on = true; t < until; on = !on) {
      samples.push({ ts: t, lamp, on });
      t += 250 + random() * 250;
    }
    samples.push({ ts: t, lamp, on: false });
    t += 1000;
  }
  return samples;
}

function towerStage(): void {
  const settings: TowerSettings = { lamps: ['red', 'yellow', 'green'], meaning: DEFAULT_MEANING, glitchMs: 80, blinkPhaseMaxMs: 1500 };
  const samples = shiftOfEdges();
  const runs = 20;
  const end = (samples.at(-1) as LampSample).ts;
  const ticks = Math.floor((end - (samples[0] as LampSample).ts) / 1000) + 1;
  let changes = 0;
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    let memory = initialTowerMemory();
    let next = 0;
    // The edge's timer: one advance a second, the edges between.
    for (let tick = samples[0]?.ts as number; tick <= end; tick += 1000) {
      const step = advanceTower(settings, memory, tick);
      memory = step.memory;
      changes += step.changes.length;
      while (next < samples.length && (samples[next] as LampSample).ts < tick + 1000) {
        const out = stepTower(settings, memory, samples[next++] as LampSample);
        memory = out.memory;
        changes += out.changes.length;
      }
    }
  }
  const towerMs = (performance.now() - started) / runs;

  // The baseline: a CT machine's stage over the same shift, one sample a second.
  const baselineStarted = performance.now();
  for (let r = 0; r < runs; r++) {
    let memory = initialMachineMemory();
    const settings = { idleAbove: 0.5, runAbove: 4, hysteresis: 0.2, minDwellMs: 5000, silentAfterMs: 30_000 };
    for (let s = 0; s < SHIFT_S; s++) memory = stepMachineState(settings, memory, { ts: s * 1000, amps: s % 600 < 300 ? 12 : 0.1 }).memory;
  }
  const ctMs = (performance.now() - baselineStarted) / runs;
  report(
    'signal tower stage, 8-hour shift',
    `${towerMs.toFixed(1)} ms (${Math.round((samples.length + ticks) / (towerMs / 1000)).toLocaleString('en')} steps/s)`,
    `${samples.length.toLocaleString('en')} lamp edges (blinks at 1–2 Hz) + ${ticks.toLocaleString('en')} one-second ticks, ${Math.round(changes / runs)} state changes; CT stage for the same shift (28,800 samples): ${ctMs.toFixed(1)} ms`,
  );
}

/** A node comes back after an outage with `backlog` readings in its ring: how long until the edge has taken them all. */
async function backlogDrain(backlog: number, maxInFlight: number): Promise<number> {
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    sources: { network: [{ id: 'node-w', silentAfterSeconds: 30 }] },
    machines: [{ id: 'm1', name: 'm1', source: { node: 'node-w', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } }],
    zones: [{ id: 'z1', name: 'z1', source: { node: 'node-w', channel: 'env1' } }],
    storage: { retention: { raw: 'INF' } },
    broker: {
      host: '127.0.0.1',
      port: 0,
      accounts: [{ username: 'node-w', role: 'node', node: 'node-w', password: 'bench-node-password' }],
    },
  });
  const broker = await startBroker({ config, log });
  // The edge inside the gateway, as a kit runs it: straight into the broker.
  const publish = broker.publisherFor({ username: 'edge-bench', role: 'edge' });
  const edge = createEdge({ config, broker: { publish, subscribe: broker.subscribe }, log });
  await edge.start();
  // The node measured one current reading a second (and climate every other) for the length of the outage.
  let now = 1_000_000;
  const uplink = new WifiUplink({
    url: `mqtt://127.0.0.1:${broker.port}`,
    username: 'node-w',
    password: 'bench-node-password',
    kit: 'bench',
    node: 'node-w',
    firmware: '1.0.0',
    channels: [
      { id: 'ct1', kind: 'current' },
      { id: 'env1', kind: 'climate' },
    ],
    ringCapacity: backlog,
    maxInFlight,
    monotonic: () => now,
  });
  for (let i = 0; i < backlog; i++) {
    uplink.add(
      i % 3 === 2 ? { kind: 'climate', channel: 'env1', temperatureC: 25, humidityPct: 50 } : { kind: 'current', amps: { ct1: 12 } },
    );
    now += 667;
  }
  const taken = () => edge.health().nodes['node-w']?.frames ?? 0;
  const started = performance.now();
  uplink.start();
  while (taken() < backlog) {
    if (performance.now() - started > 300_000) throw new Error(`the edge took ${taken()} of ${backlog} readings in 5 min`);
    await sleep(5);
  }
  const ms = performance.now() - started;
  await uplink.stop();
  await edge.stop();
  await broker.stop();
  return ms;
}

export async function towersWifiBench(): Promise<void> {
  towerStage();
  for (const backlog of [900, 9000]) {
    const windowed = await backlogDrain(backlog, 8);
    const oneByOne = await backlogDrain(backlog, 1);
    report(
      `Wi-Fi node backlog of ${backlog} readings taken`,
      `${(windowed / 1000).toFixed(2)} s (${Math.round(backlog / (windowed / 1000))}/s)`,
      `${Math.round((backlog * 0.667) / 60)} min of outage; status, clock and every reading through the broker's admission to the edge's stages; 8 awaiting PUBACK (1 at a time: ${(oneByOne / 1000).toFixed(2)} s)`,
    );
  }
}

/** The inspection trial as one part of the kit: the service, its live stations, and the demo's ready-made trial. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import type { Payload } from '../../edge/mqtt/topics.js';
import type { StoredPoint } from '../storage/point.js';
import type { RuntimeFailure, RuntimeStatus } from './runtime.js';
import { InspectionService } from './service.js';
import { InspectionStation, type StationStatus } from './station.js';

export const DEMO_TRIAL_ID = 'demo-plate';

export interface InspectionDeps {
  config: KitConfig;
  /** <dataDir>/inspection */
  dir: string;
  /** Resolves relative watch folders. */
  baseDir: string;
  log: Logger;
  publish: (station: string, payload: Payload<'inspectionResult'>) => void;
  store: (points: StoredPoint[]) => void;
}

/** The health report's view: where the inspection computes, what that costs now, and how often the runtime failed. */
export interface InspectionHealth {
  /** Child processes, each alive only while it has work (and `inspection.runtime.idleSeconds` after). */
  runtimes: { fit: RuntimeStatus; judge: RuntimeStatus };
  restarts: number;
  lastError: RuntimeFailure | null;
}

export interface Inspection {
  service: InspectionService;
  health(): InspectionHealth;
  stations(): StationStatus[];
  station(id: string): InspectionStation | undefined;
  /**
   * Builds the demo trial from a folder of sample images (ok/…, ng/<defect>/…) and fits it, unless it has a model already. A start
   * that stopped half-way (while uploading, or mid-fit) left a draft: this adds the images it lacks and fits it.
   */
  ensureDemoTrial(sampleDir: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createInspection(deps: InspectionDeps): Inspection {
  const { config, log } = deps;
  const service = new InspectionService({ dir: join(deps.dir, 'trials'), config: config.inspection, log });
  const stations = new Map(
    config.inspection.stations.map((station) => [
      station.id,
      new InspectionStation({
        config: { ...station, watch: resolve(deps.baseDir, station.watch) },
        kitId: config.kit.id,
        timeZone: config.kit.timeZone,
        dir: join(deps.dir, 'stations', station.id),
        service,
        publish: (payload) => deps.publish(station.id, payload),
        store: deps.store,
        log,
      }),
    ]),
  );
  return {
    service,
    stations: () => [...stations.values()].map((station) => station.status()),
    station: (id) => stations.get(id),
    health() {
      const runtimes = service.runtimes();
      const errors = [runtimes.fit.lastError, runtimes.judge.lastError].filter((e): e is RuntimeFailure => e !== null);
      return {
        runtimes,
        restarts: runtimes.fit.restarts + runtimes.judge.restarts,
        lastError: errors.sort((a, b) => b.at - a.at)[0] ?? null,
      };
    },
    async ensureDemoTrial(sampleDir) {
      const known = service.store.read(DEMO_TRIAL_ID);
      if (known?.fit) return;
      if (!known)
        service.create({
          id: DEMO_TRIAL_ID,
          name: 'デモ: 穴あきプレート / Demo: punched plate',
          product: '穴あきプレート（合成画像） / punched plate (synthetic images)',
          camera: '固定治具・上方照明（模擬） / fixed jig, top light (simulated)',
        });
      // An image the trial already holds is recognised by its content and kept as it is, so only the missing ones are read.
      for (const file of listFiles(sampleDir)) {
        const folders = relative(sampleDir, file).split('/');
        const role = folders[0] === 'ng' ? 'ng' : 'ok';
        const label = role === 'ng' ? (folders[1] ?? null) : null;
        await service.upload(DEMO_TRIAL_ID, role, label, relative(sampleDir, file), readFileSync(file));
      }
      service.startFit(DEMO_TRIAL_ID);
      const trial = await service.fitSettled(DEMO_TRIAL_ID);
      if (trial.status !== 'fitted')
        throw Object.assign(new Error(`the demo trial's fit ended without a model: ${trial.error?.message ?? trial.status}`), {
          code: trial.error?.code,
        });
      log.info({ trial: DEMO_TRIAL_ID }, 'demo inspection trial ready');
    },
    start() {
      for (const station of stations.values()) station.start();
    },
    async stop() {
      await Promise.all([...stations.values()].map((station) => station.stop()));
      await service.stop();
    },
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

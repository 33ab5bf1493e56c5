/** Wires the inspection trial into a running kit: MQTT and InfluxDB for live results, the demo's camera and ready-made trial. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import { topics } from '../../edge/mqtt/topics.js';
import type { Broker } from '../broker/broker.js';
import { firmwareSimScript } from '../demo/simulators.js';
import type { InspectionRoutesOptions } from '../http/routes/inspection.js';
import type { PointBuffer } from '../storage/pointBuffer.js';
import { createInspection, type Inspection } from './inspection.js';

// Built, beside dist/gateway; from the sources (tests), the build's copy.
const CAMERA_CLI = firmwareSimScript('camera/cli.js');

export interface InspectionPartDeps {
  config: KitConfig;
  dataDir: string;
  baseDir: string;
  broker: Broker;
  buffer: PointBuffer;
  log: Logger;
  runSimulators: boolean;
}

export function startInspection(deps: InspectionPartDeps): {
  inspection: Inspection;
  routes: InspectionRoutesOptions;
  stop(): Promise<void>;
} {
  const { config, log } = deps;
  const inspection = createInspection({
    config,
    dir: join(deps.dataDir, 'inspection'),
    baseDir: deps.baseDir,
    log,
    publish: (station, payload) =>
      deps.broker.aedes.publish(
        {
          cmd: 'publish',
          topic: topics.inspectionResult(config.kit.id, station),
          payload: Buffer.from(JSON.stringify(payload)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (error) => {
          if (error) log.warn({ station, err: error.message }, 'inspection result not published');
        },
      ),
    store: (points) => deps.buffer.addMany(points),
  });
  inspection.start();

  const cameras: ChildProcess[] = [];
  let stopping = false;
  if (deps.runSimulators) {
    for (const station of config.inspection.stations) {
      if (!station.simulator) continue;
      const child = spawn(
        process.execPath,
        [
          CAMERA_CLI,
          '--drop',
          resolve(deps.baseDir, station.watch),
          '--interval',
          String(station.simulator.intervalSeconds),
          '--defect-rate',
          String(station.simulator.defectRate),
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      child.on('exit', (code, signal) => {
        if (!stopping) log.error({ station: station.id, code, signal }, 'simulated inspection camera exited');
      });
      cameras.push(child);
    }
  }
  if (config.inspection.demoTrial) {
    // In the background: the kit is usable at once, the demo trial appears when its fit is done (a minute on a Pi 4).
    const sample = join(deps.dataDir, 'inspection', 'demo-sample');
    void (async () => {
      if (!existsSync(sample)) {
        // Written aside and moved in whole: a start stopped while writing it leaves no half sample to fit from.
        const partial = `${sample}.partial`;
        rmSync(partial, { recursive: true, force: true });
        await promisify(execFile)(process.execPath, [CAMERA_CLI, '--sample', partial, '--good', '60', '--per-defect', '3']);
        renameSync(partial, sample);
      }
      await inspection.ensureDemoTrial(sample);
    })().catch((error: Error & { code?: string }) => log.error({ err: error.message, code: error.code }, 'demo inspection trial not made'));
  }

  return {
    inspection,
    routes: {
      inspection,
      bodyLimit: config.inspection.maxUploadMegabytes * 1048576,
      // The PDF stack loads with the first report, not with every kit.
      report: async (trial) => (await import('./report.js')).renderInspectionReport(trial, inspection.service.store, config),
    },
    async stop() {
      stopping = true;
      for (const child of cameras) child.kill('SIGTERM');
      await inspection.stop();
    },
  };
}

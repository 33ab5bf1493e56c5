/** Starts a whole kit from its config: storage, broker, ingest, the in-process edge and the HTTP server; stops it gracefully. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { type KitConfig, MAX_QUEUED_POINTS } from '../config/schema.js';
import { createEdge, type Edge, type EdgeOptions } from '../edge/edge.js';
import { createAlarmEngine } from './alarms/engine.js';
import { createAlarmHistory } from './alarms/history.js';
import { Sessions } from './auth/sessions.js';
import { offerSetupCode } from './auth/setupCode.js';
import { AuthStore } from './auth/store.js';
import { type Broker, startBroker } from './broker/broker.js';
import { lockDataDir } from './dataLock.js';
import { backfillDemo } from './demo/backfill.js';
import { startSimulators } from './demo/simulators.js';
import { createHistoryStore } from './history/historyStore.js';
import { buildApp } from './http/app.js';
import { createIngest } from './ingest.js';
import { markDataFolder } from './kitlife/dataFolder.js';
import { createKitLife } from './kitlife/kitLife.js';
import { serveLocal } from './kitlife/localSocket.js';
import { writeRunInfo } from './kitlife/runInfo.js';
import { createVitals, startWatchdog } from './kitlife/watchdog.js';
import { listenOnPort, localUrlHost } from './listen.js';
import { createLiveModel } from './live/liveModel.js';
import { createNotifier } from './notify/notifier.js';
import { ensurePrivateDir } from './privateFiles.js';
import { createProductionService } from './production/service.js';
import { createProductionStore } from './production/store.js';
import { DeadLetters } from './storage/deadLetters.js';
import { connectInflux, InfluxSink } from './storage/influxSink.js';
import { type ManagedInfluxd, startInfluxd } from './storage/managedInfluxd.js';
import { PointBuffer } from './storage/pointBuffer.js';
import { downsampleRange, ensureSchema } from './storage/schema.js';
import { Spool } from './storage/spool.js';
import { startOfLocalDay } from './utilization/timeZone.js';

export interface KitOptions {
  config: KitConfig;
  log: Logger;
  /** Folder that relative paths in the config (dataDir, pty paths) are resolved against. */
  baseDir?: string;
  /** Start the simulators that the config declares (the demo); tests start their own. */
  runSimulators?: boolean;
  dashboardDir?: string;
  /** A person watches the console (a terminal, not the journal): the setup code may be shown there rather than put in a file. */
  setupCodeOnConsole?: boolean;
  /** How long a port another program holds is waited for (default 30 s); tests shorten it. */
  portWaitMs?: number;
  /** The kit file: calibration writes accepted thresholds into it (and an admin's stop reasons), and changed thresholds in it are applied live. */
  configFile?: string;
  /** Sets the system clock (tests replace `date -s`, which would change the machine's clock). */
  setClock?: (ms: number) => Promise<void>;
  /** Builds the in-process edge's sources instead of the real drivers (tests give GPIO a fake board through this). */
  createSource?: EdgeOptions['createSource'];
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's dashboard/dist, built by `npm run build`: two levels up from dist/gateway, one from the sources. */
const DASHBOARD_DIR = [join(here, '..', '..', 'dashboard', 'dist'), join(here, '..', 'dashboard', 'dist')].find((dir) => existsSync(dir));

export async function startKit(options: KitOptions) {
  const { config, log } = options;
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const dataDir = resolve(baseDir, config.dataDir);
  ensurePrivateDir(dataDir);
  markDataFolder(dataDir);
  const unlock = lockDataDir(dataDir);
  const startedAt = Date.now();
  const failures: Record<string, string> = {};

  // What has been started so far, so that a part failing to start (a port in use, say) leaves nothing running behind it.
  const undo: (() => unknown)[] = [unlock, () => clearTimeout(schemaTimer)];
  let schemaTimer: NodeJS.Timeout | undefined;
  try {
    // Storage first, so that nothing the broker accepts has nowhere to go.
    const influxd: ManagedInfluxd | undefined = config.storage.influx
      ? undefined
      : await startInfluxd({ dir: join(dataDir, 'influxdb'), log: log.child({ part: 'influxd' }) });
    if (influxd) undo.push(() => influxd.stop());
    const influxAccess = config.storage.influx ?? (influxd as ManagedInfluxd).access;
    const url = influxAccess.url;
    const influx = connectInflux({ ...influxAccess, database: config.storage.database });
    const spool = await Spool.open({
      dir: join(dataDir, 'spool'),
      maxBytes: config.storage.spool.maxMegabytes * 1024 * 1024,
      segmentBytes: config.storage.spool.segmentMegabytes * 1024 * 1024,
      fsyncIntervalMs: config.storage.spool.fsyncIntervalMs,
      keepFreeBytes: config.storage.spool.keepFreeMegabytes * 1024 * 1024,
      log: log.child({ part: 'spool' }),
    });
    const deadLetters = new DeadLetters({
      dir: join(dataDir, 'dead-letters'),
      maxBytes: config.storage.deadLetters.maxMegabytes * 1024 * 1024,
      log: log.child({ part: 'dead-letters' }),
    });
    const buffer = new PointBuffer({
      sink: new InfluxSink(influx, { retention: config.storage.retention }),
      spool,
      deadLetters,
      batchSize: config.storage.batchSize,
      maxQueuedPoints: MAX_QUEUED_POINTS,
      flushIntervalMs: config.storage.flushIntervalMs,
      log: log.child({ part: 'buffer' }),
    });
    undo.push(() => buffer.stop());
    // An external InfluxDB may be down at start: keep trying to create the schema while the spool holds the points.
    let schemaReady = false;
    const ensure = async (): Promise<void> => {
      try {
        await ensureSchema(influx, config.storage.database, config.storage.retention);
        schemaReady = true;
        delete failures.schema;
      } catch (error) {
        failures.schema = (error as Error).message;
        log.warn({ err: (error as Error).message }, 'InfluxDB schema not ready, retrying in 5 s');
        schemaTimer = setTimeout(() => void ensure(), 5000);
      }
    };
    await ensure();

    const ingest = createIngest(config, (points) => buffer.addMany(points), log.child({ part: 'ingest' }));
    const broker: Broker = await startBroker({ config, baseDir, log: log.child({ part: 'broker' }), portWaitMs: options.portWaitMs });
    undo.push(() => broker.stop());
    const live = createLiveModel(config);
    const notifier = createNotifier({ config, log: log.child({ part: 'notify' }) });
    // After the live model: open alarms restored from disk are pushed into it at start.
    const alarms = createAlarmEngine({
      config,
      dataDir,
      log: log.child({ part: 'alarms' }),
      publish: (topic, payload, retain) =>
        broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (error) => {
          if (error) log.warn({ topic, err: error.message }, 'alarm not published');
        }),
      store: (points) => buffer.addMany(points),
      onAlarm: (alarm) => live.setAlarm(alarm),
      onNotify: (event) => notifier.notify(event),
      history: createAlarmHistory(influx, config.storage.database, config.kit.id),
    });
    broker.onPublish((packet) => {
      ingest.handle(packet.topic, packet.payload as Buffer);
      live.handle(packet.topic, packet.payload as Buffer);
      alarms.handle(packet.topic, packet.payload as Buffer);
    });
    const alarmTimer = setInterval(() => alarms.tick(), 5000);
    undo.push(() => {
      clearInterval(alarmTimer);
      alarms.stop();
      return notifier.stop();
    });

    const simulators = options.runSimulators
      ? startSimulators({
          config,
          baseDir,
          log,
          onExit: (what, code, signal) => {
            if (!stopping) log.error({ ...what, code, signal }, 'simulator exited');
          },
        })
      : [];
    for (const child of simulators) undo.push(() => child.kill('SIGTERM'));
    // The demo's past days, filled once in the background: the dashboard is usable meanwhile.
    const backfillAbort = new AbortController();
    const backfill = options.runSimulators
      ? backfillDemo({
          config,
          dataDir,
          sink: new InfluxSink(influx, { retention: config.storage.retention }),
          downsample: (from, to) => downsampleRange(influx, config.storage.database, from, to),
          log: log.child({ part: 'demo' }),
          signal: backfillAbort.signal,
        }).catch((error: Error) => log.warn({ err: error.message }, 'demo history not filled; trying again at the next start'))
      : Promise.resolve();
    undo.push(() => backfillAbort.abort());

    let edge: Edge | undefined;
    if (!config.edge) {
      // Straight into the broker, as its edge account: no MQTT client stack and no session that anyone could take over.
      const publish = broker.publisherFor({ username: `edge-${config.kit.id}`, role: 'edge' });
      const localConfig = {
        ...config,
        sources: {
          ...config.sources,
          serial: config.sources.serial.map((s) => ({ ...s, path: resolve(baseDir, s.path) })),
          modbus: config.sources.modbus.map((b) => ({ ...b, path: resolve(baseDir, b.path) })),
        },
      };
      edge = createEdge({
        config: localConfig,
        broker: { publish, subscribe: broker.subscribe },
        log: log.child({ part: 'edge' }),
        ...(options.createSource ? { createSource: options.createSource } : {}),
      });
      undo.push(() => edge?.stop());
      await edge.start();
    }

    const health = () => {
      const storage = { ...buffer.stats(), spool: spool.stats, deadLetters: deadLetters.stats(), influxd: influxd?.status() ?? null };
      const ingestStats = ingest.stats();
      return {
        ok:
          schemaReady &&
          storage.state === 'direct' &&
          (storage.influxd === null || storage.influxd.state === 'running') &&
          Object.keys(failures).length === 0,
        kit: config.kit.id,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        rssMb: Math.round(process.memoryUsage().rss / 1048576),
        edge: edge?.health() ?? null,
        broker: broker.stats(),
        ingest: ingestStats,
        storage,
        lagMs: ingestStats.lastReadingAt ? Date.now() - ingestStats.lastReadingAt : null,
        notifications: notifier.stats(),
        // Signed-in browsers and tablets, and how many a bound pushed out (a flood of logins or kiosk visits shows here).
        sessions: sessions.stats(),
        inspection: inspection?.inspection.health() ?? null,
        failures,
      };
    };
    const auth = new AuthStore(join(dataDir, 'auth'));
    const sessions = new Sessions({ file: join(dataDir, 'auth', 'sessions.json') });
    // No default password: until an admin exists, a one-time code on the console (never logged) or in an owner-only file creates one.
    const setup = offerSetupCode(auth, { dataDir, onConsole: options.setupCodeOnConsole ?? false, log });
    const history = createHistoryStore(influx, config);

    // Today's 稼働率 for the tablet tiles, from the stored timeline; once a minute is plenty for a number that moves slowly.
    const refreshUtilization = async () => {
      const now = Date.now();
      const dayStart = startOfLocalDay(now, config.kit.timeZone);
      for (const machine of config.machines) {
        try {
          const { rows } = await history.utilization(machine.id, dayStart, now, 'day');
          // Of the planned time the kit saw: a kit plugged in at 10:00 does not count 08:30–10:00 as standing still.
          const seen = rows.reduce((sum, r) => sum + r.plannedMs - r.noDataMs, 0);
          const run = rows.reduce((sum, r) => sum + r.runMs, 0);
          live.setUtilizationToday(machine.id, seen > 0 ? run / seen : null);
        } catch (error) {
          log.debug({ machine: machine.id, err: (error as Error).message }, 'utilization not available yet');
        }
      }
    };
    void refreshUtilization();
    const utilizationTimer = setInterval(() => void refreshUtilization(), 60_000);
    undo.push(() => clearInterval(utilizationTimer));

    let httpPort = config.http.port;
    const kitlife = createKitLife({
      config,
      ...(options.configFile ? { configFile: options.configFile } : {}),
      dataDir,
      influx,
      log: log.child({ part: 'kitlife' }),
      startedAt,
      ...(edge ? { edge } : {}),
      brokerPort: () => broker.port,
      dashboardUrl: () => `${config.http.tls ? 'https' : 'http'}://${localUrlHost(config.http.host)}:${httpPort}${config.http.basePath}`,
      ...(options.setClock ? { setClock: options.setClock } : {}),
    });
    undo.push(() => kitlife.stop());
    broker.onPublish((packet) => kitlife.handle(packet.topic, packet.payload as Buffer));
    // A capability the kit file may not use is imported where it starts (docs/memory.md): TensorFlow.js and pdfkit otherwise.
    const inspection = config.inspection.enabled
      ? (await import('./inspection/kitPart.js')).startInspection({
          config,
          dataDir,
          baseDir,
          broker,
          buffer,
          log: log.child({ part: 'inspection' }),
          runSimulators: options.runSimulators ?? false,
        })
      : undefined;
    if (inspection) undo.push(() => inspection.stop());

    // Stop reasons, counts, the board and OEE: read from storage on a timer and on request, never on the data path.
    const production = createProductionService({
      config,
      ...(options.configFile ? { configFile: options.configFile } : {}),
      history,
      store: createProductionStore(influx, config.storage.database, config.kit.id),
      write: (points) => buffer.addMany(points),
      publish: (topic, payload, retain) =>
        broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (error) => {
          if (error) log.warn({ topic, err: error.message }, 'production message not published');
        }),
      onMachine: (input) => alarms.production(input),
      log: log.child({ part: 'production' }),
    });
    production.start();
    undo.push(() => production.stop());

    const app = buildApp({
      config,
      health,
      auth,
      sessions,
      live,
      history,
      alarms,
      notifier,
      kitlife,
      ...(inspection ? { inspection: inspection.routes } : {}),
      production,
      dashboardDir: options.dashboardDir ?? DASHBOARD_DIR,
      log: log.child({ part: 'http' }),
    });
    undo.push(() => app.close());
    const { host, port } = config.http;
    await listenOnPort(() => app.listen({ host, port }), { part: 'http', host, port, log, waitMs: options.portWaitMs });
    const address = app.server.address();
    httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    // The ports this run chose, for doctor and the other commands beside the kit.
    const removeRunInfo = writeRunInfo(dataDir, {
      pid: process.pid,
      httpPort,
      brokerPort: broker.port,
      https: Boolean(config.http.tls),
      basePath: config.http.basePath,
      startedAt,
    });
    undo.push(removeRunInfo);
    const closeLocal = serveLocal(dataDir, { '/doctor': () => kitlife.doctor() }, log.child({ part: 'kitlife' }));
    undo.push(closeLocal);
    // Under systemd: READY now, and the watchdog fed only while serial data flows and storage takes points.
    const vitals = createVitals(config.sources.serial.length, startedAt);
    const watchdog = startWatchdog({ vitals: () => vitals(health()), log: log.child({ part: 'watchdog' }) });
    watchdog.ready();
    undo.push(() => watchdog.stop());

    let stopping = false;
    return {
      brokerPort: broker.port,
      /** MQTT over TLS, when broker.tls is set. */
      brokerTlsPort: broker.tlsPort,
      httpPort,
      influxUrl: url,
      /** Where the kit's InfluxDB is and the account it uses (the private influxd has auth on). */
      influxAccess,
      health,
      auth,
      live,
      alarms,
      inspection: inspection?.inspection,
      production,
      /** Shown once on the console when the kit has no user yet and a person watches it; else the file that holds it. */
      setupCode: setup.code,
      setupCodeFile: setup.file,
      /** Graceful: sources stop, queued messages drain, the buffer flushes to InfluxDB or the spool, influxd stops last. */
      async stop(): Promise<void> {
        if (stopping) return;
        stopping = true;
        watchdog.stop();
        clearTimeout(schemaTimer);
        clearInterval(utilizationTimer);
        await production.stop();
        for (const child of simulators) child.kill('SIGTERM');
        backfillAbort.abort();
        await backfill;
        await edge?.stop();
        clearInterval(alarmTimer);
        alarms.stop();
        await notifier.stop();
        await app.close();
        kitlife.stop();
        await closeLocal();
        removeRunInfo();
        await inspection?.stop();
        sessions.flush();
        await broker.stop();
        await buffer.stop();
        await influxd?.stop();
        unlock();
        log.info('kit stopped');
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {} // cleaning up after a failed start: the original error is what matters
    }
    throw error;
  }
}

export type Kit = Awaited<ReturnType<typeof startKit>>;

/** The whole HTTP app for tests that need no InfluxDB answer: every part real, storage pointed at a closed port. */
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { KitConfig } from '../../config/schema.js';
import { createAlarmEngine } from '../../gateway/alarms/engine.js';
import { Sessions } from '../../gateway/auth/sessions.js';
import { AuthStore } from '../../gateway/auth/store.js';
import { createHistoryStore } from '../../gateway/history/historyStore.js';
import { buildApp } from '../../gateway/http/app.js';
import { createLiveModel } from '../../gateway/live/liveModel.js';
import { createNotifier } from '../../gateway/notify/notifier.js';
import { createProductionService } from '../../gateway/production/service.js';
import { createProductionStore } from '../../gateway/production/store.js';
import { connectInflux } from '../../gateway/storage/influxSink.js';
import { testLog } from './log.js';

export function buildTestApp(
  config: KitConfig,
  dir: string,
  dashboardDir = join(dir, 'no-dashboard'),
  health: () => Record<string, unknown> & { ok: boolean } = () => ({ ok: true }),
  log?: FastifyBaseLogger,
) {
  const auth = new AuthStore(join(dir, 'auth'));
  const live = createLiveModel(config);
  const alarms = createAlarmEngine({
    config,
    dataDir: dir,
    log: testLog,
    publish: () => {},
    store: () => {},
    onAlarm: (alarm) => live.setAlarm(alarm),
    onNotify: () => {},
  });
  const influx = connectInflux({ url: 'http://127.0.0.1:9', database: 'x' });
  const history = createHistoryStore(influx, config);
  const production = createProductionService({
    config,
    history,
    store: createProductionStore(influx, 'x', config.kit.id),
    write: () => {},
    publish: () => {},
    log: testLog,
  });
  const app = buildApp({
    config,
    health,
    auth,
    sessions: new Sessions(),
    live,
    // An InfluxDB that does not answer: history and production routes answer 503.
    history,
    alarms,
    notifier: createNotifier({ config, log: testLog }),
    production,
    dashboardDir,
    ...(log ? { log } : {}),
  });
  app.addHook('onClose', async () => alarms.stop());
  return { app, auth, live, alarms };
}

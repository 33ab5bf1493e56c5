/** The kit's HTTP server as a fastify app factory (no listen inside): API, live events, auth and the built dashboard. */
import { existsSync, readFileSync } from 'node:fs';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { KitConfig } from '../../config/schema.js';
import type { AlarmEngine } from '../alarms/engine.js';
import type { Sessions } from '../auth/sessions.js';
import type { AuthStore } from '../auth/store.js';
import type { HistoryStore } from '../history/historyStore.js';
import type { KitLife } from '../kitlife/kitLife.js';
import type { LiveModel } from '../live/liveModel.js';
import type { Notifier } from '../notify/notifier.js';
import type { ProductionService } from '../production/service.js';
import { lazySchemaController } from './lazySchemas.js';
import { openapiOptions } from './openapi.js';
import { authPlugin, defaultAccess } from './plugins/auth.js';
import { securityHeaders } from './plugins/securityHeaders.js';
import { adminRoutes } from './routes/admin.js';
import { alarmRoutes } from './routes/alarms.js';
import { authRoutes } from './routes/auth.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { type InspectionRoutesOptions, inspectionRoutes } from './routes/inspection.js';
import { kitlifeRoutes } from './routes/kitlife.js';
import { liveRoutes } from './routes/live.js';
import { productionRoutes } from './routes/production.js';
import { reportRoutes } from './routes/report.js';

export interface AppDeps {
  config: KitConfig;
  /** The health report: counters of every part of the kit. */
  health: () => Record<string, unknown> & { ok: boolean };
  auth: AuthStore;
  sessions: Sessions;
  live: LiveModel;
  history: HistoryStore;
  alarms: AlarmEngine;
  notifier: Notifier;
  /** Doctor, clock and calibration (absent in tests that build the app without a kit). */
  kitlife?: KitLife;
  /** The visual-inspection trial, when the kit has it enabled. */
  inspection?: InspectionRoutesOptions;
  production: ProductionService;
  /** The built dashboard (dashboard/dist); without it the kit says how to build it. */
  dashboardDir?: string;
  log?: FastifyBaseLogger;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Minotake</title>
<p>ダッシュボードがビルドされていません。<code>npm run build</code> を実行してください。</p>
<p>The dashboard is not built: run <code>npm run build</code>.</p>`;

export function buildApp(deps: AppDeps): FastifyInstance {
  const { config } = deps;
  const tls = config.http.tls;
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log } : {}),
    ...(tls ? { https: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {}),
    // A tablet polls the kit all day: one log line per request would wear the SD card for nothing.
    logController: new LogController({ disableRequestLogging: true }),
    // Open event streams would otherwise keep a stopping gateway waiting for ever.
    forceCloseConnections: true,
    // Only the proxies the kit file names may speak for a client in X-Forwarded-*: believed from anybody, the header would
    // let every client claim any address, defeating the per-address limits and forging the addresses in the log.
    trustProxy: config.http.trustProxy.length > 0 ? config.http.trustProxy : false,
    schemaController: lazySchemaController,
  }) as unknown as FastifyInstance;
  const basePath = config.http.basePath;
  const authOptions = { store: deps.auth, sessions: deps.sessions, basePath, secureCookies: Boolean(tls) };

  app.register(fastifySwagger, openapiOptions(basePath));
  app.register(fastifyHelmet, securityHeaders({ tls: Boolean(tls) }));
  app.register(authPlugin, authOptions);

  // Everything lives under the base path, so a reverse proxy can put several kits behind one host name.
  app.register(
    async (kit) => {
      await kit.register(healthRoutes, { health: deps.health });
      kit.get('/api/openapi.json', { config: { access: 'viewer' }, schema: { hide: true } }, async () => app.swagger());
      await kit.register(authRoutes, authOptions);
      await kit.register(adminRoutes, authOptions);
      await kit.register(liveRoutes, { config, live: deps.live });
      await kit.register(historyRoutes, { history: deps.history, config });
      await kit.register(exportRoutes, { history: deps.history, config });
      await kit.register(alarmRoutes, { engine: deps.alarms });
      if (deps.kitlife) await kit.register(kitlifeRoutes, { kitlife: deps.kitlife });
      if (deps.inspection) await kit.register(inspectionRoutes, deps.inspection);
      await kit.register(reportRoutes, { config, history: deps.history, alarms: deps.alarms });
      await kit.register(productionRoutes, { production: deps.production, config });
      // Failed and suppressed notifications must be visible, not only logged.
      kit.get(
        '/api/notifications',
        {
          config: { access: 'operator' },
          schema: { description: 'Recent notification attempts and counters per channel. / 通知の送信状況。' },
        },
        async () => ({ stats: deps.notifier.stats(), recent: deps.notifier.recent() }),
      );
      await kit.register(async (assets) => {
        defaultAccess(assets, 'public');
        if (deps.dashboardDir && existsSync(deps.dashboardDir)) {
          await assets.register(fastifyStatic, {
            root: deps.dashboardDir,
            prefix: '/',
            index: 'index.html',
            cacheControl: false,
            // Hashed chunks never change; the page that names them must be fetched anew after a kit update.
            setHeaders: (res, path) =>
              res.header('cache-control', /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache'),
          });
        } else {
          assets.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
        }
      });
    },
    { prefix: basePath === '/' ? '' : basePath.slice(0, -1) },
  );
  if (basePath !== '/') {
    // Without the trailing slash every relative URL of the dashboard would point one folder too high.
    app.get(basePath.slice(0, -1), { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.redirect(basePath, 301),
    );
  }
  return app;
}

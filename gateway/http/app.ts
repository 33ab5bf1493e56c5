/** The kit's HTTP server as a fastify app factory (no listen inside); for now the health report. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';

export interface AppDeps {
  /** The health report: counters of every part of the kit. */
  health: () => Record<string, unknown> & { ok: boolean };
  log?: FastifyBaseLogger;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log } : {}),
    // A tablet polls the kit all day: one log line per request would wear the SD card for nothing.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get(
    '/api/health',
    {
      schema: {
        description: 'Counters of every part of the kit; 503 while a part is down. / キット各部のカウンタ。停止中の部品があれば 503。',
        response: { 200: { type: 'object', additionalProperties: true }, 503: { type: 'object', additionalProperties: true } },
      },
    },
    async (_request, reply) => {
      const report = deps.health();
      return reply.code(report.ok ? 200 : 503).send(report);
    },
  );
  return app;
}

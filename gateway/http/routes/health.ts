/** The health report: liveness for anyone (a monitor, a load balancer), every part's counters for a viewer or an API token. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

export interface HealthRoutesOptions {
  /** The health report: counters of every part of the kit. */
  health: () => Record<string, unknown> & { ok: boolean };
}

/** The kit's version from its package.json: three folders up from the sources, four from dist/. */
function kitVersion(): string {
  for (const up of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'minotake' && pkg.version) return pkg.version;
    } catch {} // not this folder
  }
  return 'unknown';
}

export const KIT_VERSION = kitVersion();

const Liveness = {
  type: 'object',
  required: ['ok', 'version'],
  properties: { ok: { type: 'boolean' }, version: { type: 'string' } },
  additionalProperties: true,
} as const;

export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  app.get(
    '/api/health',
    {
      // Public for liveness; the counters tell which machines run and which nodes are silent, so they need a principal.
      config: { access: 'public', identify: true },
      schema: {
        description:
          'Liveness (ok, version) for anyone; with a viewer session or an API token, the counters of every part of the kit. 503 while a ' +
          'part is down. / 死活（ok, version）は誰でも、各部のカウンタは閲覧以上のセッションか API トークンで。停止中の部品があれば 503。',
        response: { 200: Liveness, 503: Liveness },
      },
    },
    async (request, reply) => {
      const report = opts.health();
      reply.code(report.ok ? 200 : 503).header('cache-control', 'no-store');
      return request.principal ? { ...report, version: KIT_VERSION } : { ok: report.ok, version: KIT_VERSION };
    },
  );
}

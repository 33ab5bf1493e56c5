/** What a manager looks back at over the VPN: current and climate history, state timelines (Gantt) and 稼働率. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import { HistoryError, type HistoryStore } from '../../history/historyStore.js';
import { MAX_RANGE_DAYS, MachineRangeQuery, UtilizationQuery, ZoneRangeQuery } from '../historySchemas.js';
import { CurrentSeries, EnvironmentSeries, ErrorBody, Timeline, Utilization } from '../schemas.js';

export interface HistoryRoutesOptions {
  history: HistoryStore;
  config: KitConfig;
}

export type ErrorBodyType = Static<typeof ErrorBody>;

/** The error statuses every route here can answer with. */
export const errorResponses = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody };

/**
 * A query string that failed its schema. The routes validate with attachValidation and answer here, so the error has
 * the API's ErrorBody shape (with Japanese) whatever error handler the app around them has.
 */
export function invalidQuery(request: FastifyRequest): ErrorBodyType | undefined {
  const error = request.validationError;
  if (!error) return undefined;
  return {
    code: 'BAD_REQUEST',
    message: `invalid query string: ${error.message}`,
    messageJa: `クエリ文字列が正しくありません: ${error.message}`,
  };
}

export function badRange(from: number, to: number): ErrorBodyType | undefined {
  if (!(to > from))
    return { code: 'BAD_RANGE', message: 'to must be after from', messageJa: '終了 (to) は開始 (from) より後にしてください' };
  if (to - from > MAX_RANGE_DAYS * 86_400_000) {
    return {
      code: 'BAD_RANGE',
      message: `the range may be at most ${MAX_RANGE_DAYS} days`,
      messageJa: `期間は ${MAX_RANGE_DAYS} 日以内にしてください`,
    };
  }
  return undefined;
}

export const storageUnavailable: ErrorBodyType = {
  code: 'STORAGE_UNAVAILABLE',
  message: 'the history database does not answer; try again shortly',
  messageJa: '履歴データベースが応答しません。しばらくしてから再度お試しください',
};

/** Runs a store call: a HistoryError is the caller's mistake (404), anything else means InfluxDB is away (503). */
async function answer<T>(reply: FastifyReply, log: FastifyBaseLogger, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HistoryError)
      return reply.code(404).send({ code: error.code, message: error.message, messageJa: error.messageJa });
    log.error({ err: error }, 'history query failed');
    return reply.code(503).send(storageUnavailable);
  }
}

export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  const { history, config } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const machines = new Set(config.machines.map((m) => m.id));
  const zones = new Set(config.zones.map((z) => z.id));
  const unknown = (kind: 'machine' | 'zone', id: string): ErrorBodyType | undefined => {
    if ((kind === 'machine' ? machines : zones).has(id)) return undefined;
    return kind === 'machine'
      ? { code: 'NOT_FOUND', message: `unknown machine "${id}"`, messageJa: `機械「${id}」は登録されていません` }
      : { code: 'NOT_FOUND', message: `unknown zone "${id}"`, messageJa: `ゾーン「${id}」は登録されていません` };
  };

  r.get(
    '/api/history/current',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: MachineRangeQuery, response: { 200: CurrentSeries, ...errorResponses } },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { machine, from, to } = request.query;
      const missing = unknown('machine', machine);
      if (missing) return reply.code(404).send(missing);
      return answer(reply, request.log, () => history.currentSeries(machine, from, to));
    },
  );

  r.get(
    '/api/history/environment',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: ZoneRangeQuery, response: { 200: EnvironmentSeries, ...errorResponses } },
      // fast-json-stringify 7.3 rejects every value of a tuple item that is a union ([ms, number | null, …]: "Item at 1
      // does not match schema definition"), so this route keeps the contract's schema for documentation and
      // serialises with JSON.stringify; the store builds exactly the contract's shape, so nothing extra leaks out.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { zone, from, to } = request.query;
      const missing = unknown('zone', zone);
      if (missing) return reply.code(404).send(missing);
      return answer(reply, request.log, () => history.environmentSeries(zone, from, to));
    },
  );

  r.get(
    '/api/timeline',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: MachineRangeQuery, response: { 200: Timeline, ...errorResponses } },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { machine, from, to } = request.query;
      const missing = unknown('machine', machine);
      if (missing) return reply.code(404).send(missing);
      return answer(reply, request.log, () => history.timeline(machine, from, to));
    },
  );

  r.get(
    '/api/utilization',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: UtilizationQuery, response: { 200: Utilization, ...errorResponses } },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { machine, from, to, by } = request.query;
      const missing = unknown('machine', machine);
      if (missing) return reply.code(404).send(missing);
      return answer(reply, request.log, () => history.utilization(machine, from, to, by));
    },
  );
}

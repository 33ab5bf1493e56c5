/** What a manager looks back at over the VPN: current and climate history, state timelines (Gantt) and 稼働率. */
import type { Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import { HistoryError, type HistoryStore } from '../../history/historyStore.js';
import { describeError, LogThrottle } from '../../storage/failureLog.js';
import { MAX_RANGE_DAYS, MachineRangeQuery, UtilizationQuery, ZoneRangeQuery } from '../historySchemas.js';
import { CurrentSeries, EnvironmentSeries, ErrorBody, PowerSeries, Timeline, Utilization } from '../schemas.js';

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

export type StorageFailureLog = (log: FastifyBaseLogger, error: unknown, what: string) => void;

/**
 * Logs failed queries as message and code, the first at once and then one line a minute that says how many were held back:
 * while InfluxDB is away every chart a tablet polls fails, and each failure was logged with its stack (730 bytes a line).
 */
export function storageFailureLog(): StorageFailureLog {
  const throttle = new LogThrottle();
  return (log, error, what) => {
    const heldBack = throttle.take();
    if (heldBack !== undefined) log.error({ error: describeError(error), ...(heldBack ? { heldBack } : {}) }, what);
  };
}

/** Runs a store call: a HistoryError is the caller's mistake (404), anything else means InfluxDB is away (503). */
async function answer<T>(
  reply: FastifyReply,
  log: FastifyBaseLogger,
  logFailure: StorageFailureLog,
  work: () => Promise<T>,
): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HistoryError)
      return reply.code(404).send({ code: error.code, message: error.message, messageJa: error.messageJa });
    logFailure(log, error, 'history query failed');
    return reply.code(503).send(storageUnavailable);
  }
}

export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  const { history, config } = options;
  const logFailure = storageFailureLog();
  const machines = new Set(config.machines.map((m) => m.id));
  const zones = new Set(config.zones.map((z) => z.id));
  const unknown = (kind: 'machine' | 'zone', id: string): ErrorBodyType | undefined => {
    if ((kind === 'machine' ? machines : zones).has(id)) return undefined;
    return kind === 'machine'
      ? { code: 'NOT_FOUND', message: `unknown machine "${id}"`, messageJa: `設備「${id}」は登録されていません` }
      : { code: 'NOT_FOUND', message: `unknown zone "${id}"`, messageJa: `計測区域「${id}」は登録されていません` };
  };

  /** The steps every history route takes: a valid query and range, a configured machine or zone, then the store. */
  const ranged =
    <Q extends { from: number; to: number }>(kind: 'machine' | 'zone', idOf: (query: Q) => string, run: (query: Q) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      // The route's schema has already checked (and typed) the query when there is no validation error.
      const query = request.query as Q;
      const bad = invalidQuery(request) ?? badRange(query.from, query.to);
      if (bad) return reply.code(400).send(bad);
      const missing = unknown(kind, idOf(query));
      if (missing) return reply.code(404).send(missing);
      return answer(reply, request.log, logFailure, () => run(query));
    };
  type MachineQuery = Static<typeof MachineRangeQuery>;
  type ZoneQuery = Static<typeof ZoneRangeQuery>;
  type UtilizationQueryType = Static<typeof UtilizationQuery>;

  app.get(
    '/api/history/current',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: MachineRangeQuery, response: { 200: CurrentSeries, ...errorResponses } },
    },
    ranged<MachineQuery>(
      'machine',
      (q) => q.machine,
      (q) => history.currentSeries(q.machine, q.from, q.to),
    ),
  );

  app.get(
    '/api/history/power',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: MachineRangeQuery, response: { 200: PowerSeries, ...errorResponses } },
    },
    ranged<MachineQuery>(
      'machine',
      (q) => q.machine,
      (q) => history.powerSeries(q.machine, q.from, q.to),
    ),
  );

  app.get(
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
    ranged<ZoneQuery>(
      'zone',
      (q) => q.zone,
      (q) => history.environmentSeries(q.zone, q.from, q.to),
    ),
  );

  app.get(
    '/api/timeline',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: MachineRangeQuery, response: { 200: Timeline, ...errorResponses } },
    },
    ranged<MachineQuery>(
      'machine',
      (q) => q.machine,
      (q) => history.timeline(q.machine, q.from, q.to),
    ),
  );

  app.get(
    '/api/utilization',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: { querystring: UtilizationQuery, response: { 200: Utilization, ...errorResponses } },
    },
    ranged<UtilizationQueryType>(
      'machine',
      (q) => q.machine,
      (q) => history.utilization(q.machine, q.from, q.to, q.by),
    ),
  );
}

/** Production over HTTP: stop reasons (one tap, split, manager's change), counts, the plan board, OEE, rejects, CSV (docs/production.md). */
import type { Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StopReasonConfig } from '../../../config/productionSchema.js';
import type { KitConfig } from '../../../config/schema.js';
import type { Principal } from '../../auth/principal.js';
import { HistoryError } from '../../history/historyStore.js';
import { productionCsv } from '../../production/csv.js';
import {
  Board,
  BoardQuery,
  Counts,
  CountsQuery,
  ExportRange,
  Oee,
  OeeExportQuery,
  OeeQuery,
  OptionalMachineRange,
  Pareto,
  ProductionNow,
  ProductionSettings,
  ReasonLog,
  ReasonRequest,
  type ReasonRequestBody,
  ReasonsUpdate,
  RejectRequest,
  type RejectRequestBody,
  RejectSaved,
  Stop,
  StopList,
  StopsQuery,
} from '../../production/schemas.js';
import { ProductionError, type ProductionService } from '../../production/service.js';
import { ErrorBody } from '../schemas.js';
import { csvFileName, sendCsv } from './export.js';
import { badRange, invalidQuery, type StorageFailureLog, storageFailureLog, storageUnavailable } from './history.js';

export interface ProductionRoutesOptions {
  production: ProductionService;
  config: KitConfig;
}

type StopsQueryType = Static<typeof StopsQuery>;
type OptionalMachineRangeType = Static<typeof OptionalMachineRange>;
type CountsQueryType = Static<typeof CountsQuery>;
type OeeQueryType = Static<typeof OeeQuery>;

const DAY = 86_400_000;
/** Cycle times are read part by part: a month of a busy press is as much as one request should fetch. */
const COUNTS_MAX_DAYS = 31;
const MINUTES_MAX_DAYS = 2;

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

/**
 * A ProductionError is the caller's (its status); a HistoryError an unknown id (404); anything else means storage is away (503),
 * logged as message and code at most once a minute like the history routes.
 */
function answering(logFailure: StorageFailureLog) {
  return async <T>(reply: FastifyReply, log: FastifyBaseLogger, work: () => Promise<T> | T): Promise<T | FastifyReply> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProductionError) return reply.code(error.status).send(error.body());
      if (error instanceof HistoryError)
        return reply.code(404).send({ code: error.code, message: error.message, messageJa: error.messageJa });
      logFailure(log, error, 'production request failed');
      return reply.code(503).send(storageUnavailable);
    }
  };
}

function invalidBody(request: FastifyRequest) {
  const error = request.validationError;
  if (!error) return undefined;
  return {
    code: 'BAD_REQUEST',
    message: `invalid request: ${error.message}`,
    messageJa: `リクエストの内容が正しくありません: ${error.message}`,
  };
}

function tooLong(from: number, to: number, days: number) {
  if (to - from <= days * DAY) return undefined;
  return {
    code: 'BAD_RANGE',
    message: `the range may be at most ${days} days here`,
    messageJa: `ここでは期間は ${days} 日以内にしてください`,
  };
}

export async function productionRoutes(app: FastifyInstance, options: ProductionRoutesOptions): Promise<void> {
  const { production, config } = options;
  const logFailure = storageFailureLog();
  const answer = answering(logFailure);
  const csv = productionCsv(config, production);
  /** A read over a range: a valid query and range (at most `days` long where given), then the service. */
  const overRange =
    <Q extends { from: number; to: number }>(run: (query: Q) => Promise<unknown>, days?: (query: Q) => number) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const q = request.query as Q;
      const bad = invalidQuery(request) ?? badRange(q.from, q.to) ?? (days ? tooLong(q.from, q.to, days(q)) : undefined);
      if (bad) return reply.code(400).send(bad);
      return answer(reply, request.log, () => run(q));
    };
  /** A write: a valid body from a signed-in person (the auth plugin has already checked the role), then the service. */
  const byPerson =
    <B>(run: (who: Principal, body: B) => unknown) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const bad = invalidBody(request);
      if (bad) return reply.code(400).send(bad);
      const who = request.principal;
      if (!who) return reply.code(401).send({ code: 'AUTH_REQUIRED', message: 'sign in first', messageJa: 'ログインしてください' });
      return answer(reply, request.log, () => run(who, request.body as B));
    };

  app.get(
    '/api/production/settings',
    {
      config: { access: 'viewer' },
      schema: {
        description:
          'Stop reasons and each machine’s counter, plan and ideal cycle. / 停止理由と、機械ごとのカウンタ・計画・理想サイクル。',
        response: { 200: ProductionSettings },
      },
    },
    async () => production.settings(),
  );

  app.put(
    '/api/production/reasons',
    {
      config: { access: 'admin' },
      attachValidation: true,
      schema: {
        description: 'Replace the stop-reason list; written to the kit file. / 停止理由の一覧を置き換え、設定ファイルに保存します。',
        body: ReasonsUpdate,
        response: { 200: ProductionSettings, ...errors },
      },
    },
    byPerson<{ reasons: StopReasonConfig[] }>((who, body) => production.updateReasons(body.reasons, who.username)),
  );

  app.get(
    '/api/production/now',
    {
      config: { access: 'viewer' },
      schema: {
        description:
          'The shift so far per machine and the stops of the last 24 h waiting for a reason (refreshed every 30 s). / 機械ごとの現在のシフトの実績と、理由の入力を待つ停止（24 時間以内）。',
        response: { 200: ProductionNow },
      },
    },
    async () => production.now(),
  );

  app.get(
    '/api/production/stops',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description: 'A machine’s stops in planned time with their reasons. / 機械の計画時間内の停止と停止理由。',
        querystring: StopsQuery,
        response: { 200: StopList, ...errors },
      },
    },
    overRange<StopsQueryType>((q) => production.stops(q.machine, q.from, q.to)),
  );

  app.post(
    '/api/production/stops/reason',
    {
      config: { access: 'operator' },
      attachValidation: true,
      schema: {
        description:
          'Give a stop its reason (one segment) or split it (several). Changing a given reason needs a manager, or the same operator soon after. / 停止理由の入力（1 区間）または分割（複数区間）。入力済みの変更は管理者か、直後の本人のみ。',
        body: ReasonRequest,
        response: { 200: Stop, ...errors },
      },
    },
    byPerson<ReasonRequestBody>((who, body) => production.setReason(who, body)),
  );

  app.get(
    '/api/production/reasons/log',
    {
      config: { access: 'manager' },
      attachValidation: true,
      schema: {
        description:
          'Every stop reason entered in the range, newest first, with who, when and what it replaced. / 停止理由の入力・変更の記録。',
        querystring: OptionalMachineRange,
        response: { 200: ReasonLog, ...errors },
      },
    },
    overRange<OptionalMachineRangeType>((q) => production.reasonLog(q.from, q.to, q.machine)),
  );

  app.get(
    '/api/production/pareto',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description: 'Stop time in planned time by reason, largest first, for one machine or all. / 停止理由別の停止時間（パレート図）。',
        querystring: OptionalMachineRange,
        response: { 200: Pareto, ...errors },
      },
    },
    overRange<OptionalMachineRangeType>((q) => production.pareto(q.from, q.to, q.machine)),
  );

  app.get(
    '/api/production/counts',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description:
          'Parts per minute, hour, shift or day with cycle time (median, quartiles); null where the counter was not seen. / 生産数とサイクルタイム。',
        querystring: CountsQuery,
        response: { 200: Counts, ...errors },
      },
    },
    overRange<CountsQueryType>(
      (q) => production.counts(q.machine, q.from, q.to, q.by),
      (q) => (q.by === 'minute' ? MINUTES_MAX_DAYS : COUNTS_MAX_DAYS),
    ),
  );

  app.get(
    '/api/production/board',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description: 'The plan-versus-actual board (生産管理板) of a machine’s shift, hour by hour. / 生産管理板（時間ごとの計画と実績）。',
        querystring: BoardQuery,
        response: { 200: Board, ...errors },
      },
    },
    async (request, reply) => {
      const bad = invalidQuery(request);
      if (bad) return reply.code(400).send(bad);
      const { machine, at } = request.query as Static<typeof BoardQuery>;
      return answer(reply, request.log, () => production.board(machine, at));
    },
  );

  app.get(
    '/api/production/oee',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description:
          'OEE per shift or day with availability (稼働率), performance and quality. / 設備総合効率（時間稼働率・性能稼働率・良品率）。',
        querystring: OeeQuery,
        response: { 200: Oee, ...errors },
      },
    },
    overRange<OeeQueryType>((q) => production.oee(q.from, q.to, q.by, q.machine)),
  );

  app.post(
    '/api/production/rejects',
    {
      config: { access: 'operator' },
      attachValidation: true,
      schema: {
        description: 'Rejects of one board hour (the latest entry counts). / 時間帯ごとの不良数（最後の入力が有効）。',
        body: RejectRequest,
        response: { 200: RejectSaved, ...errors },
      },
    },
    byPerson<RejectRequestBody>((who, body) => production.setRejects(who, body)),
  );

  const exports = [
    ['stops', ExportRange, (q: { from: number; to: number }) => csv.stops(q.from, q.to)],
    ['counts', ExportRange, (q: { from: number; to: number }) => csv.counts(q.from, q.to)],
    ['oee', OeeExportQuery, (q: { from: number; to: number; by?: 'shift' | 'day' }) => csv.oee(q.from, q.to, q.by)],
  ] as const;
  for (const [kind, querystring, lines] of exports) {
    app.get(
      `/api/export/${kind}.csv`,
      { config: { access: 'manager' }, attachValidation: true, schema: { querystring, response: { 400: ErrorBody, 503: ErrorBody } } },
      async (request, reply) => {
        const query = request.query as { from: number; to: number; by?: 'shift' | 'day' };
        const bad = invalidQuery(request) ?? badRange(query.from, query.to);
        if (bad) return reply.code(400).send(bad);
        return sendCsv(request, reply, logFailure, csvFileName(config, kind, query.from), lines(query));
      },
    );
  }
}

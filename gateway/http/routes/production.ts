/** Production over HTTP: stop reasons (one tap, split, manager's change), counts, the plan board, OEE, rejects, CSV (docs/production.md). */
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
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
import { type Access, ErrorBody } from '../schemas.js';
import { csvExportRoute } from './export.js';
import { badRange, invalidQuery, type StorageFailureLog, storageFailureLog, storageUnavailable } from './history.js';

export interface ProductionRoutesOptions {
  production: ProductionService;
  config: KitConfig;
}

type StopsQueryType = Static<typeof StopsQuery>;
type OptionalMachineRangeType = Static<typeof OptionalMachineRange>;
type CountsQueryType = Static<typeof CountsQuery>;
type OeeQueryType = Static<typeof OeeQuery>;

interface RouteShape {
  access: Access;
  description: string;
  querystring?: TSchema;
  body?: TSchema;
  answer: TSchema;
}

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
  /**
   * One route from what is its own: who may call it, its OpenAPI description, what it takes and answers. A route that takes
   * something may refuse it, so its document lists the error answers too; its handler sends them (attachValidation).
   */
  const route = (method: 'GET' | 'POST' | 'PUT', url: string, shape: RouteShape, handler: RouteHandlerMethod) => {
    const { access, description, answer: ok, ...input } = shape;
    const takes = input.querystring !== undefined || input.body !== undefined;
    app.route({
      method,
      url,
      config: { access },
      attachValidation: true,
      schema: { description, ...input, response: takes ? { 200: ok, ...errors } : { 200: ok } },
      handler,
    });
  };
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

  route(
    'GET',
    '/api/production/settings',
    {
      access: 'viewer',
      description: 'Stop reasons and each machine’s counter, plan and ideal cycle. / 停止理由と、設備ごとのカウンタ・計画・理想サイクル。',
      answer: ProductionSettings,
    },
    async () => production.settings(),
  );

  route(
    'PUT',
    '/api/production/reasons',
    {
      access: 'admin',
      description: 'Replace the stop-reason list; written to the kit file. / 停止理由の一覧を置き換え、設定ファイルに保存します。',
      body: ReasonsUpdate,
      answer: ProductionSettings,
    },
    byPerson<{ reasons: StopReasonConfig[] }>((who, body) => production.updateReasons(body.reasons, who.username)),
  );

  route(
    'GET',
    '/api/production/now',
    {
      access: 'viewer',
      description:
        'The shift so far per machine and the stops of the last 24 h waiting for a reason (refreshed every 30 s). / 設備ごとの現在のシフトの実績と、理由の入力を待つ停止（24 時間以内）。',
      answer: ProductionNow,
    },
    async () => production.now(),
  );

  route(
    'GET',
    '/api/production/stops',
    {
      access: 'viewer',
      description: 'A machine’s stops in planned time with their reasons. / 設備の計画時間内の停止と停止理由。',
      querystring: StopsQuery,
      answer: StopList,
    },
    overRange<StopsQueryType>((q) => production.stops(q.machine, q.from, q.to)),
  );

  route(
    'POST',
    '/api/production/stops/reason',
    {
      access: 'operator',
      description:
        'Give a stop its reason (one segment) or split it (several). Changing a given reason needs a manager, or the same operator soon after. / 停止理由の入力（1 区間）または分割（複数区間）。入力済みの変更は管理者か、直後の本人のみ。',
      body: ReasonRequest,
      answer: Stop,
    },
    byPerson<ReasonRequestBody>((who, body) => production.setReason(who, body)),
  );

  route(
    'GET',
    '/api/production/reasons/log',
    {
      access: 'manager',
      description:
        'Every stop reason entered in the range, newest first, with who, when and what it replaced. / 停止理由の入力・変更の記録。',
      querystring: OptionalMachineRange,
      answer: ReasonLog,
    },
    overRange<OptionalMachineRangeType>((q) => production.reasonLog(q.from, q.to, q.machine)),
  );

  route(
    'GET',
    '/api/production/pareto',
    {
      access: 'viewer',
      description: 'Stop time in planned time by reason, largest first, for one machine or all. / 停止理由別の停止時間（パレート図）。',
      querystring: OptionalMachineRange,
      answer: Pareto,
    },
    overRange<OptionalMachineRangeType>((q) => production.pareto(q.from, q.to, q.machine)),
  );

  route(
    'GET',
    '/api/production/counts',
    {
      access: 'viewer',
      description:
        'Parts per minute, hour, shift or day with cycle time (median, quartiles); null where the counter was not seen. / 生産数とサイクルタイム。',
      querystring: CountsQuery,
      answer: Counts,
    },
    overRange<CountsQueryType>(
      (q) => production.counts(q.machine, q.from, q.to, q.by),
      (q) => (q.by === 'minute' ? MINUTES_MAX_DAYS : COUNTS_MAX_DAYS),
    ),
  );

  route(
    'GET',
    '/api/production/board',
    {
      access: 'viewer',
      description: 'The plan-versus-actual board (生産管理板) of a machine’s shift, hour by hour. / 生産管理板（時間ごとの計画と実績）。',
      querystring: BoardQuery,
      answer: Board,
    },
    async (request, reply) => {
      const bad = invalidQuery(request);
      if (bad) return reply.code(400).send(bad);
      const { machine, at } = request.query as Static<typeof BoardQuery>;
      return answer(reply, request.log, () => production.board(machine, at));
    },
  );

  route(
    'GET',
    '/api/production/oee',
    {
      access: 'viewer',
      description:
        'OEE per shift or day with availability (稼働率), performance and quality. / 設備総合効率（時間稼働率・性能稼働率・良品率）。',
      querystring: OeeQuery,
      answer: Oee,
    },
    overRange<OeeQueryType>((q) => production.oee(q.from, q.to, q.by, q.machine)),
  );

  route(
    'POST',
    '/api/production/rejects',
    {
      access: 'operator',
      description: 'Rejects of one board hour (the latest entry counts). / 時間帯ごとの不良数（最後の入力が有効）。',
      body: RejectRequest,
      answer: RejectSaved,
    },
    byPerson<RejectRequestBody>((who, body) => production.setRejects(who, body)),
  );

  csvExportRoute(app, config, logFailure, {
    kind: 'stops',
    description:
      'Every machine’s stops in planned time, a line per part of a stop with its own reason. / 停止と停止理由（理由の区間ごとに 1 行）。',
    querystring: ExportRange,
    lines: (q) => csv.stops(q.from, q.to),
  });
  csvExportRoute(app, config, logFailure, {
    kind: 'counts',
    description: 'Parts and cycle times per machine and hour. / 設備ごと・時間ごとの生産数とサイクルタイム。',
    querystring: ExportRange,
    lines: (q) => csv.counts(q.from, q.to),
  });
  csvExportRoute<Static<typeof OeeExportQuery>>(app, config, logFailure, {
    kind: 'oee',
    description: 'OEE and its three factors per machine and shift (or day). / 設備ごと・シフトごと（日ごと）の OEE と 3 つの要素。',
    querystring: OeeExportQuery,
    lines: (q) => csv.oee(q.from, q.to, q.by),
  });
}

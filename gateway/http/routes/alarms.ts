/** Alarms over HTTP: the open ones for the tablet, the history for managers, and acknowledgement by an operator (who and why). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AlarmEngine } from '../../alarms/engine.js';
import { AlarmHistory, AlarmHistoryQuery, AlarmIdParams, AlarmList } from '../alarmSchemas.js';
import { AckBody, Alarm, ErrorBody } from '../schemas.js';
import { badRange, invalidQuery, storageFailureLog, storageUnavailable } from './history.js';

export interface AlarmRoutesOptions {
  engine: Pick<AlarmEngine, 'active' | 'history' | 'acknowledge'>;
}

export async function alarmRoutes(app: FastifyInstance, options: AlarmRoutesOptions): Promise<void> {
  const { engine } = options;
  const logFailure = storageFailureLog();
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/alarms',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'Active alarms and cleared ones nobody acknowledged yet. / 発生中の警報と、未確認のまま解除された警報。',
        response: { 200: AlarmList },
      },
    },
    async () => ({ alarms: engine.active() }),
  );

  r.get(
    '/api/alarms/history',
    {
      config: { access: 'viewer' },
      attachValidation: true,
      schema: {
        description: 'Recorded alarm events, newest first. / 警報の記録（新しい順）。',
        querystring: AlarmHistoryQuery,
        response: { 200: AlarmHistory, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { from, to, ...filters } = request.query;
      try {
        return await engine.history(from, to, filters);
      } catch (error) {
        logFailure(request.log, error, 'alarm history query failed');
        return reply.code(503).send(storageUnavailable);
      }
    },
  );

  r.post(
    '/api/alarms/:id/ack',
    {
      config: { access: 'operator' },
      attachValidation: true,
      schema: {
        description: 'Acknowledge an alarm; the user and the comment are recorded. / 警報を確認します（確認者とコメントを記録）。',
        params: AlarmIdParams,
        body: AckBody,
        response: { 200: Alarm, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      if (request.validationError) {
        const message = request.validationError.message;
        return reply.code(400).send({
          code: 'BAD_REQUEST',
          message: `invalid request: ${message}`,
          messageJa: `リクエストの内容が正しくありません: ${message}`,
        });
      }
      // The auth plugin has already refused anyone below operator, so there is always a principal here.
      const username = request.principal?.username ?? 'unknown';
      const result = engine.acknowledge(request.params.id, username, request.body?.comment);
      if (result.ok) return result.alarm;
      if (result.code === 'ALREADY_ACKNOWLEDGED') {
        return reply.code(409).send({
          code: 'ALREADY_ACKNOWLEDGED',
          message: 'this alarm has already been acknowledged',
          messageJa: 'この警報はすでに確認済みです',
        });
      }
      return reply.code(404).send({ code: 'NOT_FOUND', message: 'no such open alarm', messageJa: '該当する警報はありません' });
    },
  );
}

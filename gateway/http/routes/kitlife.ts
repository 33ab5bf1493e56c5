/** The kit's life over HTTP: the doctor's checks, the clock (and setting it from the admin's browser), calibration. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CalibrationBody, ClockBody, DoctorBody, LiveChannelsBody, SetClockBody, ThresholdsBody } from '../../kitlife/api.js';
import { type KitLife, KitLifeError } from '../../kitlife/kitLife.js';
import { ClockError } from '../../kitlife/systemClock.js';
import { ErrorBody } from '../schemas.js';
import { badRange, invalidQuery, storageUnavailable } from './history.js';

export interface KitlifeRoutesOptions {
  kitlife: KitLife;
}

const MachineParams = T.Object({ machine: T.String({ maxLength: 64 }) });
const SpanQuery = T.Object({ from: T.Integer({ minimum: 0 }), to: T.Integer({ minimum: 0 }) });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

function invalidBody(request: FastifyRequest): { code: string; message: string; messageJa: string } | undefined {
  const error = request.validationError;
  return error
    ? { code: 'BAD_REQUEST', message: `invalid request: ${error.message}`, messageJa: `要求が正しくありません: ${error.message}` }
    : undefined;
}

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof KitLifeError)
    return reply.code(error.status).send({ code: error.code, message: error.text.en, messageJa: error.text.ja });
  if (error instanceof ClockError)
    return reply
      .code(error.code === 'CLOCK_NOT_PERMITTED' ? 403 : 503)
      .send({ code: error.code, message: error.text.en, messageJa: error.text.ja });
  reply.log.error({ err: (error as Error).message }, 'kitlife request failed');
  return reply.code(503).send(storageUnavailable);
}

export async function kitlifeRoutes(app: FastifyInstance, options: KitlifeRoutesOptions): Promise<void> {
  const { kitlife } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/doctor',
    {
      config: { access: 'manager' },
      schema: {
        description: 'Every check of the kit in plain words, with what to do. / キットの診断',
        response: { 200: DoctorBody, ...errors },
      },
    },
    async () => kitlife.doctor(),
  );

  r.get(
    '/api/clock',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'The kit clock and whether it can be trusted (no battery clock, often no NTP). / キットの時計と信頼性',
        response: { 200: ClockBody },
      },
    },
    async () => kitlife.clock(),
  );

  r.put(
    '/api/clock',
    {
      config: { access: 'admin' },
      attachValidation: true,
      schema: {
        description: "Sets the kit's system time from the admin's device clock. / 管理者の端末の時刻をキットに設定",
        body: SetClockBody,
        response: { 200: ClockBody, ...errors },
      },
    },
    async (request, reply) => {
      const bad = invalidBody(request);
      if (bad) return reply.code(400).send(bad);
      try {
        await kitlife.setClock(request.body.now, request.principal?.username);
        return kitlife.clock();
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  r.get(
    '/api/calibration/live',
    {
      config: { access: 'manager' },
      schema: {
        description:
          "The last RMS amps of every channel, and a meter channel's watts, mapped to a machine or not. / 各チャンネルの現在の電流・電力",
        response: { 200: LiveChannelsBody },
      },
    },
    async () => ({ now: Date.now(), channels: kitlife.liveChannels() }),
  );

  r.get(
    '/api/calibration/:machine',
    {
      config: { access: 'manager' },
      attachValidation: true,
      schema: {
        description:
          "Histogram of a machine's RMS current (or a meter's watts for a machine watched by power) over a span and the OFF/IDLE/RUN thresholds proposed from it. / 電流（または電力）の分布としきい値の提案",
        params: MachineParams,
        querystring: SpanQuery,
        response: { 200: CalibrationBody, ...errors },
      },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      try {
        return await kitlife.calibration(request.params.machine, request.query.from, request.query.to);
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  r.put(
    '/api/calibration/:machine',
    {
      config: { access: 'admin' },
      attachValidation: true,
      schema: {
        description:
          'Writes the thresholds into the kit file (validated, atomically) and applies them at once. / しきい値を保存して即時反映',
        params: MachineParams,
        body: ThresholdsBody,
        response: { 200: ThresholdsBody, ...errors },
      },
    },
    async (request, reply) => {
      const bad = invalidBody(request);
      if (bad) return reply.code(400).send(bad);
      try {
        return kitlife.acceptThresholds(request.params.machine, request.body, request.principal?.username);
      } catch (error) {
        return fail(reply, error);
      }
    },
  );
}

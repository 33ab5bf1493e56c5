/** The inspection trial over HTTP: trials, image uploads (files or zips), fitting, sensitivity, heat maps, live stations, the report. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InspectionError, type InspectionErrorCode } from '../../inspection/errors.js';
import type { Inspection } from '../../inspection/inspection.js';
import {
  ImageIdParams,
  ImageParams,
  NewTrialBody,
  StationHeatmapParams,
  StationList,
  ThresholdBody,
  TrialList,
  TrialParams,
  Trial as TrialSchema,
  UploadQuery,
  UploadReply,
} from '../../inspection/schemas.js';
import type { Trial } from '../../inspection/trialStore.js';
import { ErrorBody } from '../schemas.js';

export interface InspectionRoutesOptions {
  inspection: Inspection;
  /** Largest upload (an image or a zip), in bytes. */
  bodyLimit: number;
  /** Renders the trial report PDF. */
  report: (trial: Trial) => Promise<Buffer>;
}

const STATUS: Partial<Record<InspectionErrorCode, number>> = {
  NO_SUCH_TRIAL: 404,
  NO_SUCH_IMAGE: 404,
  BUSY: 409,
  NOT_FITTED: 409,
  NOT_ENOUGH_IMAGES: 409,
  UNSUPPORTED_IMAGE: 415,
  IMAGE_TOO_LARGE: 413,
  ARCHIVE_TOO_LARGE: 413,
  TOO_MANY_IMAGES: 413,
  CANCELLED: 409,
  BACKBONE_UNAVAILABLE: 503,
  WORKER_FAILED: 500,
  RUNTIME_FAILED: 503,
};

const BINARY_TYPES = ['application/octet-stream', 'image/png', 'image/jpeg', 'application/zip', 'application/x-zip-compressed'];

export async function inspectionRoutes(app: FastifyInstance, options: InspectionRoutesOptions): Promise<void> {
  const { inspection } = options;
  const service = inspection.service;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // Uploads come as the raw file, so a 100 MB zip is not inflated by base64 or held twice by a multipart parser.
  app.addContentTypeParser(BINARY_TYPES, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error, request, reply) => {
    if (error instanceof InspectionError) {
      const status = STATUS[error.code] ?? 422;
      if (status >= 500) request.log.error({ code: error.code, err: error.message }, 'inspection request failed');
      return reply.code(status).send(error.body());
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if ((error as { validation?: unknown }).validation) {
      return reply.code(400).send({
        code: 'BAD_REQUEST',
        message: `invalid request: ${error.message}`,
        messageJa: `リクエストの内容が正しくありません: ${error.message}`,
      });
    }
    if (status === 413) {
      return reply.code(413).send({
        code: 'UPLOAD_TOO_LARGE',
        message: `the upload is larger than ${(options.bodyLimit / 1048576).toFixed(0)} MB`,
        messageJa: `アップロードが ${(options.bodyLimit / 1048576).toFixed(0)} MB を超えています`,
      });
    }
    if (status === 415) {
      return reply.code(415).send({
        code: 'UNSUPPORTED_IMAGE',
        message: 'send the file itself (image/png, image/jpeg, application/zip or application/octet-stream)',
        messageJa: 'ファイルそのもの（PNG・JPEG・zip）を送ってください',
      });
    }
    if (status < 500) return reply.code(status).send({ code: 'BAD_REQUEST', message: error.message, messageJa: error.message });
    request.log.error({ err: error.message }, 'inspection request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error', messageJa: '内部エラーが発生しました' });
  });

  const png = (reply: FastifyReply, bytes: Buffer | undefined) => {
    if (!bytes) throw new InspectionError('NO_SUCH_IMAGE', 'no such image or heat map', '画像またはヒートマップがありません');
    return reply.type('image/png').header('cache-control', 'private, max-age=60').send(bytes);
  };

  r.get(
    '/api/inspection/trials',
    {
      config: { access: 'viewer' },
      schema: { description: 'Inspection trials, newest first. / 外観検査トライアルの一覧。', response: { 200: TrialList } },
    },
    async () => ({
      trials: service.list().map((trial) => ({
        id: trial.id,
        name: trial.name,
        product: trial.product,
        status: trial.status,
        createdAt: trial.createdAt,
        images: {
          ok: trial.images.filter((i) => i.role === 'ok').length,
          ng: trial.images.filter((i) => i.role === 'ng').length,
          test: trial.images.filter((i) => i.role === 'test').length,
        },
        auroc: trial.fit?.patchcore.auroc ?? null,
      })),
    }),
  );

  r.post(
    '/api/inspection/trials',
    {
      config: { access: 'manager' },
      schema: {
        description: 'Create a trial. / トライアルを作成します。',
        body: NewTrialBody,
        response: { 201: TrialSchema, 409: ErrorBody },
      },
    },
    async (request, reply) => reply.code(201).send(service.create(request.body)),
  );

  r.get(
    '/api/inspection/trials/:id',
    { config: { access: 'viewer' }, schema: { params: TrialParams, response: { 200: TrialSchema, 404: ErrorBody } } },
    async (request) => service.get(request.params.id),
  );

  r.delete(
    '/api/inspection/trials/:id',
    {
      config: { access: 'manager' },
      schema: { description: 'Delete a trial with its images and model. / トライアルを画像・モデルごと削除します。', params: TrialParams },
    },
    async (request, reply) => {
      await service.remove(request.params.id);
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/inspection/trials/:id/images',
    {
      config: { access: 'manager' },
      bodyLimit: options.bodyLimit,
      schema: {
        description:
          'Add images: the body is one JPEG/PNG file or a zip (folders ok/ and ng/<defect>/ set role and class). / 画像を追加します（JPEG/PNG または zip）。',
        params: TrialParams,
        querystring: UploadQuery,
        response: { 200: UploadReply, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new InspectionError('UNSUPPORTED_IMAGE', 'the upload is empty', 'アップロードされたファイルが空です', request.query.name);
      }
      return service.upload(request.params.id, request.query.role, request.query.label ?? null, request.query.name, body);
    },
  );

  r.delete(
    '/api/inspection/trials/:id/images/:image',
    { config: { access: 'manager' }, schema: { params: ImageIdParams, response: { 200: TrialSchema, 404: ErrorBody } } },
    async (request) => service.removeImage(request.params.id, request.params.image),
  );

  r.get(
    '/api/inspection/trials/:id/images/:image/:kind',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'The image as kept, or its PatchCore / template heat map (PNG). / 画像またはヒートマップ（PNG）。',
        params: ImageParams,
      },
    },
    async (request, reply) => png(reply, service.store.readImage(request.params.id, request.params.image, request.params.kind)),
  );

  r.post(
    '/api/inspection/trials/:id/fit',
    {
      config: { access: 'manager' },
      schema: {
        description: 'Start fitting; poll the trial for progress. / 学習を開始します。',
        params: TrialParams,
        response: { 202: TrialSchema, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => reply.code(202).send(service.startFit(request.params.id)),
  );

  r.post(
    '/api/inspection/trials/:id/cancel',
    {
      config: { access: 'manager' },
      schema: {
        description: 'Stop a running fit. / 学習を中止します。',
        params: TrialParams,
        response: { 200: TrialSchema, 404: ErrorBody },
      },
    },
    async (request) => service.cancelFit(request.params.id),
  );

  r.put(
    '/api/inspection/trials/:id/threshold',
    {
      config: { access: 'manager' },
      schema: {
        description: 'The sensitivity control: move the threshold (no refit). / 感度調整（しきい値の変更、再学習不要）。',
        params: TrialParams,
        body: ThresholdBody,
        response: { 200: TrialSchema, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => service.setThreshold(request.params.id, request.body.patchcore),
  );

  r.get(
    '/api/inspection/trials/:id/report.pdf',
    {
      config: { access: 'viewer' },
      schema: { description: 'The trial report (PDF, Japanese). / トライアル報告書（PDF）。', params: TrialParams },
    },
    async (request, reply) => {
      const trial = service.get(request.params.id);
      if (!trial.fit) throw new InspectionError('NOT_FITTED', 'fit the trial first', '先に学習を実行してください');
      const pdf = await options.report(trial);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="inspection-${trial.id}.pdf"`).send(pdf);
    },
  );

  r.get(
    '/api/inspection/stations',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'Live stations: today’s good/reject counts and recent judgments. / ライブ判定ステーション。',
        response: { 200: StationList },
      },
    },
    async () => ({ stations: inspection.stations() }),
  );

  r.get(
    '/api/inspection/stations/:station/recent/:slot',
    { config: { access: 'viewer' }, schema: { params: StationHeatmapParams } },
    async (request, reply) => png(reply, inspection.station(request.params.station)?.recentHeatmap(request.params.slot)),
  );
}

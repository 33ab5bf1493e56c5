/** The trial report as a PDF download for managers: the export page's button. Made on the Pi (pdfkit), streamed as it ends. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import type { AlarmHistoryReader } from '../../alarms/history.js';
import type { HistoryStore } from '../../history/historyStore.js';
import { ReportFontError } from '../../report/font.js';
import { formatDate, localDate } from '../../utilization/timeZone.js';
import { ErrorBody, RangeQuery } from '../schemas.js';
import { badRange, invalidQuery, storageUnavailable } from './history.js';

export interface ReportRoutesOptions {
  config: KitConfig;
  history: HistoryStore;
  alarms: AlarmHistoryReader;
}

const ReportQuery = T.Object({
  ...RangeQuery.properties,
  lang: T.Optional(T.Union([T.Literal('ja'), T.Literal('en')], { description: 'ja (default) or en' })),
});

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  const { config } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // A report reads weeks of data and keeps a core busy for a while: one at a time, so a double tap does not make two.
  let busy = false;

  r.get(
    '/api/report.pdf',
    {
      config: { access: 'manager' },
      attachValidation: true,
      schema: {
        description: 'The trial report (PDF) for [from, to). / 試用報告書（PDF）',
        querystring: ReportQuery,
        response: {
          200: T.Unsafe<NodeJS.ReadableStream>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          400: ErrorBody,
          409: ErrorBody,
          500: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      if (busy) {
        return reply.code(409).send({
          code: 'REPORT_BUSY',
          message: 'a report is being made; try again when it is done',
          messageJa: '報告書を作成中です。終わってからもう一度お試しください',
        });
      }
      const { from, to, lang = 'ja' } = request.query;
      busy = true;
      try {
        // The PDF stack loads with the first report: importing pdfkit alone adds ~28 MB of RSS to a gateway that never makes one.
        const { makeTrialReport } = await import('../../report/trial.js');
        const doc = await makeTrialReport(options, { from, to, lang });
        const day = (ms: number) => formatDate(localDate(ms, config.kit.timeZone)).replace(/-/g, '');
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="minotake-${config.kit.id}-report-${day(from)}_${day(to - 1)}.pdf"`)
          .header('cache-control', 'no-store')
          .send(doc.finish());
      } catch (error) {
        if (error instanceof ReportFontError)
          return reply.code(500).send({ code: error.code, message: error.message, messageJa: error.messageJa });
        request.log.error({ err: error }, 'trial report failed');
        return reply.code(503).send(storageUnavailable);
      } finally {
        busy = false;
      }
    },
  );
}

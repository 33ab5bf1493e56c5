/** CSV downloads for managers: readings, state intervals and 稼働率, streamed so a year of data never sits in memory. */
import { Readable } from 'node:stream';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import type { HistoryStore } from '../../history/historyStore.js';
import { formatDate, localDate } from '../../utilization/timeZone.js';
import { ExportQuery, UtilizationExportQuery, type UtilizationExportQueryType } from '../historySchemas.js';
import { ErrorBody } from '../schemas.js';
import { badRange, invalidQuery, type StorageFailureLog, storageFailureLog, storageUnavailable } from './history.js';

export interface ExportRoutesOptions {
  history: HistoryStore;
  config: KitConfig;
}

/** Lines are tiny; one socket write per line would cost far more than the data. */
const CHUNK_CHARS = 64 * 1024;

async function* batched(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  let buffer = first.done ? '' : first.value;
  try {
    if (!first.done) {
      for (let next = await rest.next(); !next.done; next = await rest.next()) {
        buffer += next.value;
        if (buffer.length >= CHUNK_CHARS) {
          yield buffer;
          buffer = '';
        }
      }
    }
    if (buffer) yield buffer;
  } finally {
    // A client that hangs up mid-download ends the queries too.
    await rest.return?.();
  }
}

export function csvFileName(config: KitConfig, kind: string, from: number): string {
  return `minotake-${config.kit.id}-${kind}-${formatDate(localDate(from, config.kit.timeZone)).replace(/-/g, '')}.csv`;
}

/**
 * Sends CSV lines as a download. The first line is awaited before the status is sent (the store runs its first query
 * by then), so an InfluxDB that is away is a 503 the browser shows, not a truncated file.
 */
export async function sendCsv(
  request: FastifyRequest,
  reply: FastifyReply,
  logFailure: StorageFailureLog,
  name: string,
  lines: AsyncIterable<string>,
): Promise<FastifyReply> {
  const iterator = lines[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch (error) {
    logFailure(request.log, error, 'CSV export failed');
    return reply.code(503).send(storageUnavailable);
  }
  const body = Readable.from(batched(first, iterator), { objectMode: false });
  body.on('error', (error) => logFailure(request.log, error, 'CSV export failed while streaming'));
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

/** What a CSV download answers in the OpenAPI document: the file, or a refused range or storage away as ErrorBody. */
const csvResponses = {
  200: {
    description: 'UTF-8 with BOM (opens in Japanese Excel), CRLF; a download. / BOM 付き UTF-8、改行は CRLF（ダウンロード）。',
    content: { 'text/csv': { schema: { type: 'string' } } },
  },
  400: ErrorBody,
  503: ErrorBody,
};

export interface CsvExport<Q> {
  /** The file's kind: its URL `api/export/<kind>.csv` and its name. */
  kind: string;
  description: string;
  querystring: TSchema;
  lines: (query: Q) => AsyncIterable<string>;
}

/** A manager's CSV download over a range: a valid query and range, then the lines as a file named after the kit, kind and day. */
export function csvExportRoute<Q extends { from: number; to: number } = { from: number; to: number }>(
  app: FastifyInstance,
  config: KitConfig,
  logFailure: StorageFailureLog,
  { kind, description, querystring, lines }: CsvExport<Q>,
): void {
  app.get(
    `/api/export/${kind}.csv`,
    { config: { access: 'manager' }, attachValidation: true, schema: { description, querystring, response: csvResponses } },
    async (request, reply) => {
      const query = request.query as Q;
      const bad = invalidQuery(request) ?? badRange(query.from, query.to);
      if (bad) return reply.code(400).send(bad);
      return sendCsv(request, reply, logFailure, csvFileName(config, kind, query.from), lines(query));
    },
  );
}

export async function exportRoutes(app: FastifyInstance, options: ExportRoutesOptions): Promise<void> {
  const { history, config } = options;
  const logFailure = storageFailureLog();
  csvExportRoute(app, config, logFailure, {
    kind: 'readings',
    description: 'Every stored reading in the range, one line each. / 期間内のすべての測定値。',
    querystring: ExportQuery,
    lines: (q) => history.readingsCsv(q.from, q.to),
  });
  csvExportRoute(app, config, logFailure, {
    kind: 'states',
    description: 'The machines’ state intervals in the range. / 期間内の設備の状態の区間。',
    querystring: ExportQuery,
    lines: (q) => history.statesCsv(q.from, q.to),
  });
  csvExportRoute<UtilizationExportQueryType>(app, config, logFailure, {
    kind: 'utilization',
    description: '稼働率 per machine and day (or hour, shift). / 設備ごと・日ごと（時間・シフトごと）の稼働率。',
    querystring: UtilizationExportQuery,
    lines: (q) => history.utilizationCsv(q.from, q.to, q.by ?? 'day'),
  });
}

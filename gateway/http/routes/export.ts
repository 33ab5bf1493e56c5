/** CSV downloads for managers: readings, state intervals and 稼働率, streamed so a year of data never sits in memory. */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import type { HistoryStore } from '../../history/historyStore.js';
import { formatDate, localDate } from '../../utilization/timeZone.js';
import { ExportQuery, UtilizationExportQuery } from '../historySchemas.js';
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

export async function exportRoutes(app: FastifyInstance, options: ExportRoutesOptions): Promise<void> {
  const { history, config } = options;
  const logFailure = storageFailureLog();
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = { 400: ErrorBody, 503: ErrorBody };

  for (const kind of ['readings', 'states'] as const) {
    r.get(
      `/api/export/${kind}.csv`,
      { config: { access: 'manager' }, attachValidation: true, schema: { querystring: ExportQuery, response: errors } },
      async (request, reply) => {
        const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
        if (bad) return reply.code(400).send(bad);
        const { from, to } = request.query;
        const lines = kind === 'readings' ? history.readingsCsv(from, to) : history.statesCsv(from, to);
        return sendCsv(request, reply, logFailure, csvFileName(config, kind, from), lines);
      },
    );
  }

  r.get(
    '/api/export/utilization.csv',
    { config: { access: 'manager' }, attachValidation: true, schema: { querystring: UtilizationExportQuery, response: errors } },
    async (request, reply) => {
      const bad = invalidQuery(request) ?? badRange(request.query.from, request.query.to);
      if (bad) return reply.code(400).send(bad);
      const { from, to, by = 'day' } = request.query;
      return sendCsv(request, reply, logFailure, csvFileName(config, 'utilization', from), history.utilizationCsv(from, to, by));
    },
  );
}

/** What the tablet watches: the kit's description, the live snapshot, and server-sent events that resume without a gap. */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { KitConfig } from '../../../config/schema.js';
import type { LiveEvent, LiveModel } from '../../live/liveModel.js';
import { KitInfo, type KitInfoBody, LiveSnapshot } from '../schemas.js';

export interface LiveRoutesOptions {
  config: KitConfig;
  live: LiveModel;
  /** Bytes a client may have unread before it is dropped to a resync; a slow tablet must never slow the gateway. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** Event streams one session (or API token) may hold open; a new one past it closes that holder's oldest. */
  maxStreamsPerHolder?: number;
}

/**
 * A browser holds one stream per tab and at most six connections to a host (HTTP/1.1), so six streams per session is all a
 * person can use; without a bound one kiosk link held 2,000 streams, each fed every event (the gateway's CPU ×25).
 * The oldest goes, not the newest: it is the one most likely left half-open by a tablet that lost its Wi-Fi.
 */
export const MAX_STREAMS_PER_HOLDER = 6;

export function kitInfo(config: KitConfig): KitInfoBody {
  return {
    id: config.kit.id,
    site: config.kit.site,
    locale: config.kit.locale,
    timeZone: config.kit.timeZone,
    machines: config.machines.map((m) => ({
      id: m.id,
      name: m.name,
      ...(m.nameEn ? { nameEn: m.nameEn } : {}),
      kind: 'tower' in m.source ? ('tower' as const) : 'gpio' in m.source ? ('digital' as const) : ('current' as const),
      ...('node' in m.source ? { quantity: m.source.quantity ?? ('current' as const) } : {}),
      ...(m.thresholds ? { thresholds: { idleAbove: m.thresholds.idleAbove, runAbove: m.thresholds.runAbove } } : {}),
    })),
    zones: config.zones.map((z) => ({ id: z.id, name: z.name, ...(z.nameEn ? { nameEn: z.nameEn } : {}) })),
    shifts: config.calendar.shifts.map((s) => ({
      id: s.id,
      name: s.name,
      ...(s.nameEn ? { nameEn: s.nameEn } : {}),
      start: s.start,
      end: s.end,
    })),
    demo: config.sources.serial.some((node) => node.simulator !== undefined),
  };
}

const frame = (event: LiveEvent) => `id: ${event.id}\nevent: ${event.body.type}\ndata: ${JSON.stringify(event.body)}\n\n`;

export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const { live } = options;
  const maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const info = kitInfo(options.config);
  const maxStreams = options.maxStreamsPerHolder ?? MAX_STREAMS_PER_HOLDER;
  /** Open streams by holder, oldest first. */
  const streams = new Map<string, Set<ServerResponse>>();

  app.get('/api/kit', { config: { access: 'viewer' }, schema: { response: { 200: KitInfo } } }, async () => info);
  app.get('/api/live', { config: { access: 'viewer' }, schema: { response: { 200: LiveSnapshot } } }, async () => live.snapshot());

  app.get(
    '/api/events',
    {
      config: { access: 'viewer' },
      schema: {
        description:
          'Server-sent events: machine, zone, node, kit, resync. Send Last-Event-ID to resume. / サーバ送信イベント。Last-Event-ID で途切れなく再開。',
      },
    },
    (request, reply) => {
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and similar proxies would otherwise hold events back in their buffers.
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');

      const holder = request.authSession?.id ?? request.principal?.tokenId ?? request.ip;
      const open = streams.get(holder) ?? new Set<ServerResponse>();
      streams.set(holder, open);
      if (open.size >= maxStreams) open.values().next().value?.destroy();
      open.add(raw);

      let lagging = false;
      const send = (text: string) => {
        if (lagging) return;
        raw.write(text);
        if (raw.writableLength > maxBuffered) {
          // Stop feeding a client that does not read; once it has drained, tell it to fetch a fresh snapshot.
          lagging = true;
          raw.once('drain', () => {
            lagging = false;
            raw.write(`id: ${live.lastEventId}\nevent: resync\ndata: ${JSON.stringify({ type: 'resync', reason: 'slow client' })}\n\n`);
          });
        }
      };

      const header = request.headers['last-event-id'];
      const resumeFrom = Number(Array.isArray(header) ? header[0] : header);
      if (Number.isInteger(resumeFrom) && resumeFrom >= 0) {
        const missed = live.eventsSince(resumeFrom);
        if (missed) for (const event of missed) send(frame(event));
        else
          send(`id: ${live.lastEventId}\nevent: resync\ndata: ${JSON.stringify({ type: 'resync', reason: 'too many events missed' })}\n\n`);
      }

      const unsubscribe = live.subscribe((event) => send(frame(event)));
      // A named event (not a comment) so the page can tell a quiet kit from a dead stream; no id, so resuming is unaffected.
      const heartbeat = setInterval(() => send(`event: ping\ndata: ${JSON.stringify({ ts: Date.now() })}\n\n`), heartbeatMs);
      raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(raw);
        if (open.size === 0 && streams.get(holder) === open) streams.delete(holder);
      });
    },
  );
}

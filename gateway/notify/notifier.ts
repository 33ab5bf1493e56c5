/** Routes alarm events to notification channels and delivers them through bounded per-channel queues with retry and backoff. */
import type { Logger } from 'pino';
import type { NotificationChannelConfig, Severity } from '../../config/schema.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { composeMessage } from './message.js';
import { inQuietHours } from './quietHours.js';
import { createSender } from './senders.js';
import type { NotifierConfig, NotifyEvent, NotifyKind, Outgoing, Sender, SenderFactory } from './types.js';

export interface NotifierOptions {
  config: NotifierConfig;
  log: Logger;
  /** The clock for quiet hours, give-up and record times; timers still run on real time. */
  now?: () => number;
  /** Accepted for symmetry with the other parts; nothing is written there: pending notifications do not survive a restart. */
  dataDir?: string;
  /** Per request (and per whole SMTP send). Default 10 s. */
  timeoutMs?: number;
  /** Default 1 s doubling to 5 min. */
  backoff?: Partial<BackoffOptions>;
  /** A delivery still failing this long after it was queued is given up. Default 24 h. */
  giveUpAfterMs?: number;
  /** Pending deliveries per channel; the oldest is dropped beyond this. Default 500. */
  queueLimit?: number;
  /** Records kept for `recent()`. Default 200. */
  recentLimit?: number;
  /** How long `stop()` waits for sends in flight. Default 3 s. */
  stopGraceMs?: number;
  random?: () => number;
  /** The seam for tests: a sender per channel instead of the real HTTP/SMTP ones. */
  createSender?: SenderFactory;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'suppressed';

export interface DeliveryRecord {
  id: string;
  channel: string;
  kind: NotifyKind;
  alarmId: string;
  state: DeliveryState;
  attempts: number;
  lastError?: string;
  /** When the state last changed, ms since the epoch. */
  at: number;
}

export interface ChannelStats {
  delivered: number;
  failed: number;
  /** 1 while the channel's current delivery has failed at least once and waits for (or makes) another attempt. */
  retrying: number;
  dropped: number;
  suppressed: number;
  /** Queued plus the one being worked on. */
  pending: number;
}

export interface Notifier {
  /** Enqueues and returns at once; never throws, so the alarm engine (and ingest behind it) never waits for a channel. */
  notify(event: NotifyEvent): void;
  stats(): Record<string, ChannelStats>;
  /** Newest first. */
  recent(): DeliveryRecord[];
  stop(): Promise<void>;
}

interface Delivery {
  record: DeliveryRecord;
  out: Outgoing;
  queuedAt: number;
  memo: Map<string, string>;
}

interface ChannelRuntime {
  config: NotificationChannelConfig;
  sender: Sender;
  queue: Delivery[];
  /** The delivery being worked on, also while it waits for a retry: one at a time keeps raised before cleared. */
  current: Delivery | null;
  inFlight: Promise<void> | null;
  retryTimer: NodeJS.Timeout | null;
  startScheduled: boolean;
  counters: { delivered: number; failed: number; dropped: number; suppressed: number };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/** Alarms remembered for "cleared/acknowledged go where raised went"; far above the active alarms a kit can have. */
const ROUTED_ALARMS_MAX = 10_000;

export function createNotifier(options: NotifierOptions): Notifier {
  const { config } = options;
  const log = options.log.child({ module: 'notify' });
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const giveUpAfterMs = options.giveUpAfterMs ?? 24 * 3_600_000;
  const queueLimit = options.queueLimit ?? 500;
  const recentLimit = options.recentLimit ?? 200;
  const stopGraceMs = options.stopGraceMs ?? 3_000;
  const random = options.random ?? Math.random;
  const makeSender = options.createSender ?? ((channel: NotificationChannelConfig) => createSender(channel, timeoutMs));
  const stopSignal = new AbortController();
  const kit = { id: config.kit.id, site: config.kit.site };

  const channels = new Map<string, ChannelRuntime>();
  for (const channel of config.notifications.channels) {
    channels.set(channel.id, {
      config: channel,
      sender: makeSender(channel),
      queue: [],
      current: null,
      inFlight: null,
      retryTimer: null,
      startScheduled: false,
      counters: { delivered: 0, failed: 0, dropped: 0, suppressed: 0 },
    });
  }
  /** Alarm id → channels that were sent its raised (or reminder) notification. */
  const routed = new Map<string, Set<string>>();
  const records: DeliveryRecord[] = [];
  let sequence = 0;
  let stopped = false;

  function remember(record: DeliveryRecord): void {
    records.push(record);
    if (records.length > recentLimit) records.splice(0, records.length - recentLimit);
  }

  function newRecord(channel: ChannelRuntime, kind: NotifyKind, alarmId: string, state: DeliveryState): DeliveryRecord {
    sequence += 1;
    const record: DeliveryRecord = { id: `n${sequence}`, channel: channel.config.id, kind, alarmId, state, attempts: 0, at: now() };
    remember(record);
    return record;
  }

  function targetsOf(event: NotifyEvent): ChannelRuntime[] {
    const { kind, alarm, rule } = event;
    if (kind === 'cleared' || kind === 'acknowledged') {
      const ids = routed.get(alarm.id);
      // Only the final state ends the memory: a cleared alarm may still be acknowledged afterwards.
      if (alarm.state === 'cleared') routed.delete(alarm.id);
      return ids ? [...ids].flatMap((id) => channels.get(id) ?? []) : [];
    }
    const chosen = rule.notify?.length ? rule.notify.flatMap((id) => channels.get(id) ?? []) : [...channels.values()];
    return chosen.filter((channel) => RANK[alarm.severity] >= RANK[channel.config.minSeverity]);
  }

  /** Only raised and reminder are held back: cleared/acknowledged go only where a raised went, and let that reader stand down. */
  function quiet(channel: ChannelRuntime, event: NotifyEvent): boolean {
    const window = channel.config.quietHours;
    if (!window || event.kind === 'cleared' || event.kind === 'acknowledged') return false;
    if (event.alarm.severity === 'critical' && window.exceptCritical) return false;
    return inQuietHours(now(), window, config.kit.timeZone);
  }

  function markRouted(alarmId: string, channelId: string): void {
    let ids = routed.get(alarmId);
    if (!ids) {
      if (routed.size >= ROUTED_ALARMS_MAX) routed.delete(routed.keys().next().value as string);
      ids = new Set();
      routed.set(alarmId, ids);
    }
    ids.add(channelId);
  }

  function route(event: NotifyEvent): void {
    // A snapshot: the engine goes on changing its alarm object while a message waits in a queue.
    const alarm = structuredClone(event.alarm);
    for (const channel of targetsOf(event)) {
      if (quiet(channel, event)) {
        newRecord(channel, event.kind, alarm.id, 'suppressed');
        channel.counters.suppressed += 1;
        log.info({ channel: channel.config.id, kind: event.kind, alarmId: alarm.id }, 'notification suppressed in quiet hours');
        continue;
      }
      if (event.kind === 'raised' || event.kind === 'reminder') markRouted(alarm.id, channel.config.id);
      const message = composeMessage(event.kind, alarm, {
        locale: channel.config.locale ?? config.kit.locale,
        timeZone: config.kit.timeZone,
        site: config.kit.site,
        dashboardUrl: config.notifications.dashboardUrl,
      });
      const record = newRecord(channel, event.kind, alarm.id, 'pending');
      enqueue(channel, { record, out: { kind: event.kind, alarm, message, kit }, queuedAt: now(), memo: new Map() });
    }
  }

  function enqueue(channel: ChannelRuntime, delivery: Delivery): void {
    channel.queue.push(delivery);
    if (channel.queue.length > queueLimit) {
      const dropped = channel.queue.shift()!;
      channel.counters.dropped += 1;
      settle(dropped, 'failed', 'dropped: queue full');
      // A flood of alarms must not become a flood of log lines: the first drop and every hundredth after it.
      if (channel.counters.dropped % 100 === 1) {
        log.warn(
          { channel: channel.config.id, alarmId: dropped.record.alarmId, queueLimit, droppedSoFar: channel.counters.dropped },
          'notification queue full, oldest dropped',
        );
      }
    }
    startSoon(channel);
  }

  function settle(delivery: Delivery, state: DeliveryState, lastError?: string): void {
    delivery.record.state = state;
    delivery.record.at = now();
    if (lastError !== undefined) delivery.record.lastError = lastError;
  }

  /** Sending starts on the next turn of the event loop, so notify() costs no more than a push even for a burst. */
  function startSoon(channel: ChannelRuntime): void {
    if (channel.current || channel.startScheduled || stopped) return;
    channel.startScheduled = true;
    setImmediate(() => {
      channel.startScheduled = false;
      startNext(channel);
    });
  }

  function startNext(channel: ChannelRuntime): void {
    if (stopped || channel.current) return;
    const next = channel.queue.shift();
    if (!next) return;
    channel.current = next;
    attempt(channel, next);
  }

  function attempt(channel: ChannelRuntime, delivery: Delivery): void {
    if (stopped) return;
    delivery.record.attempts += 1;
    const sending = Promise.resolve().then(() =>
      channel.sender.send(delivery.out, { signal: stopSignal.signal, timeoutMs, memo: delivery.memo }),
    );
    channel.inFlight = sending.then(
      () => succeeded(channel, delivery),
      (err: unknown) => failedAttempt(channel, delivery, err),
    );
  }

  function logFields(channel: ChannelRuntime, delivery: Delivery) {
    return { channel: channel.config.id, kind: delivery.record.kind, alarmId: delivery.record.alarmId, attempt: delivery.record.attempts };
  }

  function succeeded(channel: ChannelRuntime, delivery: Delivery): void {
    channel.inFlight = null;
    if (stopped) return;
    settle(delivery, 'delivered');
    channel.counters.delivered += 1;
    log.info(logFields(channel, delivery), 'notification delivered');
    channel.current = null;
    startNext(channel);
  }

  function failedAttempt(channel: ChannelRuntime, delivery: Delivery, err: unknown): void {
    channel.inFlight = null;
    if (stopped) return;
    // Only the message and code are logged: error objects from fetch and nodemailer carry more than a log should.
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    delivery.record.lastError = message;
    delivery.record.at = now();
    const permanent = (err as { permanent?: unknown }).permanent === true;
    if (permanent || now() - delivery.queuedAt >= giveUpAfterMs) {
      settle(delivery, 'failed');
      channel.counters.failed += 1;
      log.warn({ ...logFields(channel, delivery), code, err: message, permanent }, 'notification failed, given up');
      channel.current = null;
      startNext(channel);
      return;
    }
    const retryInMs = backoffDelay(delivery.record.attempts, backoff, random);
    log.warn({ ...logFields(channel, delivery), code, err: message, retryInMs }, 'notification attempt failed, will retry');
    channel.retryTimer = setTimeout(() => {
      channel.retryTimer = null;
      attempt(channel, delivery);
    }, retryInMs);
    // A waiting retry must not keep a process alive that is otherwise done (tests, `minotake` one-shot commands).
    channel.retryTimer.unref();
  }

  return {
    notify(event) {
      if (stopped) return;
      try {
        route(event);
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err), kind: event?.kind }, 'notification routing failed');
      }
    },

    stats() {
      const result: Record<string, ChannelStats> = {};
      for (const [id, channel] of channels) {
        const retrying = channel.current && channel.current.record.lastError !== undefined ? 1 : 0;
        result[id] = { ...channel.counters, retrying, pending: channel.queue.length + (channel.current ? 1 : 0) };
      }
      return result;
    },

    recent() {
      return records.map((record) => ({ ...record })).reverse();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      const inFlight: Promise<void>[] = [];
      let discarded = 0;
      for (const channel of channels.values()) {
        if (channel.retryTimer) clearTimeout(channel.retryTimer);
        channel.retryTimer = null;
        discarded += channel.queue.length + (channel.current && !channel.inFlight ? 1 : 0);
        channel.queue.length = 0;
        if (channel.inFlight) inFlight.push(channel.inFlight);
      }
      if (discarded > 0) log.warn({ discarded }, 'notifications still pending at stop are discarded');
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(inFlight),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, stopGraceMs);
        }),
      ]);
      clearTimeout(graceTimer);
      // Whatever still hangs is cut off rather than waited for: shutdown must not depend on a remote server.
      stopSignal.abort();
      for (const channel of channels.values()) {
        try {
          channel.sender.close?.();
        } catch {}
      }
    },
  };
}

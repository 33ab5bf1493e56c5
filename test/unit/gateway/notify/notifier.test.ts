import { describe, expect, it, vi } from 'vitest';
import { createNotifier } from '../../../../gateway/notify/notifier.js';
import { DeliveryError } from '../../../../gateway/notify/types.js';
import { testLog } from '../../../helpers/log.js';
import { alarm, notifierConfig, recordingSenders, webhookChannel } from './fixtures.js';

const fastRetry = { backoff: { baseMs: 5, maxMs: 20 } };

describe('notifier routing', () => {
  const channels = [
    webhookChannel('all-info', { minSeverity: 'info' }),
    webhookChannel('warn', { minSeverity: 'warning', locale: 'en' }),
    webhookChannel('crit', { minSeverity: 'critical' }),
  ];

  it('sends to every channel whose minSeverity the alarm reaches when the rule names none', async () => {
    const { sent, factory } = recordingSenders();
    const notifier = createNotifier({ config: notifierConfig(channels), log: testLog, createSender: factory });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'i', severity: 'info' }), rule: {} });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'w', severity: 'warning' }), rule: { notify: [] } });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'c', severity: 'critical' }), rule: {} });
    await vi.waitFor(() => expect(notifier.stats().crit?.delivered).toBe(1));
    await vi.waitFor(() => expect(sent).toHaveLength(6));
    const where = (id: string) =>
      sent
        .filter((s) => s.out.alarm.id === id)
        .map((s) => s.channel)
        .sort();
    expect(where('i')).toEqual(['all-info']);
    expect(where('w')).toEqual(['all-info', 'warn']);
    expect(where('c')).toEqual(['all-info', 'crit', 'warn']);
    await notifier.stop();
  });

  it("uses the rule's list when given, still filtered by minSeverity", async () => {
    const { sent, factory } = recordingSenders();
    const notifier = createNotifier({ config: notifierConfig(channels), log: testLog, createSender: factory });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'w', severity: 'warning' }), rule: { notify: ['warn', 'crit', 'unknown'] } });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.channel).toBe('warn');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(1);
    await notifier.stop();
  });

  it('sends acknowledged and cleared only where raised went, in order', async () => {
    const { sent, factory } = recordingSenders();
    const notifier = createNotifier({ config: notifierConfig(channels), log: testLog, createSender: factory });
    const a = alarm({ id: 'w', severity: 'warning' });
    notifier.notify({ kind: 'raised', alarm: a, rule: { notify: ['all-info'] } });
    notifier.notify({
      kind: 'acknowledged',
      alarm: { ...a, state: 'active-acknowledged', acknowledgedAt: a.raisedAt + 1, acknowledgedBy: 'sato' },
      rule: { notify: ['all-info'] },
    });
    notifier.notify({ kind: 'cleared', alarm: { ...a, state: 'cleared', clearedAt: a.raisedAt + 2 }, rule: {} });
    // Never raised anywhere: its clear goes nowhere.
    notifier.notify({ kind: 'cleared', alarm: alarm({ id: 'ghost', state: 'cleared' }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent.map((s) => `${s.channel}:${s.out.kind}`)).toEqual(['all-info:raised', 'all-info:acknowledged', 'all-info:cleared']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(3);
    await notifier.stop();
  });

  it("writes each channel's text in its own language, else the kit's", async () => {
    const { sent, factory } = recordingSenders();
    const notifier = createNotifier({ config: notifierConfig(channels, 'http://pi.local/'), log: testLog, createSender: factory });
    notifier.notify({ kind: 'raised', alarm: alarm({ severity: 'warning' }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    const byChannel = Object.fromEntries(sent.map((s) => [s.channel, s.out.message]));
    expect(byChannel['all-info']?.title.startsWith('【警告】発生')).toBe(true);
    expect(byChannel.warn?.title.startsWith('[Warning] Raised')).toBe(true);
    expect(byChannel.warn?.link).toBe('http://pi.local/#/alarms?id=a-1');
    await notifier.stop();
  });

  it('never throws from notify, even for a broken event', async () => {
    const notifier = createNotifier({ config: notifierConfig(channels), log: testLog, createSender: recordingSenders().factory });
    expect(() => notifier.notify(undefined as never)).not.toThrow();
    expect(() => notifier.notify({ kind: 'raised', alarm: null as never, rule: {} })).not.toThrow();
    await notifier.stop();
  });
});

describe('notifier delivery', () => {
  it('retries a failing channel with backoff and delivers once', async () => {
    const { sent, factory } = recordingSenders(async (_channel, attempt) => {
      if (attempt <= 2) throw new DeliveryError('NOTIFY_HTTP_STATUS', 'answered 503');
    });
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      ...fastRetry,
    });
    notifier.notify({ kind: 'raised', alarm: alarm(), rule: {} });
    await vi.waitFor(() => expect(notifier.stats().hook?.delivered).toBe(1));
    expect(sent.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(notifier.recent()[0]).toMatchObject({ channel: 'hook', kind: 'raised', alarmId: 'a-1', state: 'delivered', attempts: 3 });
    expect(notifier.recent()[0]?.lastError).toBe('answered 503');
    expect(notifier.stats().hook).toMatchObject({ delivered: 1, failed: 0, retrying: 0, pending: 0 });
    await notifier.stop();
  });

  it('reports retrying while waiting, and gives up after the give-up time', async () => {
    let clock = 1_000_000;
    const { sent, factory } = recordingSenders(async () => {
      throw new DeliveryError('NOTIFY_NETWORK', 'unreachable: ECONNREFUSED');
    });
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      now: () => clock,
      backoff: { baseMs: 5, maxMs: 5 },
      giveUpAfterMs: 3_600_000,
    });
    notifier.notify({ kind: 'raised', alarm: alarm(), rule: {} });
    await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(2));
    expect(notifier.stats().hook).toMatchObject({ retrying: 1, pending: 1, failed: 0 });
    expect(notifier.recent()[0]?.state).toBe('pending');
    clock += 3_600_000;
    await vi.waitFor(() => expect(notifier.stats().hook?.failed).toBe(1));
    expect(notifier.stats().hook).toMatchObject({ retrying: 0, pending: 0 });
    expect(notifier.recent()[0]).toMatchObject({ state: 'failed', lastError: 'unreachable: ECONNREFUSED' });
    await notifier.stop();
  });

  it('fails at once on a permanent error and goes on with the next', async () => {
    const { sent, factory } = recordingSenders(async (_channel, _attempt, out) => {
      if (out.alarm.id === 'bad') throw new DeliveryError('NOTIFY_HTTP_STATUS', 'answered 404', { permanent: true });
    });
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      ...fastRetry,
    });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'bad' }), rule: {} });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'good' }), rule: {} });
    await vi.waitFor(() => expect(notifier.stats().hook).toMatchObject({ delivered: 1, failed: 1 }));
    expect(sent.map((s) => `${s.out.alarm.id}#${s.attempt}`)).toEqual(['bad#1', 'good#1']);
    await notifier.stop();
  });

  it('keeps one send in flight per channel and bounds the queue, dropping the oldest', async () => {
    const releases: (() => void)[] = [];
    const { sent, factory } = recordingSenders(() => new Promise<void>((resolve) => releases.push(resolve)));
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      queueLimit: 3,
    });
    for (let i = 1; i <= 10; i += 1) notifier.notify({ kind: 'raised', alarm: alarm({ id: `a${i}` }), rule: {} });
    // All ten were queued in the loop before anything was sent: the seven oldest did not fit.
    expect(notifier.stats().hook).toMatchObject({ dropped: 7, pending: 3 });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(1);
    while (notifier.stats().hook?.delivered !== 3) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sent.map((s) => s.out.alarm.id)).toEqual(['a8', 'a9', 'a10']);
    const dropped = notifier.recent().filter((r) => r.lastError === 'dropped: queue full');
    expect(dropped.map((r) => r.alarmId).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(dropped.every((r) => r.state === 'failed')).toBe(true);
    expect(notifier.stats().hook).toMatchObject({ delivered: 3, failed: 0, dropped: 7, pending: 0 });
    await notifier.stop();
  });

  it('keeps recent() bounded, newest first', async () => {
    const { factory } = recordingSenders();
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      recentLimit: 4,
    });
    for (let i = 1; i <= 6; i += 1) notifier.notify({ kind: 'raised', alarm: alarm({ id: `a${i}` }), rule: {} });
    await vi.waitFor(() => expect(notifier.stats().hook?.delivered).toBe(6));
    expect(notifier.recent().map((r) => r.alarmId)).toEqual(['a6', 'a5', 'a4', 'a3']);
    await notifier.stop();
  });

  it('sends a snapshot of the alarm, not what the engine changed afterwards', async () => {
    const { sent, factory } = recordingSenders();
    const notifier = createNotifier({ config: notifierConfig([webhookChannel('hook')]), log: testLog, createSender: factory });
    const live = alarm();
    notifier.notify({ kind: 'raised', alarm: live, rule: {} });
    live.state = 'cleared';
    live.message.ja = 'changed';
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.out.alarm.state).toBe('active-unacknowledged');
    expect(sent[0]?.out.alarm.message.ja).toBe('第1工場 WBGT 28.4 ≥ 28 (厳重警戒)');
    await notifier.stop();
  });

  it('stop waits at most the grace time for a hanging send and drops what is queued', async () => {
    const { sent, factory } = recordingSenders(() => new Promise<void>(() => {}));
    const notifier = createNotifier({
      config: notifierConfig([webhookChannel('hook')]),
      log: testLog,
      createSender: factory,
      stopGraceMs: 50,
    });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'a1' }), rule: {} });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'a2' }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await notifier.stop();
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'a3' }), rule: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent.map((s) => s.out.alarm.id)).toEqual(['a1']);
  });
});

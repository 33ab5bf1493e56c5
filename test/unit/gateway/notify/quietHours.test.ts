import { describe, expect, it, vi } from 'vitest';
import { createNotifier } from '../../../../gateway/notify/notifier.js';
import { inQuietHours } from '../../../../gateway/notify/quietHours.js';
import { testLog } from '../../../helpers/log.js';
import { alarm, notifierConfig, recordingSenders, webhookChannel } from './fixtures.js';

/** ms of a Tokyo wall-clock time on 2025-07-01 (UTC+9, no DST). */
const tokyo = (hh: number, mm: number, day = 1) => Date.UTC(2025, 6, day, hh - 9, mm);

describe('quiet hours window', () => {
  const night = { start: '22:00', end: '06:00' };

  it('crosses midnight on the kit clock', () => {
    expect(inQuietHours(tokyo(21, 59), night, 'Asia/Tokyo')).toBe(false);
    expect(inQuietHours(tokyo(22, 0), night, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(23, 59), night, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(0, 0, 2), night, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(5, 59, 2), night, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(6, 0, 2), night, 'Asia/Tokyo')).toBe(false);
    expect(inQuietHours(tokyo(12, 0), night, 'Asia/Tokyo')).toBe(false);
  });

  it('reads the kit time zone, not UTC', () => {
    // 23:00 in Tokyo is 14:00 UTC: quiet in Tokyo, not in London's summer (15:00).
    expect(inQuietHours(tokyo(23, 0), night, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(23, 0), night, 'Europe/London')).toBe(false);
  });

  it('handles a daytime window and an empty one', () => {
    const lunch = { start: '12:00', end: '13:00' };
    expect(inQuietHours(tokyo(12, 30), lunch, 'Asia/Tokyo')).toBe(true);
    expect(inQuietHours(tokyo(13, 0), lunch, 'Asia/Tokyo')).toBe(false);
    expect(inQuietHours(tokyo(12, 30), { start: '12:00', end: '12:00' }, 'Asia/Tokyo')).toBe(false);
  });
});

describe('notifier in quiet hours', () => {
  function setup(exceptCritical: boolean) {
    let clock = tokyo(21, 30);
    const { sent, factory } = recordingSenders();
    const config = notifierConfig([
      webhookChannel('night', { quietHours: { start: '22:00', end: '06:00', exceptCritical } }),
      webhookChannel('always'),
    ]);
    const notifier = createNotifier({ config, log: testLog, now: () => clock, createSender: factory });
    return { notifier, sent, setClock: (ms: number) => (clock = ms) };
  }

  it('suppresses non-critical raised and reminder, records them, and delivers again after the window', async () => {
    const { notifier, sent, setClock } = setup(true);
    setClock(tokyo(23, 30));
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'w1' }), rule: {} });
    setClock(tokyo(2, 0, 2));
    notifier.notify({ kind: 'reminder', alarm: alarm({ id: 'w1' }), rule: {} });
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'c1', severity: 'critical' }), rule: {} });
    setClock(tokyo(6, 0, 2));
    notifier.notify({ kind: 'reminder', alarm: alarm({ id: 'w1' }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(6));
    const toNight = sent.filter((s) => s.channel === 'night').map((s) => `${s.out.kind}:${s.out.alarm.id}`);
    expect(toNight).toEqual(['raised:c1', 'reminder:w1']);
    expect(sent.filter((s) => s.channel === 'always')).toHaveLength(4);
    const suppressed = notifier
      .recent()
      .filter((r) => r.state === 'suppressed')
      .map((r) => `${r.channel}:${r.kind}:${r.alarmId}`);
    expect(suppressed).toEqual(['night:reminder:w1', 'night:raised:w1']);
    expect(notifier.stats().night).toMatchObject({ suppressed: 2, delivered: 2 });
    expect(notifier.stats().always).toMatchObject({ suppressed: 0, delivered: 4 });
    await notifier.stop();
  });

  it('holds critical back too when exceptCritical is off', async () => {
    const { notifier, sent, setClock } = setup(false);
    setClock(tokyo(22, 15));
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'c1', severity: 'critical' }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.channel).toBe('always');
    expect(notifier.stats().night?.suppressed).toBe(1);
    await notifier.stop();
  });

  it('still tells a channel that an alarm it was sent before the window has cleared', async () => {
    const { notifier, sent, setClock } = setup(true);
    notifier.notify({ kind: 'raised', alarm: alarm({ id: 'w1' }), rule: {} });
    setClock(tokyo(22, 30));
    notifier.notify({ kind: 'cleared', alarm: alarm({ id: 'w1', state: 'cleared-unacknowledged', clearedAt: tokyo(22, 30) }), rule: {} });
    await vi.waitFor(() => expect(sent).toHaveLength(4));
    expect(sent.filter((s) => s.channel === 'night').map((s) => s.out.kind)).toEqual(['raised', 'cleared']);
    await notifier.stop();
  });
});

/** Alarms, configs and a recording sender for the notifier's unit tests. */
import type { NotificationChannelConfig } from '../../../../config/schema.js';
import type { AlarmBody } from '../../../../gateway/http/schemas.js';
import type { NotifierConfig, Outgoing, Sender } from '../../../../gateway/notify/types.js';

/** 2025-07-01 14:05:00 in Tokyo (05:05 UTC). */
export const RAISED_AT = Date.UTC(2025, 6, 1, 5, 5, 0);

export function alarm(overrides: Partial<AlarmBody> = {}): AlarmBody {
  return {
    id: 'a-1',
    ruleId: 'wbgt-28',
    target: { kind: 'zone', id: 'floor' },
    severity: 'warning',
    state: 'active-unacknowledged',
    message: { ja: '第1工場 WBGT 28.4 ≥ 28 (厳重警戒)', en: 'Plant 1 WBGT 28.4 ≥ 28 (severe warning)' },
    value: 28.4,
    raisedAt: RAISED_AT,
    clearedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    comment: null,
    ...overrides,
  };
}

export function webhookChannel(id: string, extra: Partial<Extract<NotificationChannelConfig, { kind: 'webhook' }>> = {}) {
  return { id, kind: 'webhook' as const, url: `http://127.0.0.1:9/${id}`, minSeverity: 'info' as const, ...extra };
}

export function notifierConfig(channels: NotificationChannelConfig[], dashboardUrl?: string): NotifierConfig {
  return {
    kit: { id: 'kit-a01', site: 'テスト工場', timeZone: 'Asia/Tokyo', locale: 'ja' },
    notifications: { channels, ...(dashboardUrl ? { dashboardUrl } : {}) },
  };
}

export interface SentMessage {
  channel: string;
  out: Outgoing;
  attempt: number;
}

/** Records every attempt; `behaviour` decides per attempt whether it succeeds, fails or hangs. */
export function recordingSenders(behaviour: (channel: string, attempt: number, out: Outgoing) => Promise<void> = async () => {}) {
  const sent: SentMessage[] = [];
  const attempts = new Map<string, number>();
  const factory = (channel: NotificationChannelConfig): Sender => ({
    async send(out) {
      const key = `${channel.id}/${out.kind}/${out.alarm.id}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      sent.push({ channel: channel.id, out, attempt });
      await behaviour(channel.id, attempt, out);
    },
  });
  return { sent, factory };
}

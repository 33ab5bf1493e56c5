/** The text of an alarm notification, in Japanese or English, with times in the kit's time zone and a link to the dashboard. */
import type { AlarmBody } from '../http/schemas.js';
import { localTime } from '../utilization/timeZone.js';
import type { NotifyKind } from './types.js';

export type Locale = 'ja' | 'en';

export interface NotificationText {
  locale: Locale;
  /** Severity and kind first, so a phone's lock screen tells what matters; also the e-mail subject. */
  title: string;
  /** The body, one fact a line, without the title. */
  lines: string[];
  /** Title and body as plain text. */
  text: string;
  link: string | null;
  linkLabel: string;
}

export interface MessageOptions {
  locale: Locale;
  timeZone: string;
  site: string;
  dashboardUrl?: string | undefined;
}

const SEVERITY: Record<Locale, Record<AlarmBody['severity'], string>> = {
  ja: { info: '情報', warning: '警告', critical: '重大' },
  en: { info: 'Info', warning: 'Warning', critical: 'Critical' },
};

const KIND: Record<Locale, Record<NotifyKind, string>> = {
  ja: { raised: '発生', cleared: '解除', reminder: '未確認の再通知', acknowledged: '確認済み' },
  en: { raised: 'Raised', cleared: 'Cleared', reminder: 'Reminder: not acknowledged', acknowledged: 'Acknowledged' },
};

const LABEL = {
  ja: {
    raisedAt: '発生時刻',
    clearedAt: '解除時刻',
    acknowledged: '確認',
    comment: 'コメント',
    site: '拠点',
    link: 'ダッシュボードで見る',
  },
  en: {
    raisedAt: 'Raised at',
    clearedAt: 'Cleared at',
    acknowledged: 'Acknowledged',
    comment: 'Comment',
    site: 'Site',
    link: 'Open in dashboard',
  },
} as const;

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2025-07-01 14:05` in the kit's zone: the reader is in the factory's time zone, not the Pi's (which may run in UTC). */
export function formatLocalTime(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}`;
}

export function alarmLink(dashboardUrl: string | undefined, alarmId: string): string | null {
  return dashboardUrl ? `${dashboardUrl}#/alarms?id=${encodeURIComponent(alarmId)}` : null;
}

export function composeMessage(kind: NotifyKind, alarm: AlarmBody, options: MessageOptions): NotificationText {
  const { locale, timeZone } = options;
  const label = LABEL[locale];
  const sep = locale === 'ja' ? '：' : ': ';
  const title =
    locale === 'ja'
      ? `【${SEVERITY.ja[alarm.severity]}】${KIND.ja[kind]}：${alarm.message.ja}`
      : `[${SEVERITY.en[alarm.severity]}] ${KIND.en[kind]}: ${alarm.message.en}`;
  const lines = [alarm.message[locale], `${label.raisedAt}${sep}${formatLocalTime(alarm.raisedAt, timeZone)}`];
  if (alarm.clearedAt !== null) lines.push(`${label.clearedAt}${sep}${formatLocalTime(alarm.clearedAt, timeZone)}`);
  if (alarm.acknowledgedAt !== null) {
    const who = alarm.acknowledgedBy ?? '?';
    lines.push(`${label.acknowledged}${sep}${who} (${formatLocalTime(alarm.acknowledgedAt, timeZone)})`);
  }
  if (alarm.comment) lines.push(`${label.comment}${sep}${alarm.comment}`);
  lines.push(`${label.site}${sep}${options.site}`);
  const link = alarmLink(options.dashboardUrl, alarm.id);
  const text = [title, ...lines, ...(link ? [`${label.link}${sep}${link}`] : [])].join('\n');
  return { locale, title, lines, text, link, linkLabel: label.link };
}

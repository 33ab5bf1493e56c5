/** Numbers, durations and clock times as the shop floor reads them, clock times always in the kit's time zone. */
import type { Lang, Translate } from './i18n';

export function formatDuration(ms: number, t: Translate): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return t('duration.dh', { d, h });
  if (h > 0) return t('duration.hm', { h, m: String(m).padStart(2, '0') });
  if (m > 0) return t('duration.ms', { m, s: String(s).padStart(2, '0') });
  return t('duration.s', { s });
}

/** A 0–1 ratio as a whole percentage. */
export function formatPct(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${Math.round(ratio * 100)}%`;
}

const counts = new Map<Lang, Intl.NumberFormat>();

/**
 * A count a person reads (parts, rejects, readings, images) grouped as both languages write it: 4,160, not 4160. One formatter per
 * language, made on first use: a board or a table formats hundreds. No count is "—", never 0. CSV exports keep raw numbers.
 */
export function formatCount(value: number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  let f = counts.get(lang);
  if (!f) {
    f = new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { maximumFractionDigits: 0 });
    counts.set(lang, f);
  }
  return f.format(value);
}

export function formatNumber(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export type TimeStyle = 'time' | 'seconds' | 'dateTime' | 'date';

/** A clock time in the kit's zone; formatters are cached because a Gantt or a table formats hundreds. */
export function formatTime(ms: number, timeZone: string, lang: Lang, style: TimeStyle = 'time'): string {
  const key = `${timeZone}|${lang}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = { timeZone, hourCycle: 'h23' };
    // English as 'Wed 2 Dec': a numeric 02/12 is read as 12 February by half the world.
    if (style === 'dateTime' || style === 'date')
      Object.assign(options, { month: lang === 'ja' ? 'numeric' : 'short', day: 'numeric', weekday: 'short' });
    if (style !== 'date') Object.assign(options, { hour: '2-digit', minute: '2-digit' });
    if (style === 'seconds') options.second = '2-digit';
    f = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', options);
    formatters.set(key, f);
  }
  return f.format(ms);
}

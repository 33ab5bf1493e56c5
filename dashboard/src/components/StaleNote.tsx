/** Whether a live value is too old to trust (10 s), and the text that says so: dimming alone would be missed. */
import { formatTime } from '../format';
import { useI18n } from '../i18n';

export const STALE_AFTER_MS = 10_000;

export function isStale(lastReadingAt: number | null | undefined, now: number): boolean {
  return lastReadingAt === null || lastReadingAt === undefined || now - lastReadingAt > STALE_AFTER_MS;
}

export function StaleNote({ lastReadingAt, timeZone }: { lastReadingAt: number | null | undefined; timeZone: string }) {
  const { t, lang } = useI18n();
  const when = lastReadingAt ? t('stale.lastReading', { time: formatTime(lastReadingAt, timeZone, lang, 'dateTime') }) : t('stale.never');
  return (
    <p class="stale-note">
      <strong>{t('stale.label')}</strong> <span>{when}</span>
    </p>
  );
}

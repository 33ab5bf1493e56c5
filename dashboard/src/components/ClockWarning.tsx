/** A banner on every page when the kit's clock cannot be trusted: it differs from this device, or went back after a power cut. */
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { CLOCK_TOLERANCE_MS, type ClockReading, formatOffset, readKitClock } from '../kitClock';
import { atLeast } from '../roles';
import { href } from '../router';
import type { Me } from '../types';

export function ClockWarning({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const [reading, setReading] = useState<ClockReading | null>(null);
  useEffect(() => {
    const check = () => readKitClock().then(setReading, () => {});
    void check();
    // The clock may be set meanwhile (or drift without NTP): look again now and then.
    const timer = setInterval(check, 5 * 60_000);
    addEventListener('minotake-clock-set', check);
    return () => {
      clearInterval(timer);
      removeEventListener('minotake-clock-set', check);
    };
  }, []);
  if (!reading) return null;
  const off = Math.abs(reading.offsetMs) > CLOCK_TOLERANCE_MS;
  if (!off && !reading.clock.wentBack) return null;
  const admin = atLeast(me.role, 'admin') && !me.kiosk;
  return (
    <div class="clock-warning" role="alert" data-testid="clock-warning">
      <span>{off ? t('clock.warnDiff', { diff: formatOffset(reading.offsetMs, lang) }) : t('clock.warnBack')}</span>{' '}
      {admin ? <a href={href.doctor}>{t('clock.fixAdmin')}</a> : <span>{t('clock.fixOther')}</span>}
    </div>
  );
}

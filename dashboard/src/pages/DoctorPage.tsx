/** The doctor page: the same checks as `minotake doctor`, in plain words with what to do, and the kit's clock with a way to set it. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { formatTime } from '../format';
import { useFetched } from '../hooks';
import { errorText, useI18n } from '../i18n';
import { CLOCK_TOLERANCE_MS, type ClockReading, formatOffset, readKitClock } from '../kitClock';
import { atLeast } from '../roles';
import { href } from '../router';
import type { CheckBody, DoctorResponse, KitInfo, Me } from '../types';

const MARK = { ok: '✓', info: 'i', warn: '!', fail: '✗' } as const;

function CheckRow({ check }: { check: CheckBody }) {
  const { t, lang } = useI18n();
  return (
    <li class={`check check-${check.status}`} data-testid={`check-${check.id}`}>
      <span class="check-mark" aria-hidden="true">
        {MARK[check.status]}
      </span>
      <div>
        <strong>{check.title[lang]}</strong>
        <p>{check.detail[lang]}</p>
        {check.action && check.status !== 'ok' && (
          <p class="check-action">
            {t('doctor.action')}: {check.action[lang]}
          </p>
        )}
      </div>
    </li>
  );
}

function ClockPanel({ me, kit }: { me: Me; kit: KitInfo }) {
  const { t, lang } = useI18n();
  const [reading, setReading] = useState<ClockReading | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [, tick] = useState(0);
  useEffect(() => {
    void readKitClock().then(setReading, () => {});
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const admin = atLeast(me.role, 'admin') && !me.kiosk;
  const setClock = async () => {
    setBusy(true);
    setMessage(null);
    try {
      await api.put('api/clock', { now: Date.now() });
      setReading(await readKitClock());
      setMessage({ ok: true, text: t('clock.setDone') });
      dispatchEvent(new Event('minotake-clock-set'));
    } catch (error) {
      setMessage({
        ok: false,
        text: errorText(error instanceof ApiError ? error : new ApiError(0, 'UNKNOWN', String(error), null), lang, t, 'app.error'),
      });
    } finally {
      setBusy(false);
    }
  };
  if (!reading) return null;
  const device = Date.now();
  const off = Math.abs(reading.offsetMs) > CLOCK_TOLERANCE_MS;
  return (
    <section class="panel clock-panel" data-testid="clock-panel">
      <h2 class="section-title">{t('clock.title')}</h2>
      <dl class="figures">
        <dt>{t('clock.kit')}</dt>
        <dd class="mono">{formatTime(device + reading.offsetMs, kit.timeZone, lang, 'dateTime')}</dd>
        <dt>{t('clock.device')}</dt>
        <dd class="mono">{formatTime(device, kit.timeZone, lang, 'dateTime')}</dd>
      </dl>
      <p class={off || reading.clock.wentBack ? 'form-error' : undefined}>
        {off ? t('clock.diff', { diff: formatOffset(reading.offsetMs, lang) }) : t('clock.same')}
        {reading.clock.synchronized === false ? ` · ${t('clock.unsynced')}` : ''}
        {reading.clock.wentBack ? ` · ${t('clock.warnBack')}` : ''}
      </p>
      {admin && (
        <button type="button" class="button" disabled={busy} onClick={() => void setClock()} data-testid="set-clock">
          {t('clock.set')}
        </button>
      )}
      {message && (
        <p class={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
    </section>
  );
}

export default function DoctorPage({ me, kit }: { me: Me; kit: KitInfo }) {
  const { t, lang } = useI18n();
  const [version, setVersion] = useState(0);
  const doctor = useFetched<DoctorResponse>('api/doctor', undefined, version);
  return (
    <>
      <h1 class="page-title">{t('doctor.title')}</h1>
      <p>{t('doctor.intro')}</p>
      <ClockPanel me={me} kit={kit} />
      <section class="panel">
        <div class="doctor-head">
          {doctor.data && !doctor.loading ? (
            <p class={`doctor-status check-${doctor.data.status}`} data-testid="doctor-status">
              {t(`doctor.status.${doctor.data.status}`)}
            </p>
          ) : (
            <p class="loading">{t('doctor.checking')}</p>
          )}
          <button type="button" class="button secondary" disabled={doctor.loading} onClick={() => setVersion((v) => v + 1)}>
            {t('doctor.again')}
          </button>
          <a class="button secondary" href={href.calibration()}>
            {t('doctor.calibrate')}
          </a>
        </div>
        {doctor.error && <p class="form-error">{t('app.loadFailed', { message: errorText(doctor.error, lang, t, 'app.error') })}</p>}
        {doctor.data && (
          <ul class="checks">
            {doctor.data.checks.map((check) => (
              <CheckRow key={check.id} check={check} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

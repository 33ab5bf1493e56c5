/** The wall tablet's switch for the alarm beep and flashing border; turning it on is the gesture browsers ask before sound. */
import { alertStore, setAlert } from '../alarmAlert';
import { useI18n } from '../i18n';
import { useStore } from '../store';

export function AlarmAlertSwitch() {
  const { t } = useI18n();
  const on = useStore(alertStore);
  return (
    <button
      type="button"
      class="alert-switch"
      data-testid="alarm-sound-switch"
      aria-pressed={on}
      title={t('alarm.alertHelp')}
      aria-label={t(on ? 'alarm.alertOn' : 'alarm.alertOff')}
      onClick={() => setAlert(!on)}
    >
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor" />
        {on ? (
          <path d="M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="2" />
        ) : (
          <path d="m15 9 6 6m0-6-6 6" fill="none" stroke="currentColor" stroke-width="2" />
        )}
      </svg>
      {/* On a phone only the icon shows; the label stays for screen readers. */}
      <span class="alert-switch-label">{t(on ? 'alarm.alertOn' : 'alarm.alertOff')}</span>
    </button>
  );
}

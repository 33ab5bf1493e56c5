/** An alarm's severity as an icon and a word, so that its colour is never the only signal. */
import type { JSX } from 'preact';
import { useI18n } from '../i18n';
import type { AlarmSeverity } from '../types';

const ICON: Record<AlarmSeverity, JSX.Element> = {
  // An octagon with a bar: stop and look.
  critical: (
    <>
      <path d="M8 2h8l6 6v8l-6 6H8l-6-6V8z" fill="currentColor" />
      <rect x="11" y="6" width="2" height="8" fill="#fff" />
      <rect x="11" y="16" width="2" height="2" fill="#fff" />
    </>
  ),
  warning: (
    <>
      <path d="M12 2 1 21h22z" fill="currentColor" />
      <rect x="11" y="9" width="2" height="6" fill="#fff" />
      <rect x="11" y="16.5" width="2" height="2" fill="#fff" />
    </>
  ),
  info: (
    <>
      <circle cx="12" cy="12" r="10" fill="currentColor" />
      <rect x="11" y="10" width="2" height="8" fill="#fff" />
      <rect x="11" y="6" width="2" height="2" fill="#fff" />
    </>
  ),
};

export function SeverityBadge({ severity }: { severity: AlarmSeverity }) {
  const { t } = useI18n();
  return (
    <span class={`severity severity-${severity}`}>
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        {ICON[severity]}
      </svg>
      {t(`alarm.severity.${severity}`)}
    </span>
  );
}

/** "Connection lost — reconnecting…" while the event stream is down, announced to screen readers as it appears. */
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { useStore } from '../store';

export function ConnectionBanner() {
  const { connected } = useStore(liveStore);
  const { t } = useI18n();
  // The live region stays in the page so that its change is announced; the banner inside it comes and goes.
  return (
    <div class="connection-region" aria-live="assertive" aria-atomic="true">
      {!connected && (
        <p class="connection-banner" data-testid="connection-banner">
          <span class="spinner" aria-hidden="true" />
          {t('conn.lost')}
        </p>
      )}
    </div>
  );
}

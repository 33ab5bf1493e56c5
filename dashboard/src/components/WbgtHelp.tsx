/** How the WBGT shown is estimated, where it holds, and the legal threshold: folded away until asked for. */
import { useI18n } from '../i18n';

export function WbgtHelp() {
  const { t } = useI18n();
  return (
    <details class="help">
      <summary>{t('wbgt.helpTitle')}</summary>
      <p>{t('wbgt.help1')}</p>
      <p>{t('wbgt.help2')}</p>
      <p>{t('wbgt.help3')}</p>
      <p>{t('wbgt.help4')}</p>
    </details>
  );
}

/** A WBGT level as a coloured badge that also says the level in words. */
import { useI18n } from '../i18n';
import type { WbgtLevel } from '../types';

export function WbgtBadge({ level }: { level: WbgtLevel | null }) {
  const { t } = useI18n();
  if (!level) return <span class="wbgt-badge">{t('app.noValue')}</span>;
  return <span class={`wbgt-badge wbgt-${level}`}>{t(`wbgt.${level}`)}</span>;
}

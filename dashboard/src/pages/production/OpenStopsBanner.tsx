/** On the overview: how many stops wait for a reason, as one big button to the reason page (nothing when none do). */
import { useNow } from '../../clock';
import { useFetched } from '../../hooks';
import { useI18n } from '../../i18n';
import { href } from '../../router';
import type { KitInfo } from '../../types';
import type { ProductionNow } from './productionApi';
import './production.css';

const REFRESH_MS = 15_000;

export function OpenStopsBanner({ kit }: { kit: KitInfo }) {
  const { t, name } = useI18n();
  const tick = useNow(REFRESH_MS);
  const now = useFetched<ProductionNow>('api/production/now', undefined, tick);
  const pending = now.data?.pending ?? [];
  if (pending.length === 0) return null;
  const machines = [...new Set(pending.map((s) => s.machine))].map((id) => {
    const m = kit.machines.find((x) => x.id === id);
    return m ? name(m) : id;
  });
  return (
    <a class="open-stops" href={href.stops()} data-testid="open-stops">
      <strong data-testid="open-stops-count">{t('prod.banner.count', { n: pending.length })}</strong>
      <span>{machines.join('・')}</span>
      <span class="open-stops-go">{t('prod.banner.go')}</span>
    </a>
  );
}

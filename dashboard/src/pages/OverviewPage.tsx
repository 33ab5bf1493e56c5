/** The shop-floor tablet's page: every machine's andon tile and every zone's climate card, live from the event stream. */

import { useNow } from '../clock';
import { WbgtHelp } from '../components/WbgtHelp';
import { errorText, useI18n } from '../i18n';
import { liveStore } from '../live';
import { useStore } from '../store';
import type { KitInfo } from '../types';
import { MachineTile } from './MachineTile';
import { OpenStopsBanner } from './production/OpenStopsBanner';
import { ZoneCard } from './ZoneCard';

export function OverviewPage({ kit }: { kit: KitInfo }) {
  const { t, lang } = useI18n();
  const { snapshot, loadError } = useStore(liveStore);
  const now = useNow();
  if (!snapshot) {
    return loadError ? (
      <p class="panel error">{t('app.loadFailed', { message: errorText(loadError, lang, t, 'app.error') })}</p>
    ) : (
      <p class="loading">{t('app.loading')}</p>
    );
  }
  const machines = new Map(snapshot.machines.map((m) => [m.id, m]));
  const zones = new Map(snapshot.zones.map((z) => [z.id, z]));
  return (
    <>
      <h1 class="visually-hidden">{t('nav.overview')}</h1>
      <OpenStopsBanner kit={kit} />
      <section aria-labelledby="overview-machines">
        <h2 id="overview-machines" class="section-title">
          {t('overview.machines')}
        </h2>
        {kit.machines.length === 0 ? (
          <p>{t('overview.noMachines')}</p>
        ) : (
          <ul class="tile-grid">
            {kit.machines.map((m) => (
              <li key={m.id}>
                <MachineTile machine={m} live={machines.get(m.id)} now={now} timeZone={kit.timeZone} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="overview-zones">
        <h2 id="overview-zones" class="section-title">
          {t('overview.zones')}
        </h2>
        {kit.zones.length === 0 ? (
          <p>{t('overview.noZones')}</p>
        ) : (
          <div class="zone-grid">
            {kit.zones.map((z) => (
              <ZoneCard key={z.id} zone={z} live={zones.get(z.id)} now={now} timeZone={kit.timeZone} />
            ))}
          </div>
        )}
        <WbgtHelp />
      </section>
    </>
  );
}

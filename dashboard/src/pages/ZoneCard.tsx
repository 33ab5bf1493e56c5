/** One zone's climate: temperature, humidity, WBGT with its level, the legal-threshold scale and alert; a link to its history. */

import { useNow } from '../clock';
import { isStale, StaleNote } from '../components/StaleNote';
import { WarningIcon } from '../components/WarningIcon';
import { WbgtBadge } from '../components/WbgtBadge';
import { WbgtScale } from '../components/WbgtScale';
import { formatNumber } from '../format';
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { LEGAL_AIR_C } from '../palette';
import { href } from '../router';
import { useStore } from '../store';
import type { KitZone, ZoneLive } from '../types';

interface Props {
  zone: KitZone;
  live: ZoneLive | undefined;
  now: number;
  timeZone: string;
  /** On the overview the card opens the zone's history; on that page it is only the header. */
  link?: boolean;
}

export function ZoneCard({ zone, live, now, timeZone, link = true }: Props) {
  const { t, name } = useI18n();
  const stale = isStale(live?.lastReadingAt, now);
  const airOver = live?.temperatureC != null && live.temperatureC >= LEGAL_AIR_C;
  const body = (
    <>
      <h3 class="zone-name">{name(zone)}</h3>
      <dl class="zone-figures">
        <div>
          <dt>{t('zone.temperature')}</dt>
          <dd>
            {formatNumber(live?.temperatureC, 1)} <small>°C</small>
            {airOver && <span class="legal-chip">{t('zone.airOverLegal')}</span>}
          </dd>
        </div>
        <div>
          <dt>{t('zone.humidity')}</dt>
          <dd>
            {formatNumber(live?.humidityPct, 0)} <small>%</small>
          </dd>
        </div>
        <div class="wbgt-figure">
          <dt>{t('zone.wbgt')}</dt>
          <dd>
            {formatNumber(live?.wbgtC, 1)} <WbgtBadge level={live?.level ?? null} />
          </dd>
        </div>
      </dl>
      <WbgtScale value={live?.wbgtC ?? null} level={live?.level ?? null} />
      {live?.legalThreshold && (
        <p class="legal-alert">
          <WarningIcon />
          <span>{t('zone.legalReached')}</span>
        </p>
      )}
      {stale && <StaleNote lastReadingAt={live?.lastReadingAt} timeZone={timeZone} />}
    </>
  );
  const className = `zone-card${stale ? ' stale' : ''}${live?.legalThreshold ? ' legal' : ''}`;
  return link ? (
    <a class={className} href={href.environment(zone.id)} data-testid={`zone-${zone.id}`}>
      {body}
    </a>
  ) : (
    <section class={className} data-testid={`zone-${zone.id}`}>
      {body}
    </section>
  );
}

/** The card fed from the live store and ticking by itself, so a history page around it re-renders only when its data changes. */
export function LiveZoneHeader({ zone, timeZone }: { zone: KitZone; timeZone: string }) {
  const { snapshot } = useStore(liveStore);
  const now = useNow();
  return <ZoneCard zone={zone} live={snapshot?.zones.find((z) => z.id === zone.id)} now={now} timeZone={timeZone} link={false} />;
}

/** A WBGT scale 15–35 in the level colours, with the legal threshold (28) marked and a pointer at the current value. */
import { formatNumber } from '../format';
import { useI18n } from '../i18n';
import { LEGAL_WBGT_C, WBGT_FROM, WBGT_LEVELS } from '../palette';
import type { WbgtLevel } from '../types';

const MIN = 15;
const MAX = 35;
const pct = (v: number) => `${((Math.min(MAX, Math.max(MIN, v)) - MIN) / (MAX - MIN)) * 100}%`;

export function WbgtScale({ value, level }: { value: number | null; level: WbgtLevel | null }) {
  const { t } = useI18n();
  const label = t('zone.scaleLabel', { value: formatNumber(value, 1), level: level ? t(`wbgt.${level}`) : t('app.noValue') });
  return (
    <div class="wbgt-scale" role="img" aria-label={label}>
      <div class="wbgt-bands">
        {WBGT_LEVELS.map((l, i) => {
          const from = Math.max(MIN, WBGT_FROM[l]);
          const next = WBGT_LEVELS[i + 1];
          const to = next ? WBGT_FROM[next] : MAX;
          return <span key={l} class={`wbgt-band wbgt-${l}`} style={{ width: `${((to - from) / (MAX - MIN)) * 100}%` }} />;
        })}
      </div>
      <span class="wbgt-legal" style={{ left: pct(LEGAL_WBGT_C) }}>
        <span class="wbgt-legal-label">{t('zone.legalMarker')}</span>
      </span>
      {value !== null && <span class="wbgt-pointer" style={{ left: pct(value) }} />}
      <div class="wbgt-ticks" aria-hidden="true">
        {[21, 25, 28, 31].map((v) => (
          <span key={v} style={{ left: pct(v) }}>
            {v}
          </span>
        ))}
      </div>
    </div>
  );
}

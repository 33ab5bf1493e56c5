/** The Pareto chart of stop time by reason: bars largest first, the running share as a line, the figures in a table below. */
import { useRef } from 'preact/hooks';
import { formatCount } from '../../format';
import { useWidth } from '../../hooks';
import { type Lang, useI18n } from '../../i18n';
import { GRID, INK } from '../../palette';
import { minutesOf, type Pareto, reasonColor, reasonName, type Settings } from './productionApi';

const HEIGHT = 240;
/** Whole minutes, or tenths below ten minutes, where whole ones would all read 0 or 1; the axis's foot is a plain 0. */
const axisMinutes = (ms: number, lang: Lang) => (ms === 0 ? '0' : ms >= 600_000 ? minutesOf(ms, lang) : (ms / 60_000).toFixed(1));
const PAD = { left: 52, right: 44, top: 24, bottom: 56 };

export function ParetoChart({ pareto, settings, testId }: { pareto: Pareto; settings: Settings | null; testId: string }) {
  const { t, lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const bars = pareto.bars;
  if (bars.length === 0) return <p data-testid={`${testId}-empty`}>{t('prod.pareto.none')}</p>;
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(...bars.map((b) => b.ms));
  const step = plotW / bars.length;
  const y = (ms: number) => PAD.top + plotH * (1 - ms / max);
  const yShare = (share: number) => PAD.top + plotH * (1 - share);
  const line = bars.map((b, i) => `${PAD.left + step * (i + 0.5)},${yShare(b.cumulative)}`).join(' ');
  return (
    <div class="pareto" ref={box} data-testid={testId}>
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label={t('prod.pareto.title')}>
          {/* The unit once, over the axis: on each tick "2661 min" was wider than the margin and lost its first digits. */}
          <text x={PAD.left - 6} y={PAD.top - 6} text-anchor="end" fill={INK} font-size="12">
            {t('prod.pareto.axisUnit')}
          </text>
          {[0, 0.5, 1].map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={width - PAD.right} y1={yShare(v)} y2={yShare(v)} stroke={GRID} />
              <text x={PAD.left - 6} y={yShare(v) + 4} text-anchor="end" fill={INK} font-size="12">
                {axisMinutes(max * v, lang)}
              </text>
              <text x={width - PAD.right + 6} y={yShare(v) + 4} fill={INK} font-size="12">
                {v * 100}%
              </text>
            </g>
          ))}
          {bars.map((b, i) => {
            const barW = Math.max(4, Math.min(64, step * 0.7));
            const x = PAD.left + step * i + (step - barW) / 2;
            const label = reasonName(settings, b.reason, lang, t);
            return (
              <g key={b.reason}>
                <title>{`${label}: ${minutesOf(b.ms, lang)} ${t('prod.minuteShort')}`}</title>
                <rect x={x} y={y(b.ms)} width={barW} height={PAD.top + plotH - y(b.ms)} fill={reasonColor(settings, b.reason)} />
                <text x={PAD.left + step * (i + 0.5)} y={y(b.ms) - 4} text-anchor="middle" fill={INK} font-size="12">
                  {axisMinutes(b.ms, lang)}
                </text>
                <text x={PAD.left + step * (i + 0.5)} y={HEIGHT - PAD.bottom + 18} text-anchor="middle" fill={INK} font-size="13">
                  {label.length > 7 && step < 90 ? `${label.slice(0, 6)}…` : label}
                </text>
              </g>
            );
          })}
          <polyline points={line} fill="none" stroke={INK} stroke-width="2" />
          {bars.map((b, i) => (
            <circle key={b.reason} cx={PAD.left + step * (i + 0.5)} cy={yShare(b.cumulative)} r="3.5" fill={INK} />
          ))}
        </svg>
      )}
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">{t('prod.reason')}</th>
            <th scope="col">{t('prod.pareto.minutes')}</th>
            <th scope="col">{t('prod.pareto.stops')}</th>
            <th scope="col">{t('prod.pareto.share')}</th>
            <th scope="col">{t('prod.pareto.cumulative')}</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.reason} data-testid={`${testId}-row-${b.reason}`}>
              <th scope="row">
                <span class="swatch-inline" style={{ background: reasonColor(settings, b.reason) }} />
                {reasonName(settings, b.reason, lang, t)}
              </th>
              <td>{axisMinutes(b.ms, lang)}</td>
              <td>{formatCount(b.stops, lang)}</td>
              <td>{Math.round(b.share * 100)}%</td>
              <td>{Math.round(b.cumulative * 100)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

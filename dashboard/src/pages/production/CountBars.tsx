/** Parts per hour or day as bars; a period the counter was not seen in is a grey "no data" stub, never a bar of 0. */
import { useRef, useState } from 'preact/hooks';
import { formatCount, formatTime, type TimeStyle } from '../../format';
import { useWidth } from '../../hooks';
import { useI18n } from '../../i18n';
import { GRID, INK, STATE_COLOR } from '../../palette';
import type { Counts } from './productionApi';

const HEIGHT = 200;
const PAD = { left: 48, right: 8, top: 18, bottom: 26 };

export function CountBars({ counts, timeZone, style }: { counts: Counts; timeZone: string; style: TimeStyle }) {
  const { t, lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [picked, setPicked] = useState<number | null>(null);
  const rows = counts.rows;
  const max = Math.max(1, ...rows.map((r) => r.parts ?? 0));
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = rows.length > 0 ? plotW / rows.length : 0;
  const y = (v: number) => PAD.top + plotH * (1 - v / max);
  const labelEvery = Math.max(1, Math.ceil(56 / Math.max(1, step)));
  const chosen = picked === null ? undefined : rows[picked];
  const detail = (r: Counts['rows'][number]) =>
    `${formatTime(r.from, timeZone, lang, style)}: ${r.parts === null ? t('prod.noData') : t('prod.parts', { n: formatCount(r.parts, lang) })}` +
    (r.cycle ? ` · ${t('prod.cycle', { median: (r.cycle.medianMs / 1000).toFixed(1), iqr: (r.cycle.iqrMs / 1000).toFixed(1) })}` : '');
  return (
    <div class="bar-chart" ref={box}>
      {width > 0 && (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the table beside the chart carries the same figures.
        <svg
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={t('prod.counts.title')}
          onClick={(e) => {
            const rect = (e.currentTarget as SVGElement).getBoundingClientRect();
            const i = Math.floor((e.clientX - rect.left - PAD.left) / (step || 1));
            setPicked(i >= 0 && i < rows.length && i !== picked ? i : null);
          }}
        >
          {[0, 0.5, 1].map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(max * v)} y2={y(max * v)} stroke={GRID} />
              <text x={PAD.left - 6} y={y(max * v) + 4} text-anchor="end" fill={INK} font-size="12">
                {formatCount(Math.round(max * v), lang)}
              </text>
            </g>
          ))}
          {rows.map((r, i) => {
            const barW = Math.max(1, Math.min(48, step * 0.78));
            const x = PAD.left + i * step + (step - barW) / 2;
            return (
              <g key={r.from}>
                <title>{detail(r)}</title>
                {r.parts === null ? (
                  <rect x={x} y={y(0) - 3} width={barW} height={3} fill="#9ca3af" />
                ) : (
                  <rect x={x} y={y(r.parts)} width={barW} height={y(0) - y(r.parts)} fill={i === picked ? '#1d4ed8' : STATE_COLOR.RUN} />
                )}
                {i % labelEvery === 0 && (
                  <text x={PAD.left + i * step + step / 2} y={HEIGHT - 8} text-anchor="middle" fill={INK} font-size="12">
                    {formatTime(r.from, timeZone, lang, style === 'dateTime' ? 'time' : style)}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      <p class="chart-detail" aria-live="polite">
        {chosen ? detail(chosen) : rows.length === 0 ? t('chart.noData') : t('chart.tapBar')}
      </p>
    </div>
  );
}

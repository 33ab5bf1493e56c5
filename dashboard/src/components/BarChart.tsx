/** 稼働率 bars (0–100 %) in plain SVG: one bar per hour or day, a tap shows its figures in words below. */
import { useRef, useState } from 'preact/hooks';
import { formatPct } from '../format';
import { useWidth } from '../hooks';
import { useI18n } from '../i18n';
import { GRID, INK, STATE_COLOR } from '../palette';

export interface Bar {
  key: string;
  /** Short axis label (a time or a date). */
  label: string;
  /** The bar's figures in words, for the tap detail and the tooltip. */
  detail: string;
  /** 0–1, or null when nothing was planned or nothing was recorded. */
  value: number | null;
  /** Planned time without any data: drawn hatched and labelled, never as 0 %. */
  noData?: boolean;
}

const HEIGHT = 200;
const PAD = { left: 44, right: 8, top: 18, bottom: 26 };
/** Label every n-th bar, n from round steps so that hourly labels fall on every 3rd, 6th or 12th hour rather than every 7th. */
const LABEL_STEPS = [1, 2, 3, 4, 6, 12, 24, 48, 96, 168, 336];

/** A label's width at 12 px: CJK characters are about twice as wide as Latin ones. */
const textWidth = (text: string) => [...text].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e80 ? 12 : 7), 0);

export function BarChart({ bars, label }: { bars: Bar[]; label: string }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [selected, setSelected] = useState<string | null>(null);
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = bars.length > 0 ? plotW / bars.length : 0;
  const labelSpace = Math.max(0, ...bars.map((b) => textWidth(b.label))) + 12;
  const needed = step > 0 ? labelSpace / step : 1;
  const labelEvery = LABEL_STEPS.find((n) => n >= needed) ?? bars.length;
  const y = (v: number) => PAD.top + plotH * (1 - Math.min(1, Math.max(0, v)));
  const chosen = bars.find((b) => b.key === selected);
  // One handler for the whole chart: the column under the finger, however thin its bar.
  const onTap = (e: MouseEvent) => {
    const rect = (e.currentTarget as SVGElement).getBoundingClientRect();
    const bar = step > 0 ? bars[Math.floor((e.clientX - rect.left - PAD.left) / step)] : undefined;
    setSelected(bar && bar.key !== selected ? bar.key : null);
  };
  return (
    <div class="bar-chart" ref={box}>
      {width > 0 && (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the average above and each bar's title carry the figures; the tap is a convenience.
        <svg width={width} height={HEIGHT} role="img" aria-label={label} onClick={onTap}>
          <defs>
            <pattern id="bar-no-data" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <rect width="6" height="6" fill="#fff" />
              <line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="2" />
            </pattern>
          </defs>
          {[0, 0.25, 0.5, 0.75, 1].map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} stroke={GRID} />
              {(v * 100) % 50 === 0 && (
                <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" fill={INK} font-size="13">
                  {v * 100}%
                </text>
              )}
            </g>
          ))}
          {bars.map((bar, i) => {
            const x = PAD.left + i * step;
            const barW = Math.max(1, Math.min(56, step * 0.78));
            const isSelected = bar.key === selected;
            return (
              <g key={bar.key} class="bar">
                <title>{bar.detail}</title>
                {/* The whole column is the touch target, not just the (possibly tiny) bar. */}
                <rect x={x} y={PAD.top} width={step} height={plotH} fill={isSelected ? '#e0f2fe' : 'transparent'} />
                {bar.noData ? (
                  <rect x={x + (step - barW) / 2} y={y(1)} width={barW} height={plotH} fill="url(#bar-no-data)" stroke="#9ca3af" />
                ) : bar.value === null ? (
                  <rect x={x + (step - barW) / 2} y={y(0) - 3} width={barW} height={3} fill="#9ca3af" />
                ) : (
                  <rect x={x + (step - barW) / 2} y={y(bar.value)} width={barW} height={y(0) - y(bar.value)} fill={STATE_COLOR.RUN} />
                )}
                {step >= 34 && !bar.noData && (
                  <text x={x + step / 2} y={y(bar.value ?? 0) - 4} text-anchor="middle" fill={INK} font-size="12">
                    {formatPct(bar.value)}
                  </text>
                )}
                {i % labelEvery === 0 && (
                  <text x={x + step / 2} y={HEIGHT - 8} text-anchor="middle" fill={INK} font-size="12">
                    {bar.label}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      <p class="chart-detail" aria-live="polite">
        {chosen ? chosen.detail : bars.length === 0 ? t('chart.noData') : t('chart.tapBar')}
      </p>
      {bars.some((b) => b.noData) && (
        <ul class="legend">
          <li>
            <span class="swatch state-NO_DATA" />
            {t('util.noDataLegend')}
          </li>
        </ul>
      )}
    </div>
  );
}

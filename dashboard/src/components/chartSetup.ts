/** Shared uPlot setup: time axes in the kit's zone with a 24-hour clock, and labelled horizontal limit lines. */
import uPlot from 'uplot';
import { formatTime } from '../format';
import type { Lang } from '../i18n';
import { INK } from '../palette';
import { DAY, MINUTE } from '../time';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export interface LimitLine {
  value: number;
  color: string;
  label: string;
  scale?: string;
}

/** Draws each line across the plot with its label at the right end; a dark outline keeps yellow visible on white. */
export function limitLines(lines: LimitLine[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          const r = uPlot.pxRatio;
          ctx.save();
          ctx.font = `600 ${Math.round(12 * r)}px system-ui, sans-serif`;
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          for (const line of lines) {
            const y = Math.round(u.valToPos(line.value, line.scale ?? 'y', true));
            if (!Number.isFinite(y) || y < top || y > top + height) continue;
            ctx.setLineDash([8 * r, 5 * r]);
            for (const [style, w] of [
              [INK, 4],
              [line.color, 2],
            ] as const) {
              ctx.strokeStyle = style;
              ctx.lineWidth = w * r;
              ctx.beginPath();
              ctx.moveTo(left, y);
              ctx.lineTo(left + width, y);
              ctx.stroke();
            }
            ctx.setLineDash([]);
            ctx.lineWidth = 4 * r;
            ctx.strokeStyle = '#fff';
            ctx.strokeText(line.label, left + width - 4 * r, y - 4 * r);
            ctx.fillStyle = INK;
            ctx.fillText(line.label, left + width - 4 * r, y - 4 * r);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** A y range covering the data and every limit line, so a line is drawn even when the values stay far from it. */
export function rangeIncluding(values: number[], pad = 1): uPlot.Range.Function {
  return (_u, min, max) => {
    const lo = Math.min(...values, ...(Number.isFinite(min) && min !== null ? [min] : []));
    const hi = Math.max(...values, ...(Number.isFinite(max) && max !== null ? [max] : []));
    return [Math.floor(lo - pad), Math.ceil(hi + pad)];
  };
}

/**
 * Tick labels at the resolution of their spacing: seconds when ticks are less than a minute apart (a 5-minute zoom),
 * hours and minutes below a day, dates from a day up; over more than a day the first tick and each midnight carry the
 * date too. So no two ticks read the same (04:17 04:17 …) and none says more than it must.
 */
export function timeTickLabels(splits: number[], increment: number, span: number, timeZone: string, lang: Lang): string[] {
  return splits.map((ts, i) => {
    if (increment >= DAY) return formatTime(ts, timeZone, lang, 'date');
    const time = formatTime(ts, timeZone, lang, increment < MINUTE ? 'seconds' : 'time');
    const midnight = formatTime(ts, timeZone, lang, 'time') === '00:00';
    return span > DAY && (i === 0 || midnight) ? `${formatTime(ts, timeZone, lang, 'date')}\n${time}` : time;
  });
}

/** Options for a time x axis in ms, ticks at the kit's local hours and days, labels on a 24-hour clock. */
export function timeAxis(
  timeZone: string,
  lang: Lang,
  timeLabel: string,
): Pick<uPlot.Options, 'ms' | 'tzDate'> & { xAxis: uPlot.Axis; xSeries: uPlot.Series } {
  return {
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone),
    xAxis: {
      stroke: INK,
      font: '13px system-ui, sans-serif',
      // Dated labels are wider than clock times: ask for more room between ticks once the range spans days.
      space: (_u, _axis, min, max) => (max - min > DAY ? 96 : 64),
      values: (u, splits, _axis, _space, increment) => {
        const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
        const labels = timeTickLabels(splits, increment, span, timeZone, lang);
        // What the canvas shows, in the DOM too: for screen readers' sake as much as for the tests that read it.
        u.root.dataset.xTicks = JSON.stringify(labels);
        return labels;
      },
    },
    xSeries: { label: timeLabel, value: (_u, ts) => (ts === null ? '—' : formatTime(ts, timeZone, lang, 'dateTime')) },
  };
}

export const yAxis = (unit: string, scale = 'y', side: 1 | 3 = 3): uPlot.Axis => ({
  scale,
  side,
  stroke: INK,
  font: '13px system-ui, sans-serif',
  size: 68,
  values: (_u, splits) => splits.map((v) => `${v}${unit}`),
  grid: { stroke: '#e5e7eb', width: 1 },
});

/** Columns for uPlot from API point tuples, with a null inserted wherever readings stop for longer than `gapMs` so no line bridges an outage. */
export function columns(points: readonly (readonly (number | null)[])[], gapMs: number): uPlot.AlignedData {
  const width = points[0]?.length ?? 1;
  const out: (number | null)[][] = Array.from({ length: width }, () => []);
  let previous: number | null = null;
  for (const point of points) {
    const time = point[0] ?? 0;
    if (previous !== null && time - previous > gapMs) {
      out[0]?.push((previous + time) / 2);
      for (let c = 1; c < width; c++) out[c]?.push(null);
    }
    for (let c = 0; c < width; c++) out[c]?.push(point[c] ?? null);
    previous = time;
  }
  return out as uPlot.AlignedData;
}

/** How long a silence means an outage, by the API's resolution. */
export const GAP_MS = { raw: 30_000, '1m': 5 * 60_000, '1h': 3 * 3_600_000 } as const;

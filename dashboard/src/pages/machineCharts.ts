/** What the machine page draws: current (or power) chart options with the idle/run thresholds, and 稼働率 rows as bars. */
import type { Bar } from '../components/BarChart';
import { type ChartOptions, limitLines, timeAxis, yAxis } from '../components/chartSetup';
import { formatDuration, formatPct, formatTime, type TimeStyle } from '../format';
import type { Lang, Translate } from '../i18n';
import { STATE_COLOR } from '../palette';
import type { KitMachine, UtilizationRow } from '../types';

/** The chart of what a machine's thresholds are in: amps, or a meter's watts for a machine watched by power. */
export function currentChartOptions(machine: KitMachine, timeZone: string, lang: Lang, t: Translate): ChartOptions {
  const axis = timeAxis(timeZone, lang, t('chart.time'));
  const th = machine.thresholds;
  const watts = machine.quantity === 'power';
  const words = watts
    ? ({
        max: 'machinePage.maxW',
        mean: 'machinePage.meanW',
        idle: 'machinePage.idleAboveW',
        run: 'machinePage.runAboveW',
        unit: ' W',
      } as const)
    : ({
        max: 'machinePage.maxA',
        mean: 'machinePage.meanA',
        idle: 'machinePage.idleAbove',
        run: 'machinePage.runAbove',
        unit: ' A',
      } as const);
  const digits = watts ? 0 : 2;
  const lines = th
    ? [
        { value: th.idleAbove, color: STATE_COLOR.IDLE, label: t(words.idle, { value: th.idleAbove }) },
        { value: th.runAbove, color: STATE_COLOR.RUN, label: t(words.run, { value: th.runAbove }) },
      ]
    : [];
  const top = Math.max(0, ...lines.map((l) => l.value));
  return {
    ms: axis.ms,
    tzDate: axis.tzDate,
    // Room on the right for the last time label.
    padding: [12, 28, 0, 0],
    series: [
      axis.xSeries,
      { label: t(words.max), stroke: '#93c5fd', width: 1, value: (_u, v) => (v === null ? '—' : v.toFixed(digits)) },
      { label: t(words.mean), stroke: '#1d4ed8', width: 2, value: (_u, v) => (v === null ? '—' : v.toFixed(digits)) },
    ],
    axes: [axis.xAxis, yAxis(words.unit)],
    // The axis starts at zero, and the run threshold stays on the chart even on a quiet day.
    scales: { y: { range: (_u, _min, max) => [0, Math.ceil(Math.max(max ?? 0, top) * 1.15 + 0.5)] } },
    plugins: [limitLines(lines)],
    cursor: { drag: { x: true, y: false } },
  };
}

/** Utilization rows as bars, labelled by their start in the kit's zone. */
export function utilizationBars(rows: UtilizationRow[], timeZone: string, lang: Lang, t: Translate, style: TimeStyle): Bar[] {
  return rows.map((row) => {
    const label = formatTime(row.from, timeZone, lang, style);
    const span = style === 'time' ? `${label}–${formatTime(row.to, timeZone, lang, 'time')}` : label;
    const noData = row.plannedMs > 0 && row.noDataMs >= row.plannedMs;
    const detail = noData
      ? t('util.noDataRow', { label: span })
      : t('util.row', {
          label: span,
          pct: row.utilization === null ? t('util.notPlanned') : formatPct(row.utilization),
          run: formatDuration(row.runMs, t),
          idle: formatDuration(row.idleMs, t),
          off: formatDuration(row.offMs, t),
          fault: formatDuration(row.faultMs, t),
          unknown: formatDuration(row.unknownMs, t),
        }) + (row.noDataMs > 0 ? t('util.partialData', { duration: formatDuration(row.noDataMs, t) }) : '');
    return { key: String(row.from), label, value: row.utilization, noData, detail };
  });
}

/** RUN time over the planned time the kit saw, across the rows; null when it saw none. */
export function averageUtilization(rows: UtilizationRow[]): number | null {
  const seen = rows.reduce((sum, r) => sum + r.plannedMs - r.noDataMs, 0);
  return seen > 0 ? rows.reduce((sum, r) => sum + r.runMs, 0) / seen : null;
}

/** The share of planned time with data, or null when nothing was planned. */
export function plannedCoverage(rows: UtilizationRow[]): number | null {
  const planned = rows.reduce((sum, r) => sum + r.plannedMs, 0);
  return planned > 0 ? rows.reduce((sum, r) => sum + r.plannedMs - r.noDataMs, 0) / planned : null;
}

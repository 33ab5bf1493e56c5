/** What the environment page draws: WBGT with the level limits, air temperature with the 31 °C legal line, and humidity. */
import { type ChartOptions, type LimitLine, limitLines, rangeIncluding, timeAxis, yAxis } from '../components/chartSetup';
import type { Lang, Translate } from '../i18n';
import { LEGAL_AIR_C, LEGAL_WBGT_C, WBGT_COLOR } from '../palette';

export type EnvChart = 'wbgt' | 'temperature' | 'humidity';

const fixed = (digits: number) => (_u: unknown, v: number | null) => (v === null ? '—' : v.toFixed(digits));

export function environmentChartOptions(chart: EnvChart, timeZone: string, lang: Lang, t: Translate): ChartOptions {
  const axis = timeAxis(timeZone, lang, t('chart.time'));
  const base: Partial<ChartOptions> = {
    ms: axis.ms,
    tzDate: axis.tzDate,
    padding: [12, 28, 0, 0],
    cursor: { drag: { x: true, y: false } },
  };
  if (chart === 'wbgt') {
    const lines: LimitLine[] = (['warning', 'severe', 'danger'] as const).map((level) => {
      const value = level === 'warning' ? 25 : level === 'severe' ? LEGAL_WBGT_C : 31;
      return {
        value,
        color: WBGT_COLOR[level],
        label: `${t(`wbgt.${level}`)} ${value}${value === LEGAL_WBGT_C ? t('envPage.legalSuffix') : ''}`,
      };
    });
    return {
      ...base,
      series: [axis.xSeries, { label: 'WBGT', stroke: '#7c2d12', width: 2, value: fixed(1) }],
      axes: [axis.xAxis, yAxis('°')],
      // Keep all three limits in view: the point of the chart is how close the day came to them.
      scales: { y: { range: rangeIncluding([20, 32]) } },
      plugins: [limitLines(lines)],
    };
  }
  if (chart === 'temperature') {
    return {
      ...base,
      series: [axis.xSeries, { label: t('zone.temperature'), stroke: '#b91c1c', width: 2, value: fixed(1) }],
      axes: [axis.xAxis, yAxis('°C')],
      scales: { y: { range: rangeIncluding([LEGAL_AIR_C]) } },
      plugins: [limitLines([{ value: LEGAL_AIR_C, color: WBGT_COLOR.danger, label: t('envPage.airLegal') }])],
    };
  }
  return {
    ...base,
    series: [axis.xSeries, { label: t('zone.humidity'), stroke: '#1d4ed8', width: 2, value: fixed(0) }],
    axes: [axis.xAxis, yAxis('%')],
    scales: { y: { range: [0, 100] } },
  };
}

/** One zone's climate history: WBGT, air temperature and humidity over a chosen range, with the alarm and legal limits drawn. */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { useNow } from '../clock';
import { Async } from '../components/Async';
import { columns, GAP_MS } from '../components/chartSetup';
import { Picker } from '../components/Picker';
import { RangePicker } from '../components/RangePicker';
import { UPlotChart } from '../components/UPlotChart';
import { WbgtHelp } from '../components/WbgtHelp';
import { formatTime } from '../format';
import { useFetched } from '../hooks';
import { useI18n } from '../i18n';
import { rangeStore, resolveRange } from '../range';
import { href } from '../router';
import { useStore } from '../store';
import { MINUTE } from '../time';
import type { EnvironmentSeries, KitInfo } from '../types';
import { type EnvChart, environmentChartOptions } from './environmentCharts';
import { LiveZoneHeader } from './ZoneCard';

const CHARTS: readonly {
  chart: EnvChart;
  column: number;
  title: 'envPage.wbgtChart' | 'envPage.temperatureChart' | 'envPage.humidityChart';
}[] = [
  { chart: 'wbgt', column: 3, title: 'envPage.wbgtChart' },
  { chart: 'temperature', column: 1, title: 'envPage.temperatureChart' },
  { chart: 'humidity', column: 2, title: 'envPage.humidityChart' },
];

export default function EnvironmentPage({ kit, id }: { kit: KitInfo; id: string | null }) {
  const { t, lang, name } = useI18n();
  const tz = kit.timeZone;
  const zone = id === null ? kit.zones[0] : kit.zones.find((z) => z.id === id);
  const choice = useStore(rangeStore);
  const minute = useNow(MINUTE);
  const range = zone
    ? resolveRange(choice, minute + MINUTE, tz) /* the clock ticks by the minute: end at its next tick so the newest data is in */
    : null;
  const series = useFetched<EnvironmentSeries>(
    zone && range ? 'api/history/environment' : null,
    zone && range ? { zone: zone.id, from: range.from, to: range.to } : undefined,
  );
  const options = useMemo(() => CHARTS.map((c) => environmentChartOptions(c.chart, tz, lang, t)), [tz, lang]);
  // One [time, values] pair per chart, made once per fetch so the ticking clock does not re-feed the charts every second.
  const perChart = useMemo(() => {
    if (!series.data) return null;
    const all = columns(series.data.points, GAP_MS[series.data.resolution]);
    return CHARTS.map((c): uPlot.AlignedData => [all[0] ?? [], all[c.column] ?? []]);
  }, [series.data]);

  if (!zone) return <p class="panel">{t('envPage.notFound', { id: id ?? '' })}</p>;
  return (
    <>
      <Picker
        label={t('envPage.select')}
        current={zone.id}
        items={kit.zones.map((z) => ({ key: z.id, href: href.environment(z.id), label: name(z) }))}
      />
      <h1 class="page-title">{name(zone)}</h1>
      <LiveZoneHeader zone={zone} timeZone={tz} />
      <RangePicker timeZone={tz} now={minute} invalid={range === null} />
      {range && (
        <p class="range-span">
          {t('range.span', { from: formatTime(range.from, tz, lang, 'dateTime'), to: formatTime(range.to, tz, lang, 'dateTime') })}
        </p>
      )}
      {CHARTS.map((c, i) => (
        <section key={c.chart} class="panel" aria-labelledby={`env-${c.chart}`}>
          <h2 id={`env-${c.chart}`}>{t(c.title)}</h2>
          <Async fetched={series}>
            {(s) => {
              const chartData = perChart?.[i];
              const opts = options[i];
              return s.points.length === 0 || !chartData || !opts ? (
                <p>{t('chart.noData')}</p>
              ) : (
                <UPlotChart options={opts} data={chartData} height={220} label={`${t(c.title)} — ${name(zone)}`} />
              );
            }}
          </Async>
        </section>
      ))}
      <WbgtHelp />
    </>
  );
}

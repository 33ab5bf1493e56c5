/** One machine's history: current (or power) with its thresholds, the state timeline, and 稼働率 by hour and by day over a chosen range. */
import { useMemo } from 'preact/hooks';
import { useNow } from '../clock';
import { Async } from '../components/Async';
import { BarChart } from '../components/BarChart';
import { columns, GAP_MS } from '../components/chartSetup';
import { Picker } from '../components/Picker';
import { RangePicker } from '../components/RangePicker';
import { StateGantt } from '../components/StateGantt';
import { UPlotChart } from '../components/UPlotChart';
import { formatPct, formatTime } from '../format';
import { useFetched } from '../hooks';
import { useI18n } from '../i18n';
import { rangeStore, resolveRange } from '../range';
import { href } from '../router';
import { useStore } from '../store';
import { DAY, MINUTE, startOfDay } from '../time';
import type { CurrentSeries, KitInfo, Timeline, Utilization, UtilizationRow } from '../types';
import { LiveMachineHeader } from './MachineTile';
import { averageUtilization, currentChartOptions, plannedCoverage, utilizationBars } from './machineCharts';
import { ProductionPanels } from './production/ProductionPanels';

/** Hourly bars beyond two weeks would be too thin to read or tap. */
const HOURLY_LIMIT_MS = 14 * DAY;

export default function MachinePage({ kit, id }: { kit: KitInfo; id: string }) {
  const { t, lang, name } = useI18n();
  const tz = kit.timeZone;
  const machine = kit.machines.find((m) => m.id === id);
  const choice = useStore(rangeStore);
  // Relative ranges move on every minute, which also refreshes the charts.
  const minute = useNow(MINUTE);
  const range = machine
    ? resolveRange(choice, minute + MINUTE, tz) /* the clock ticks by the minute: end at its next tick so the newest data is in */
    : null;
  const query = range ? { machine: id, from: range.from, to: range.to } : undefined;
  // A machine watched by power is charted in the watts its thresholds are in (the series has the same shape).
  const watts = machine?.quantity === 'power';
  const current = useFetched<CurrentSeries>(
    range && machine?.kind === 'current' ? (watts ? 'api/history/power' : 'api/history/current') : null,
    query,
  );
  const timeline = useFetched<Timeline>(range ? 'api/timeline' : null, query);
  const hourlyShown = range !== null && range.to - range.from <= HOURLY_LIMIT_MS;
  const hourly = useFetched<Utilization>(hourlyShown ? 'api/utilization' : null, { ...query, by: 'hour' });
  // By day always covers at least the last week, so a short range still shows a trend.
  const daily = useFetched<Utilization>(
    range ? 'api/utilization' : null,
    range ? { machine: id, from: Math.min(range.from, startOfDay(range.to - 6 * DAY, tz)), to: range.to, by: 'day' } : undefined,
  );
  const options = useMemo(() => (machine ? currentChartOptions(machine, tz, lang, t) : null), [machine, tz, lang]);
  const currentData = useMemo(
    () =>
      current.data
        ? columns(
            current.data.points.map(([time, mean, max]) => [time, max, mean]),
            GAP_MS[current.data.resolution],
          )
        : null,
    [current.data],
  );

  if (!machine) return <p class="panel">{t('machinePage.notFound', { id })}</p>;
  const multiDay = range !== null && range.to - range.from > DAY;
  return (
    <>
      <Picker
        label={t('machinePage.select')}
        current={id}
        items={kit.machines.map((m) => ({ key: m.id, href: href.machine(m.id), label: name(m) }))}
      />
      <h1 class="page-title">{name(machine)}</h1>
      <LiveMachineHeader machine={machine} timeZone={tz} />
      <RangePicker timeZone={tz} now={minute} invalid={range === null} />
      {range && (
        <p class="range-span">
          {t('range.span', { from: formatTime(range.from, tz, lang, 'dateTime'), to: formatTime(range.to, tz, lang, 'dateTime') })}
        </p>
      )}

      <section class="panel" aria-labelledby="machine-current">
        <h2 id="machine-current">{t(watts ? 'machinePage.power' : 'machinePage.current')}</h2>
        {machine.kind !== 'current' ? (
          <p>{t(machine.kind === 'tower' ? 'machinePage.tower' : 'machinePage.digital')}</p>
        ) : (
          <Async fetched={current}>
            {(series) =>
              series.points.length === 0 || !options || !currentData ? (
                <p>{t('chart.noData')}</p>
              ) : (
                <UPlotChart
                  options={options}
                  data={currentData}
                  height={260}
                  label={`${t(watts ? 'machinePage.power' : 'machinePage.current')} — ${name(machine)}`}
                />
              )
            }
          </Async>
        )}
      </section>

      <section class="panel" aria-labelledby="machine-timeline">
        <h2 id="machine-timeline">{t('machinePage.timeline')}</h2>
        {range && <Async fetched={timeline}>{(tl) => <StateGantt timeline={tl} from={range.from} to={range.to} timeZone={tz} />}</Async>}
      </section>

      <section class="panel" aria-labelledby="machine-util-hour">
        <h2 id="machine-util-hour">{t('machinePage.utilHour')}</h2>
        {!hourlyShown ? (
          <p>{t('machinePage.hourlyTooLong')}</p>
        ) : (
          <Async fetched={hourly}>
            {(u) => (
              <>
                <UtilizationSummary rows={u.rows} />
                <BarChart label={t('machinePage.utilHour')} bars={utilizationBars(u.rows, tz, lang, t, multiDay ? 'dateTime' : 'time')} />
              </>
            )}
          </Async>
        )}
      </section>

      <section class="panel" aria-labelledby="machine-util-day">
        <h2 id="machine-util-day">{t('machinePage.utilDay')}</h2>
        <Async fetched={daily}>
          {(u) => (
            <>
              <UtilizationSummary rows={u.rows} />
              <BarChart label={t('machinePage.utilDay')} bars={utilizationBars(u.rows, tz, lang, t, 'date')} />
            </>
          )}
        </Async>
      </section>
      {range && <ProductionPanels kit={kit} machine={id} from={range.from} to={range.to} />}
    </>
  );
}

/** The average 稼働率 and, when some planned time has no data, how much of it the kit saw. */
function UtilizationSummary({ rows }: { rows: UtilizationRow[] }) {
  const { t } = useI18n();
  const average = averageUtilization(rows);
  const coverage = plannedCoverage(rows);
  return (
    <p class="summary">
      {average === null && coverage === 0 ? t('util.noDataAtAll') : t('util.average', { pct: formatPct(average) })}
      {coverage !== null && coverage > 0 && coverage < 1 && (
        <span class="coverage-note">{t('util.coverage', { pct: formatPct(coverage) })}</span>
      )}
    </p>
  );
}

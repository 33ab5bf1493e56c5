/** A machine's production on its page: parts and cycle time, OEE by shift, the Pareto of its stops, and the way to its board. */
import { useState } from 'preact/hooks';
import { Async } from '../../components/Async';
import { formatCount, formatTime } from '../../format';
import { useFetched } from '../../hooks';
import { useI18n } from '../../i18n';
import { href } from '../../router';
import { DAY } from '../../time';
import type { KitInfo } from '../../types';
import { CountBars } from './CountBars';
import { OeeTable } from './OeeTable';
import { ParetoChart } from './ParetoChart';
import { type Counts, type Oee, type Pareto, useSettings } from './productionApi';
import './production.css';

/** Counts are read part by part; beyond a month the page shows the other figures only. */
const COUNTS_LIMIT_MS = 31 * DAY;
type CountsBy = 'minute' | 'hour' | 'shift' | 'day';
/** The longest range each granularity is offered for: more bars than that could not be read or tapped. */
const COUNTS_BY_LIMIT: Record<CountsBy, number> = { minute: 3 * 3_600_000, hour: 2 * DAY, shift: COUNTS_LIMIT_MS, day: COUNTS_LIMIT_MS };

export function ProductionPanels({ kit, machine, from, to }: { kit: KitInfo; machine: string; from: number; to: number }) {
  const { t, lang, name } = useI18n();
  const settings = useSettings();
  const shiftName = (id: string) => {
    const shift = kit.shifts.find((s) => s.id === id);
    return shift ? name(shift) : id;
  };
  const entry = settings.data?.machines.find((m) => m.machine === machine);
  const span = to - from;
  const offered = (['minute', 'hour', 'shift', 'day'] as const).filter((b) => span <= COUNTS_BY_LIMIT[b]);
  const [chosen, setChosen] = useState<CountsBy | null>(null);
  const by: CountsBy = chosen && offered.includes(chosen) ? chosen : span <= 2 * DAY ? 'hour' : 'day';
  const counts = useFetched<Counts>(entry?.counter && span <= COUNTS_LIMIT_MS ? 'api/production/counts' : null, { machine, from, to, by });
  const oee = useFetched<Oee>('api/production/oee', { machine, from, to, by: 'shift' });
  const pareto = useFetched<Pareto>('api/production/pareto', { machine, from, to });
  return (
    <>
      <p class="production-links">
        <a class="button" href={href.board(machine)} data-testid="link-board">
          {t('prod.board.title')}
        </a>
        <a class="button" href={href.stops(machine)} data-testid="link-stops">
          {t('prod.stops.title')}
        </a>
      </p>
      <section class="panel" aria-labelledby="machine-counts">
        <h2 id="machine-counts">{t('prod.counts.title')}</h2>
        {!entry?.counter ? (
          <p>{t('prod.counts.noCounter')}</p>
        ) : span > COUNTS_LIMIT_MS ? (
          <p>{t('prod.counts.tooLong')}</p>
        ) : (
          <Async fetched={counts}>
            {(c) => {
              const seen = c.rows.filter((r) => r.parts !== null);
              const total = seen.reduce((sum, r) => sum + (r.parts ?? 0), 0);
              return (
                <>
                  <div class="segmented">
                    {offered.map((b) => (
                      <button key={b} type="button" aria-pressed={by === b} onClick={() => setChosen(b)} data-testid={`counts-by-${b}`}>
                        {t(`prod.counts.by.${b}`)}
                      </button>
                    ))}
                  </div>
                  <p class="summary" data-testid="counts-total">
                    {seen.length === 0 ? t('prod.noData') : t('prod.counts.total', { n: formatCount(total, lang) })}
                  </p>
                  <CountBars
                    counts={c}
                    timeZone={kit.timeZone}
                    style={by === 'minute' || by === 'hour' ? (span > DAY ? 'dateTime' : 'time') : 'date'}
                  />
                  <table class="data-table">
                    <thead>
                      <tr>
                        <th scope="col">{t('prod.counts.period')}</th>
                        <th scope="col">{t('prod.oee.parts')}</th>
                        <th scope="col">{t('prod.counts.median')}</th>
                        <th scope="col">{t('prod.counts.spread')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {c.rows
                        .filter((r) => r.parts !== null && r.parts > 0)
                        .map((r) => (
                          <tr key={r.from}>
                            <th scope="row">
                              {formatTime(r.from, kit.timeZone, lang, by === 'day' ? 'date' : 'dateTime')}
                              {r.shift && ` ${shiftName(r.shift)}`}
                            </th>
                            <td>{formatCount(r.parts, lang)}</td>
                            <td>{r.cycle ? `${(r.cycle.medianMs / 1000).toFixed(1)} s` : '—'}</td>
                            <td>
                              {r.cycle
                                ? `${(r.cycle.p25Ms / 1000).toFixed(1)}–${(r.cycle.p75Ms / 1000).toFixed(1)} s (${t('prod.counts.cycles', { n: formatCount(r.cycle.cycles, lang) })})`
                                : '—'}
                            </td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </>
              );
            }}
          </Async>
        )}
      </section>
      <section class="panel" aria-labelledby="machine-oee">
        <h2 id="machine-oee">{t('prod.oee.title')}</h2>
        <Async fetched={oee}>{(o) => <OeeTable rows={o.rows} kit={kit} settings={settings.data} showMachine={false} />}</Async>
      </section>
      <section class="panel" aria-labelledby="machine-pareto">
        <h2 id="machine-pareto">{t('prod.pareto.title')}</h2>
        <Async fetched={pareto}>{(p) => <ParetoChart pareto={p} settings={settings.data} testId="machine-pareto" />}</Async>
      </section>
    </>
  );
}

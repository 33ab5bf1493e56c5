/** Production for managers: the Pareto of stop time by reason and OEE per machine over a period, the reason log, and the reason list. */
import { useState } from 'preact/hooks';
import { useNow } from '../../clock';
import { Async } from '../../components/Async';
import { RangePicker } from '../../components/RangePicker';
import { formatCount, formatTime } from '../../format';
import { useFetched } from '../../hooks';
import { useI18n } from '../../i18n';
import { rangeStore, resolveRange } from '../../range';
import { atLeast } from '../../roles';
import { href } from '../../router';
import { useStore } from '../../store';
import { MINUTE } from '../../time';
import type { KitInfo, Me } from '../../types';
import { OeeTable } from './OeeTable';
import { ParetoChart } from './ParetoChart';
import { type Oee, type Pareto, type ReasonLog, reasonName, useSettings } from './productionApi';
import { ReasonsEditor } from './ReasonsEditor';
import './production.css';

export default function ProductionPage({ me, kit }: { me: Me; kit: KitInfo }) {
  const { t, name } = useI18n();
  const settings = useSettings();
  const choice = useStore(rangeStore);
  const minute = useNow(MINUTE);
  const range = resolveRange(choice, minute + MINUTE, kit.timeZone);
  const [machine, setMachine] = useState<string>('');
  const [by, setBy] = useState<'shift' | 'day'>('shift');
  const query = range ? { from: range.from, to: range.to, ...(machine ? { machine } : {}) } : undefined;
  const pareto = useFetched<Pareto>(range ? 'api/production/pareto' : null, query);
  const oee = useFetched<Oee>(range ? 'api/production/oee' : null, query ? { ...query, by } : undefined);
  const manager = atLeast(me.role, 'manager') && !me.kiosk;
  return (
    <>
      <h1 class="page-title">{t('prod.page.title')}</h1>
      <RangePicker timeZone={kit.timeZone} now={minute} invalid={range === null} />
      <label class="machine-select">
        {t('prod.machine')}
        <select value={machine} onChange={(e) => setMachine(e.currentTarget.value)} data-testid="production-machine">
          <option value="">{t('prod.allMachines')}</option>
          {kit.machines.map((m) => (
            <option key={m.id} value={m.id}>
              {name(m)}
            </option>
          ))}
        </select>
      </label>
      <section class="panel" aria-labelledby="production-pareto">
        <h2 id="production-pareto">{t('prod.pareto.title')}</h2>
        <Async fetched={pareto}>{(p) => <ParetoChart pareto={p} settings={settings.data} testId="pareto" />}</Async>
      </section>
      <section class="panel" aria-labelledby="production-oee">
        <h2 id="production-oee">{t('prod.oee.title')}</h2>
        <div class="segmented">
          {(['shift', 'day'] as const).map((b) => (
            <button key={b} type="button" aria-pressed={by === b} onClick={() => setBy(b)}>
              {t(b === 'shift' ? 'prod.oee.byShift' : 'prod.oee.byDay')}
            </button>
          ))}
        </div>
        <Async fetched={oee}>{(o) => <OeeTable rows={o.rows} kit={kit} settings={settings.data} showMachine={!machine} />}</Async>
        <p class="help-text">{t('prod.oee.explain')}</p>
      </section>
      {manager && range && <ReasonLogPanel kit={kit} from={range.from} to={range.to} machine={machine} />}
      {atLeast(me.role, 'admin') && !me.kiosk && settings.data && <ReasonsEditor settings={settings.data} />}
    </>
  );
}

/** Newest entries the log shows at first, and how many more each tap adds: a week of a busy floor is hundreds. */
const LOG_PAGE = 50;

/** Who entered or changed which reason, when: a manager's change is visible as such. */
function ReasonLogPanel({ kit, from, to, machine }: { kit: KitInfo; from: number; to: number; machine: string }) {
  const { t, lang, name } = useI18n();
  const settings = useSettings();
  const [shown, setShown] = useState(LOG_PAGE);
  const log = useFetched<ReasonLog>('api/production/reasons/log', { from, to, ...(machine ? { machine } : {}) });
  const machineName = (id: string) => {
    const m = kit.machines.find((x) => x.id === id);
    return m ? name(m) : id;
  };
  return (
    <section class="panel" aria-labelledby="production-log">
      <h2 id="production-log">{t('prod.log.title')}</h2>
      <Async fetched={log}>
        {(l) =>
          l.entries.length === 0 ? (
            <p>{t('prod.log.none')}</p>
          ) : (
            <>
              <div class="board-scroll">
                <table class="data-table" data-testid="reason-log">
                  <thead>
                    <tr>
                      <th scope="col">{t('prod.log.at')}</th>
                      <th scope="col">{t('prod.machine')}</th>
                      <th scope="col">{t('prod.log.stop')}</th>
                      <th scope="col">{t('prod.reason')}</th>
                      <th scope="col">{t('prod.log.by')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.entries.slice(0, shown).map((e) => (
                      <tr key={e.id}>
                        <td>{formatTime(e.at, kit.timeZone, lang, 'dateTime')}</td>
                        <td>{machineName(e.machine)}</td>
                        <td>
                          {formatTime(e.from, kit.timeZone, lang, 'dateTime')}
                          {e.to !== null && `–${formatTime(e.to, kit.timeZone, lang)}`}
                        </td>
                        <td>
                          {e.previousReason && (
                            <>
                              <s>{reasonName(settings.data, e.previousReason, lang, t)}</s> →{' '}
                            </>
                          )}
                          {reasonName(settings.data, e.reason, lang, t)}
                          {e.note && ` — ${e.note}`}
                        </td>
                        <td>
                          {e.by}
                          {e.role && <small> ({t(`role.${e.role as 'viewer'}`)})</small>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {l.entries.length > shown && (
                <div class="log-more">
                  <p data-testid="reason-log-count">
                    {t('prod.log.shown', { shown: formatCount(shown, lang), count: formatCount(l.entries.length, lang) })}
                  </p>
                  <button
                    type="button"
                    class="button secondary"
                    data-testid="reason-log-more"
                    onClick={() => setShown((n) => n + LOG_PAGE)}
                  >
                    {t('prod.log.more', { count: formatCount(Math.min(LOG_PAGE, l.entries.length - shown), lang) })}
                  </button>
                  <a href={href.export}>{t('prod.log.all')}</a>
                </div>
              )}
            </>
          )
        }
      </Async>
    </section>
  );
}

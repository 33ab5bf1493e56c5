/** Alarm history for managers: a range, filters, and every occurrence with who acknowledged it; `?id=` marks one (message links). */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { SEVERITIES, targetName } from '../alarms';
import { useNow } from '../clock';
import { Async } from '../components/Async';
import { RangePicker } from '../components/RangePicker';
import { SeverityBadge } from '../components/SeverityBadge';
import { formatTime } from '../format';
import { useFetched } from '../hooks';
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { rangeStore, resolveRange } from '../range';
import { href } from '../router';
import { useStore } from '../store';
import { MINUTE } from '../time';
import type { Alarm, AlarmSeverity, AlarmState, KitInfo } from '../types';

const STATES: readonly AlarmState[] = ['active-unacknowledged', 'active-acknowledged', 'cleared-unacknowledged', 'cleared'];

interface Filters {
  severity: AlarmSeverity | '';
  rule: string;
  /** `kind:id`, so that a zone and a machine of the same id stay apart here. */
  target: string;
  state: AlarmState | '';
}

const NO_FILTERS: Filters = { severity: '', rule: '', target: '', state: '' };
const targetKey = (t: Alarm['target']) => `${t.kind}:${t.id}`;

/** An alarm as one row: raised, cleared and acknowledged times, each unknown when it fell outside the range. */
interface Row extends Omit<Alarm, 'raisedAt'> {
  raisedAt: number | null;
  /** The newest time known of it, for the order and for which state is the latest. */
  latest: number;
}

/** One recorded transition, should the gateway answer with events instead of alarms. */
type HistoryEvent = Omit<Alarm, 'raisedAt' | 'clearedAt' | 'acknowledgedAt'> & {
  ts: number;
  event: 'raised' | 'cleared' | 'acknowledged';
};

/**
 * One row per occurrence, newest first. The history may come as alarms (several transitions of one alarm: the furthest along
 * wins) or as events (raised / cleared / acknowledged, folded into the alarm's times); either bare or as `{ alarms }` / `{ entries }`.
 */
export function historyRows(body: unknown): Row[] {
  const wrapped = body as { alarms?: unknown; entries?: unknown } | null;
  const list = (Array.isArray(body) ? body : Array.isArray(wrapped?.entries) ? wrapped.entries : wrapped?.alarms) as
    | (Alarm | HistoryEvent)[]
    | undefined;
  const rows = new Map<string, Row>();
  for (const item of list ?? []) {
    const known = rows.get(item.id);
    if ('event' in item) {
      const { ts, event, ...rest } = item;
      const row: Row = known ?? { ...rest, raisedAt: null, clearedAt: null, acknowledgedAt: null, latest: ts };
      if (event === 'raised') row.raisedAt = ts;
      else if (event === 'cleared') row.clearedAt = ts;
      else row.acknowledgedAt = ts;
      row.acknowledgedBy = item.acknowledgedBy ?? row.acknowledgedBy;
      row.comment = item.comment ?? row.comment;
      if (ts >= row.latest) Object.assign(row, { state: item.state, latest: ts });
      rows.set(item.id, row);
    } else {
      const latest = Math.max(item.raisedAt, item.clearedAt ?? 0, item.acknowledgedAt ?? 0);
      if (!known || latest >= known.latest) rows.set(item.id, { ...item, latest });
    }
  }
  return [...rows.values()].sort((a, b) => (b.raisedAt ?? b.latest) - (a.raisedAt ?? a.latest));
}

function matches(a: Row, f: Filters): boolean {
  return (
    (!f.severity || a.severity === f.severity) &&
    (!f.rule || a.ruleId === f.rule) &&
    (!f.target || targetKey(a.target) === f.target) &&
    (!f.state || a.state === f.state)
  );
}

export default function AlarmsPage({ kit, id }: { kit: KitInfo; id: string | null }) {
  const { t, lang, name } = useI18n();
  const tz = kit.timeZone;
  const choice = useStore(rangeStore);
  const minute = useNow(MINUTE);
  // The clock ticks by the minute: end at its next tick so that an alarm raised seconds ago is in.
  const range = resolveRange(choice, minute + MINUTE, tz);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const set = (change: Partial<Filters>) => setFilters({ ...filters, ...change });
  const targetId = filters.target.slice(filters.target.indexOf(':') + 1);
  // The state is filtered here, on each alarm's latest state: the gateway may record it per transition.
  const history = useFetched<unknown>(
    range ? 'api/alarms/history' : null,
    range
      ? {
          from: range.from,
          to: range.to,
          severity: filters.severity || undefined,
          rule: filters.rule || undefined,
          target: filters.target ? targetId : undefined,
        }
      : undefined,
  );
  // Rules have no list of their own in the API: offer every rule seen on this page so far.
  const rows = useMemo(() => (history.data === null ? null : historyRows(history.data)), [history.data]);
  const rules = useRef(new Set<string>());
  for (const a of rows ?? []) rules.current.add(a.ruleId);
  const { snapshot } = useStore(liveStore);
  const targets = useMemo(() => {
    const list = new Map<string, string>();
    for (const m of kit.machines) list.set(`machine:${m.id}`, name(m));
    for (const z of kit.zones) list.set(`zone:${z.id}`, name(z));
    for (const n of snapshot?.nodes ?? []) list.set(`node:${n.id}`, t('alarm.node', { id: n.id }));
    return list;
  }, [kit, snapshot?.nodes, lang]);

  return (
    <>
      <h1 class="page-title">{t('alarms.title')}</h1>
      <RangePicker timeZone={tz} now={minute} invalid={range === null} />
      {range && (
        <p class="range-span">
          {t('range.span', { from: formatTime(range.from, tz, lang, 'dateTime'), to: formatTime(range.to, tz, lang, 'dateTime') })}
        </p>
      )}
      <div class="alarm-filters">
        <label>
          {t('alarms.severity')}
          <select value={filters.severity} onChange={(e) => set({ severity: e.currentTarget.value as Filters['severity'] })}>
            <option value="">{t('alarms.all')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`alarm.severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.rule')}
          <select value={filters.rule} onChange={(e) => set({ rule: e.currentTarget.value })}>
            <option value="">{t('alarms.all')}</option>
            {[...rules.current].sort().map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.target')}
          <select value={filters.target} onChange={(e) => set({ target: e.currentTarget.value })}>
            <option value="">{t('alarms.all')}</option>
            {[...targets].map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.state')}
          <select value={filters.state} onChange={(e) => set({ state: e.currentTarget.value as Filters['state'] })}>
            <option value="">{t('alarms.all')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`alarm.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {Object.values(filters).some(Boolean) && (
          <button type="button" class="button" onClick={() => setFilters(NO_FILTERS)}>
            {t('alarms.clearFilters')}
          </button>
        )}
      </div>
      <section class="panel">
        <Async fetched={history}>{() => <HistoryTable list={(rows ?? []).filter((a) => matches(a, filters))} kit={kit} id={id} />}</Async>
      </section>
    </>
  );
}

function HistoryTable({ list, kit, id }: { list: Row[]; kit: KitInfo; id: string | null }) {
  const { t, lang, name } = useI18n();
  const tz = kit.timeZone;
  const marked = useRef<HTMLTableRowElement>(null);
  const found = id !== null && list.some((a) => a.id === id);
  useEffect(() => {
    marked.current?.scrollIntoView({ block: 'center' });
  }, [found]);
  const time = (ms: number | null) => (ms === null ? t('app.noValue') : formatTime(ms, tz, lang, 'dateTime'));
  return (
    <>
      {id !== null && !found && (
        <p class="form-error" role="status">
          {t('alarms.notInRange', { id })}{' '}
          <button type="button" class="button" onClick={() => rangeStore.set({ ...rangeStore.get(), kind: '7d' })}>
            {t('alarms.show7d')}
          </button>{' '}
          <a class="button" href={href.alarms()}>
            {t('alarms.unmark')}
          </a>
        </p>
      )}
      {list.length === 0 ? (
        <p>{t('alarms.none')}</p>
      ) : (
        <div class="table-scroll">
          <table class="alarm-table" data-testid="alarm-history-table">
            <thead>
              <tr>
                <th scope="col">{t('alarms.severity')}</th>
                <th scope="col">{t('alarms.message')}</th>
                <th scope="col">{t('alarms.target')}</th>
                <th scope="col">{t('alarms.state')}</th>
                <th scope="col">{t('alarms.raised')}</th>
                <th scope="col">{t('alarms.cleared')}</th>
                <th scope="col">{t('alarms.acknowledged')}</th>
                <th scope="col">{t('alarms.by')}</th>
                <th scope="col">{t('alarms.comment')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr
                  key={a.id}
                  ref={a.id === id ? marked : undefined}
                  class={a.id === id ? 'marked' : undefined}
                  aria-current={a.id === id ? 'true' : undefined}
                  data-testid={`alarm-row-${a.id}`}
                >
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  <td>
                    {a.message[lang]}
                    <small class="rule-id">{a.ruleId}</small>
                  </td>
                  <td class="nowrap">{targetName(a.target, kit, name)}</td>
                  <td>{t(`alarm.state.${a.state}`)}</td>
                  <td class="nowrap">{time(a.raisedAt)}</td>
                  <td class="nowrap">{time(a.clearedAt)}</td>
                  <td class="nowrap">{time(a.acknowledgedAt)}</td>
                  <td>{a.acknowledgedBy ?? t('app.noValue')}</td>
                  <td class="comment">{a.comment || t('app.noValue')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

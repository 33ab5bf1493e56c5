/**
 * The plan-versus-actual board (生産管理板) for the wall tablet: one row per hour of the shift with plan, actual, the gap and the
 * running totals, coloured and worded (遅れ / 達成 / データなし), the stop reasons of the hour beside it, and the hour's rejects:
 * an operator's count, and beside it the inspection station's NG.
 */
import { useState } from 'preact/hooks';
import { useNow } from '../../clock';
import { Async } from '../../components/Async';
import { Picker } from '../../components/Picker';
import { formatCount, formatTime } from '../../format';
import { useFetched } from '../../hooks';
import { errorText, type Lang, useI18n } from '../../i18n';
import { mayEnterProduction } from '../../roles';
import { href } from '../../router';
import type { KitInfo, Me } from '../../types';
import { type Board, type BoardRow, minutesOf, reasonColor, reasonName, type Settings, saveRejects, useSettings } from './productionApi';
import './production.css';

const REFRESH_MS = 30_000;

/** A signed count as the board writes it: +5, −1,200, 0. */
const signed = (n: number | null, lang: Lang) =>
  n === null ? '—' : n > 0 ? `+${formatCount(n, lang)}` : n < 0 ? `−${formatCount(-n, lang)}` : '0';

export default function BoardPage({ me, kit, id }: { me: Me; kit: KitInfo; id: string | null }) {
  const { t, name, lang } = useI18n();
  const settings = useSettings();
  const planned = settings.data?.machines.filter((m) => m.counter) ?? [];
  const machine = id ?? planned[0]?.machine ?? kit.machines[0]?.id ?? null;
  const [at, setAt] = useState<number | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const tick = useNow(REFRESH_MS);
  const board = useFetched<Board>(machine ? 'api/production/board' : null, machine ? { machine, at } : undefined, tick + version);
  const info = kit.machines.find((m) => m.id === machine);
  // Without a counter there is no actual to set against a plan: the board then shows the hours' stop reasons only.
  const counted = planned.some((m) => m.machine === machine);
  const shiftName = (shiftId: string) => {
    const shift = kit.shifts.find((s) => s.id === shiftId);
    return shift ? name(shift) : shiftId;
  };
  if (!machine || !info) return <p class="panel">{t('prod.board.noMachine')}</p>;
  return (
    <>
      <Picker
        label={t('machinePage.select')}
        current={machine}
        items={kit.machines.map((m) => ({ key: m.id, href: href.board(m.id), label: name(m) }))}
      />
      <h1 class="page-title">
        {t('prod.board.title')} — {name(info)}
      </h1>
      <Async fetched={board}>
        {(b) =>
          !b.shift ? (
            <p class="panel">{t('prod.board.noShift')}</p>
          ) : (
            <>
              <div class="board-head">
                <p class="board-shift">
                  {shiftName(b.shift.id)} · {formatTime(b.shift.from, kit.timeZone, lang, 'date')}{' '}
                  {formatTime(b.shift.from, kit.timeZone, lang)}–{formatTime(b.shift.to, kit.timeZone, lang)}
                </p>
                <div class="segmented">
                  <button type="button" onClick={() => setAt((b.shift?.from ?? 0) - 1)} data-testid="board-previous">
                    {t('prod.board.previous')}
                  </button>
                  <button type="button" disabled={at === undefined} onClick={() => setAt(undefined)}>
                    {t('prod.board.current')}
                  </button>
                </div>
              </div>
              {counted ? <BoardSummary rows={b.rows} /> : <p class="panel">{t('prod.board.noCounter')}</p>}
              <BoardTable
                board={b}
                settings={settings.data}
                timeZone={kit.timeZone}
                may={counted && mayEnterProduction(me)}
                onSaved={() => setVersion((v) => v + 1)}
              />
            </>
          )
        }
      </Async>
    </>
  );
}

function BoardSummary({ rows }: { rows: BoardRow[] }) {
  const { t, lang } = useI18n();
  const last = rows.filter((r) => r.status !== 'upcoming').at(-1);
  const total = rows.at(-1)?.planCumulative ?? null;
  if (!last) return <p class="board-summary">{t('prod.board.notStarted')}</p>;
  // With an hour the kit did not see, the figures are of the hours it saw (as the alarm and the MQTT topic count them): a
  // shift the kit joined at 09:40 is not "5,800 behind" for the hours nobody counted.
  const partial = !last.complete;
  const seen = rows.filter((r) => r.status !== 'upcoming' && r.gap !== null && r.actual !== null);
  const actual = partial ? seen.reduce((sum, r) => sum + (r.actual ?? 0), 0) : last.actualCumulative;
  const gap = partial ? (seen.length > 0 ? seen.reduce((sum, r) => sum + (r.gap ?? 0), 0) : null) : last.gapCumulative;
  const plan = partial ? (actual !== null && gap !== null ? actual - gap : null) : last.planCumulative;
  const behind = gap !== null && gap < 0;
  const word =
    gap === null
      ? t('prod.board.word.noData')
      : behind
        ? t(partial ? 'prod.board.word.behindSeen' : 'prod.board.word.behind', { n: formatCount(-gap, lang) })
        : t(partial ? 'prod.board.word.onPlanSeen' : 'prod.board.word.onPlan');
  return (
    <div class={`board-summary ${gap === null ? 'status-noData' : behind ? 'status-behind' : 'status-onPlan'}`} data-testid="board-summary">
      <div>
        <span>{t(partial ? 'prod.board.planSeen' : 'prod.board.planSoFar')}</span>
        <strong>{formatCount(plan, lang)}</strong>
      </div>
      <div>
        <span>{t('prod.board.actualSoFar')}</span>
        <strong>{formatCount(actual, lang)}</strong>
      </div>
      <div>
        <span>{t('prod.board.gap')}</span>
        <strong>{signed(gap, lang)}</strong>
      </div>
      <p class="board-word">
        {word}
        {total !== null && ` · ${t('prod.board.shiftPlan', { n: formatCount(total, lang) })}`}
      </p>
      {partial && <p class="board-note">{t('prod.board.incomplete')}</p>}
    </div>
  );
}

function BoardTable({
  board,
  settings,
  timeZone,
  may,
  onSaved,
}: {
  board: Board;
  settings: Settings | null;
  timeZone: string;
  may: boolean;
  onSaved: () => void;
}) {
  const { t, lang } = useI18n();
  const [editing, setEditing] = useState<number | null>(null);
  return (
    <div class="board-scroll">
      <table class="board" data-testid="board">
        <thead>
          <tr>
            <th scope="col">{t('prod.board.hour')}</th>
            <th scope="col">{t('prod.board.plan')}</th>
            <th scope="col">{t('prod.board.actual')}</th>
            <th scope="col">{t('prod.board.gapStatus')}</th>
            <th scope="col">
              {t('prod.board.cumulative')}
              <small class="cell-note">{t('prod.board.cumulativeHow')}</small>
            </th>
            <th scope="col">{t('prod.board.stops')}</th>
            <th scope="col">{t('prod.board.rejects')}</th>
          </tr>
        </thead>
        <tbody>
          {board.rows.map((r) => (
            <tr key={r.from} class={`status-${r.status}${r.current ? ' current' : ''}`} data-testid={`board-row-${r.from}`}>
              <th scope="row">
                {formatTime(r.from, timeZone, lang)}–{formatTime(r.to, timeZone, lang)}
                {r.current && <span class="now-tag">{t('prod.board.now')}</span>}
              </th>
              <td>{formatCount(r.plan, lang)}</td>
              <td class="big">{formatCount(r.actual, lang)}</td>
              <td class="gap">
                {r.status !== 'upcoming' && r.gap !== null && <span class="big">{signed(r.gap, lang)}</span>}
                <span class="status-word">{t(`prod.board.status.${r.status}`)}</span>
              </td>
              <td class="cumulative">
                {r.status === 'upcoming' ? (
                  <small>{formatCount(r.planCumulative, lang)}</small>
                ) : (
                  <>
                    {r.actualCumulative === null ? '—' : `${r.complete ? '' : '≥'}${formatCount(r.actualCumulative, lang)}`} /{' '}
                    {formatCount(r.planCumulative, lang)}
                    <small>{r.gapCumulative === null ? '' : `${r.complete ? '' : '≥'}${signed(r.gapCumulative, lang)}`}</small>
                  </>
                )}
              </td>
              <td>
                <ul class="hour-stops">
                  {r.stops.map((s) => (
                    <li key={s.reason} style={{ borderLeftColor: reasonColor(settings, s.reason) }}>
                      {reasonName(settings, s.reason, lang, t)}{' '}
                      <span class="stop-minutes">
                        {minutesOf(s.ms, lang)}
                        {t('prod.minuteShort')}
                      </span>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {r.status === 'upcoming' ? null : editing === r.from ? (
                  <RejectStepper
                    machine={board.machine}
                    hourFrom={r.from}
                    initial={r.rejectsEntered ?? 0}
                    inspected={r.inspection !== null}
                    onDone={(saved) => {
                      setEditing(null);
                      if (saved) onSaved();
                    }}
                  />
                ) : (
                  <span class="rejects">
                    <span data-testid={`rejects-entered-${r.from}`}>{formatCount(r.rejectsEntered, lang)}</span>
                    {may && (
                      <button type="button" class="button small" onClick={() => setEditing(r.from)} data-testid={`rejects-edit-${r.from}`}>
                        {t('prod.board.enter')}
                      </button>
                    )}
                  </span>
                )}
                {/* The station's NG beside the operator's count, never inside it: the two add up once in the quality figures. */}
                {r.status !== 'upcoming' && r.inspection && r.inspection.judged > 0 && (
                  <small class="inspection-ng" data-testid={`inspection-ng-${r.from}`}>
                    {t('prod.board.inspectionNg', { n: formatCount(r.inspection.ng, lang) })}
                  </small>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** −/+ in big steps and a save: no on-screen keyboard needed with gloves on. */
function RejectStepper({
  machine,
  hourFrom,
  initial,
  inspected,
  onDone,
}: {
  machine: string;
  hourFrom: number;
  /** What an operator entered for the hour before, without the inspection station's NG. */
  initial: number;
  /** The machine has an inspection station, whose NG the operator must not count again. */
  inspected: boolean;
  onDone: (saved: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const [count, setCount] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await saveRejects({ machine, hourFrom, count });
      onDone(true);
    } catch (e) {
      setError(errorText(e, lang, t, 'app.error'));
    }
  };
  return (
    <div class="stepper">
      <button type="button" onClick={() => setCount(Math.max(0, count - 1))} aria-label={t('prod.board.less')}>
        −
      </button>
      <output data-testid="rejects-count">{formatCount(count, lang)}</output>
      <button type="button" onClick={() => setCount(count + 1)} aria-label={t('prod.board.more')} data-testid="rejects-more">
        +
      </button>
      <button type="button" class="button primary" onClick={() => void save()} data-testid="rejects-save">
        {t('prod.save')}
      </button>
      <button type="button" class="button" onClick={() => onDone(false)}>
        {t('prod.back')}
      </button>
      {inspected && <p class="stepper-hint">{t('prod.board.rejectsHint')}</p>}
      {error && <p class="form-error">{error}</p>}
    </div>
  );
}

/**
 * The tablet's stop-reason page (停止理由): the stops waiting for a reason, oldest first, each answered with one tap or split
 * in two; below, a machine's stops of today with their reasons, which a manager (or the operator, just after) may change.
 */
import { useEffect, useState } from 'preact/hooks';
import { useNow } from '../../clock';
import { Async } from '../../components/Async';
import { Picker } from '../../components/Picker';
import { formatDuration, formatTime } from '../../format';
import { useFetched } from '../../hooks';
import { errorText, useI18n } from '../../i18n';
import { mayEnterProduction } from '../../roles';
import { href } from '../../router';
import { MINUTE, startOfDay } from '../../time';
import type { KitInfo, Me } from '../../types';
import {
  minutesOf,
  type ProductionNow,
  reasonColor,
  reasonName,
  type Settings,
  type Stop,
  type StopList,
  saveReason,
  useSettings,
} from './productionApi';
import { ReasonPicker } from './ReasonPicker';
import './production.css';

const REFRESH_MS = 10_000;

export default function StopsPage({ me, kit, id }: { me: Me; kit: KitInfo; id: string | null }) {
  const { t, lang, name } = useI18n();
  const settings = useSettings();
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [done, setDone] = useState<Set<string>>(new Set());
  const tick = useNow(REFRESH_MS);
  const current = useFetched<ProductionNow>('api/production/now', undefined, tick + version);
  const may = mayEnterProduction(me);
  const machineName = (machine: string) => {
    const m = kit.machines.find((x) => x.id === machine);
    return m ? name(m) : machine;
  };

  /** Saves, says what was recorded, and asks the kit again (its list is refreshed a moment after a change). */
  const record = async (stop: Stop, segments: { from: number; to: number | null; reason: string; note?: string }[]) => {
    setMessage(null);
    try {
      await saveReason({ machine: stop.machine, stopFrom: stop.from, segments });
      setDone((d) => new Set(d).add(`${stop.machine}/${stop.from}`));
      setMessage({
        ok: true,
        text: t('prod.recorded', {
          machine: machineName(stop.machine),
          reasons: segments.map((s) => reasonName(settings.data, s.reason, lang, t)).join(' / '),
        }),
      });
      setTimeout(() => setVersion((v) => v + 1), 1500);
      return true;
    } catch (e) {
      setMessage({ ok: false, text: errorText(e, lang, t, 'app.error') });
      return false;
    }
  };

  const machinesShown = id ? kit.machines.filter((m) => m.id === id) : kit.machines;
  return (
    <>
      <h1 class="page-title">{t('prod.stops.title')}</h1>
      <Picker
        label={t('machinePage.select')}
        current={id ?? '_all'}
        items={[
          { key: '_all', href: href.stops(), label: t('prod.allMachines') },
          ...kit.machines.map((m) => ({ key: m.id, href: href.stops(m.id), label: name(m) })),
        ]}
      />
      {message && (
        <p class={message.ok ? 'form-ok' : 'form-error'} role="status" data-testid="stops-message">
          {message.text}
        </p>
      )}
      <section class="panel" aria-labelledby="stops-pending">
        <h2 id="stops-pending">{t('prod.stops.pending')}</h2>
        <Async fetched={current}>
          {(now) => {
            const list = now.pending.filter((s) => machinesShown.some((m) => m.id === s.machine) && !done.has(`${s.machine}/${s.from}`));
            if (list.length === 0) return <p class="all-answered">{t('prod.stops.none')}</p>;
            return (
              <ul class="stop-cards">
                {list.map((stop) => (
                  <PendingStop
                    key={`${stop.machine}/${stop.from}`}
                    stop={stop}
                    machine={machineName(stop.machine)}
                    settings={settings.data}
                    timeZone={kit.timeZone}
                    may={may}
                    onRecord={record}
                  />
                ))}
              </ul>
            );
          }}
        </Async>
      </section>
      {id && settings.data && <TodaysStops machine={id} kit={kit} settings={settings.data} may={may} version={version} onRecord={record} />}
    </>
  );
}

interface StopProps {
  stop: Stop;
  machine: string;
  settings: Settings | null;
  timeZone: string;
  may: boolean;
  onRecord: (stop: Stop, segments: { from: number; to: number | null; reason: string; note?: string }[]) => Promise<boolean>;
}

function PendingStop({ stop, machine, settings, timeZone, may, onRecord }: StopProps) {
  const { t, lang } = useI18n();
  const now = useNow();
  const [open, setOpen] = useState(false);
  const [splitting, setSplitting] = useState(false);
  const [busy, setBusy] = useState(false);
  const key = `${stop.machine}-${stop.from}`;
  const length = (stop.open ? now : stop.to) - stop.from;
  const run = async (segments: Parameters<StopProps['onRecord']>[1]) => {
    setBusy(true);
    const ok = await onRecord(stop, segments);
    setBusy(false);
    if (ok) setOpen(false);
  };
  return (
    <li class={`stop-card${stop.open ? ' stop-open' : ''}`} data-testid={`pending-${key}`}>
      <button type="button" class="stop-card-head" aria-expanded={open} onClick={() => setOpen(!open)} disabled={!may}>
        <span class="stop-machine">{machine}</span>
        <span class="stop-when">
          {/* The list reaches 24 h back: yesterday's 14:00 must not read as today's. */}
          {stop.from < startOfDay(now, timeZone) && `${formatTime(stop.from, timeZone, lang, 'date')} `}
          {formatTime(stop.from, timeZone, lang)}–{stop.open ? t('prod.stillStopped') : formatTime(stop.to, timeZone, lang)}
        </span>
        <span class="stop-length">{formatDuration(length, t)}</span>
        {/* A stop across lunch or the night is asked about for its planned part only: say how long that was. */}
        {length - stop.plannedMs >= MINUTE && (
          <span class="stop-planned">{t('prod.stops.plannedPart', { d: formatDuration(stop.plannedMs, t) })}</span>
        )}
        {may && <span class="stop-action">{t('prod.giveReason')}</span>}
      </button>
      {open && settings && (
        <div class="stop-answer">
          {splitting ? (
            <SplitEditor
              stop={stop}
              settings={settings}
              timeZone={timeZone}
              busy={busy}
              onSave={run}
              onCancel={() => setSplitting(false)}
            />
          ) : (
            <>
              <ReasonPicker
                settings={settings}
                busy={busy}
                testId={`reason-${key}`}
                onPick={(reason, note) => void run([{ from: stop.from, to: null, reason, ...(note ? { note } : {}) }])}
              />
              <button type="button" class="button split-button" onClick={() => setSplitting(true)} data-testid={`split-${key}`}>
                {t('prod.split')}
              </button>
            </>
          )}
          <p class="stop-hint">{t('prod.hint')}</p>
        </div>
      )}
    </li>
  );
}

/** Two parts at a split time moved in big steps (no tiny slider for gloves), each part with its own reason. */
function SplitEditor({
  stop,
  settings,
  timeZone,
  busy,
  onSave,
  onCancel,
}: {
  stop: Stop;
  settings: Settings;
  timeZone: string;
  busy: boolean;
  onSave: (segments: { from: number; to: number | null; reason: string; note?: string }[]) => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const now = useNow();
  const end = stop.open ? Math.max(now, stop.to) : stop.to;
  // The middle, on a whole minute when the stop is long enough for that to matter; never at or outside its ends.
  const clamp = (v: number) => Math.min(end - 1000, Math.max(stop.from + 1000, v));
  const [at, setAt] = useState(() => {
    const middle = stop.from + (end - stop.from) / 2;
    return clamp(end - stop.from >= 2 * MINUTE ? Math.round(middle / MINUTE) * MINUTE : Math.round(middle));
  });
  const [first, setFirst] = useState<{ reason: string; note?: string } | null>(null);
  useEffect(() => setAt((v) => clamp(v)), [end]);
  const key = `${stop.machine}-${stop.from}`;
  return (
    <div class="split-editor">
      <p class="split-time">
        {t('prod.splitAt')} <strong data-testid={`split-time-${key}`}>{formatTime(at, timeZone, lang)}</strong>
      </p>
      <div class="segmented split-steps">
        {[-10, -1, 1, 10].map((m) => (
          <button key={m} type="button" onClick={() => setAt(clamp(at + m * MINUTE))} data-testid={`split-step-${m}`}>
            {m > 0 ? `+${m}` : m}
            {t('prod.minuteShort')}
          </button>
        ))}
      </div>
      {first === null ? (
        <>
          <h3>{t('prod.firstPart', { from: formatTime(stop.from, timeZone, lang), to: formatTime(at, timeZone, lang) })}</h3>
          <ReasonPicker
            settings={settings}
            busy={busy}
            testId={`first-${key}`}
            onPick={(reason, note) => setFirst({ reason, ...(note ? { note } : {}) })}
          />
        </>
      ) : (
        <>
          <p class="split-chosen" style={{ borderLeftColor: reasonColor(settings, first.reason) }}>
            {t('prod.firstPart', { from: formatTime(stop.from, timeZone, lang), to: formatTime(at, timeZone, lang) })}:{' '}
            {reasonName(settings, first.reason, lang, t)}
          </p>
          <h3>{t('prod.secondPart', { from: formatTime(at, timeZone, lang) })}</h3>
          <ReasonPicker
            settings={settings}
            busy={busy}
            testId={`second-${key}`}
            onPick={(reason, note) =>
              onSave([
                { from: stop.from, to: at, ...first },
                { from: at, to: null, reason, ...(note ? { note } : {}) },
              ])
            }
          />
        </>
      )}
      <button type="button" class="button" onClick={onCancel}>
        {t('prod.back')}
      </button>
    </div>
  );
}

/** A machine's stops of today with their reasons; a segment's reason can be changed where the kit allows it. */
function TodaysStops({
  machine,
  kit,
  settings,
  may,
  version,
  onRecord,
}: {
  machine: string;
  kit: KitInfo;
  settings: Settings;
  may: boolean;
  version: number;
  onRecord: StopProps['onRecord'];
}) {
  const { t, lang } = useI18n();
  const now = useNow(MINUTE);
  const from = startOfDay(now, kit.timeZone);
  const stops = useFetched<StopList>('api/production/stops', { machine, from, to: now + MINUTE }, version);
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section class="panel" aria-labelledby="stops-today" data-testid="stops-today">
      <h2 id="stops-today">{t('prod.stops.today')}</h2>
      <AskedStates machine={machine} settings={settings} />
      <Async fetched={stops}>
        {(list) =>
          list.stops.length === 0 ? (
            <p>{t('prod.stops.noneToday')}</p>
          ) : (
            <ul class="stop-history">
              {list.stops.map((stop) => (
                <li key={stop.from}>
                  <p class="stop-history-head">
                    {formatTime(stop.from, kit.timeZone, lang)}–
                    {stop.open ? t('prod.stillStopped') : formatTime(stop.to, kit.timeZone, lang)}{' '}
                    <small>{t('prod.plannedMinutes', { m: minutesOf(stop.plannedMs, lang) })}</small>
                  </p>
                  <ul class="segments">
                    {stop.segments.map((segment) => {
                      const key = `${stop.from}/${segment.from}`;
                      return (
                        <li key={key} style={{ borderLeftColor: reasonColor(settings, segment.reason ?? stop.unanswered) }}>
                          <span>
                            {formatTime(segment.from, kit.timeZone, lang)}–{formatTime(segment.to, kit.timeZone, lang)}{' '}
                            <strong>{reasonName(settings, segment.reason ?? stop.unanswered, lang, t)}</strong>
                            {segment.note && ` — ${segment.note}`}
                            {segment.by && <small> ({segment.by})</small>}
                          </span>
                          {may && (
                            <button type="button" class="button" onClick={() => setEditing(editing === key ? null : key)}>
                              {segment.reason ? t('prod.change') : t('prod.giveReason')}
                            </button>
                          )}
                          {editing === key && (
                            <ReasonPicker
                              settings={settings}
                              busy={false}
                              testId={`edit-${key}`}
                              onPick={async (reason, note) => {
                                const last = segment.to >= stop.to;
                                if (
                                  await onRecord(stop, [
                                    { from: segment.from, to: last ? null : segment.to, reason, ...(note ? { note } : {}) },
                                  ])
                                )
                                  setEditing(null);
                              }}
                            />
                          )}
                        </li>
                      );
                    })}
                  </ul>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </section>
  );
}

/** Which stops of the machine ask for a reason (askReasonFor): why a compressor's idling, say, is never asked about. */
function AskedStates({ machine, settings }: { machine: string; settings: Settings }) {
  const { t } = useI18n();
  // A machine without a production entry is asked about every stop, as the kit's default is.
  const states = settings.machines.find((m) => m.machine === machine)?.askReasonFor ?? (['OFF', 'IDLE', 'FAULT'] as const);
  return (
    <p class="muted" data-testid="stops-asks">
      {states.length === 0
        ? t('prod.stops.asksNone')
        : t('prod.stops.asks', { states: states.map((s) => t(`state.${s}`)).join(' / '), m: settings.reasonAfterMinutes })}
    </p>
  );
}

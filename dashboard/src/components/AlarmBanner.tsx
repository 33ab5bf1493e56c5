/**
 * The alarms at the top of every page: what needs a person first, the most severe first, each with an icon and a word for
 * its severity; acknowledged ones quieter; cleared ones nobody acknowledged stay until someone does. Rendered by AppShell only.
 * It keeps to the size of one alarm and a count of the rest, so the shop floor stays on the screen; the rest is one tap away.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { alertStore, audioReadyStore, beep } from '../alarmAlert';
import { bannerOrder, mostSevere, needsAck, SEVERITIES, targetName } from '../alarms';
import { useNow } from '../clock';
import { formatDuration, formatTime } from '../format';
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { mayAcknowledge } from '../roles';
import { useStore } from '../store';
import type { Alarm, KitInfo, Me } from '../types';
import { AckDialog } from './AckDialog';
import { SeverityBadge } from './SeverityBadge';

const NO_ALARMS: Alarm[] = [];
/** How often the beep repeats while a warning or critical alarm waits for someone. */
const REPEAT_MS = { critical: 15_000, warning: 60_000, info: 0 } as const;

const alerting = (a: Alarm): boolean => a.state === 'active-unacknowledged' && a.severity !== 'info';

export function AlarmBanner({ me, kit }: { me: Me; kit: KitInfo }) {
  const { t, lang } = useI18n();
  const { snapshot } = useStore(liveStore);
  const alarms = snapshot?.alarms ?? NO_ALARMS;
  const alertOn = useStore(alertStore);
  const audioReady = useStore(audioReadyStore);
  const now = useNow();
  const [ackId, setAckId] = useState<string | null>(null);
  const [expanded, setExpanded] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const seen = useRef(new Set<string>());
  const trigger = useRef<HTMLElement | null>(null);

  const sorted = useMemo(() => [...alarms].sort(bannerOrder), [alarms]);
  const shown = expanded ? sorted : sorted.slice(0, 1);
  const rest = sorted.slice(1);
  const loud = alarms.filter(alerting);
  const top = mostSevere(loud);

  // A newly raised alarm: read out to a screen reader, and a beep when it is a warning or worse.
  useEffect(() => {
    if (!snapshot) return;
    const fresh = alarms.filter((a) => a.state === 'active-unacknowledged' && !seen.current.has(a.id)).sort(bannerOrder);
    for (const a of alarms) seen.current.add(a.id);
    const first = fresh[0];
    if (!first) return;
    setAnnouncement(
      t('alarm.announce', { severity: t(`alarm.severity.${first.severity}`), message: first.message[lang], count: fresh.length }),
    );
    const severity = mostSevere(fresh.filter(alerting));
    if (severity) beep(severity);
  }, [alarms]);

  // Until acknowledged (or cleared) the beep repeats; the first tap after a reload lets the browser play it.
  useEffect(() => {
    if (!top || !alertOn) return;
    if (audioReady) beep(top);
    const timer = setInterval(() => beep(top), REPEAT_MS[top]);
    return () => clearInterval(timer);
  }, [top, alertOn, audioReady]);

  const acking = ackId === null ? null : (alarms.find((a) => a.id === ackId) ?? null);
  const closeDialog = () => {
    setAckId(null);
    if (trigger.current?.isConnected) trigger.current.focus();
  };

  return (
    <>
      {alertOn && top && <div class={`alarm-flash alarm-flash-${top}`} aria-hidden="true" />}
      <p class="visually-hidden" aria-live="assertive">
        {announcement}
      </p>
      {sorted.length > 0 && (
        <section class="alarm-banner" data-testid="alarm-banner" aria-label={t('alarm.bannerLabel', { count: sorted.length })}>
          {alertOn && top && !audioReady && <p class="alarm-tap">{t('alarm.tapForSound')}</p>}
          <ul class={expanded ? 'alarm-list expanded' : 'alarm-list'} id="alarm-list">
            {shown.map((a) => (
              <AlarmItem
                key={a.id}
                alarm={a}
                me={me}
                kit={kit}
                now={now}
                onAck={(button) => {
                  trigger.current = button;
                  setAckId(a.id);
                }}
              />
            ))}
          </ul>
          {rest.length > 0 && (
            <button
              type="button"
              class="alarm-more"
              data-testid="alarm-more"
              aria-expanded={expanded}
              aria-controls="alarm-list"
              onClick={() => setExpanded(!expanded)}
            >
              {expanded ? t('alarm.showFewer') : t('alarm.more', { count: rest.length, detail: severityCounts(rest, t) })}
            </button>
          )}
        </section>
      )}
      {acking && <AckDialog alarm={acking} kit={kit} onClose={closeDialog} />}
    </>
  );
}

/** "重大 2・警告 1": how many of each severity, the most severe first. */
function severityCounts(alarms: Alarm[], t: ReturnType<typeof useI18n>['t']): string {
  return SEVERITIES.map((s) => [s, alarms.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${t(`alarm.severity.${s}`)} ${n}`)
    .join(t('alarm.countSeparator'));
}

interface ItemProps {
  alarm: Alarm;
  me: Me;
  kit: KitInfo;
  now: number;
  onAck: (button: HTMLElement) => void;
}

function AlarmItem({ alarm, me, kit, now, onAck }: ItemProps) {
  const { t, lang, name } = useI18n();
  const [why, setWhy] = useState(false);
  const tz = kit.timeZone;
  const open = needsAck(alarm);
  const canAck = mayAcknowledge(me);
  const body = (
    <>
      <SeverityBadge severity={alarm.severity} />
      <span class="alarm-text">
        <span class="alarm-message">{alarm.message[lang]}</span>
        <span class="alarm-meta">
          <span>{targetName(alarm.target, kit, name)}</span>
          <span>
            {t('alarm.raisedAgo', { time: formatTime(alarm.raisedAt, tz, lang), duration: formatDuration(now - alarm.raisedAt, t) })}
          </span>
          {alarm.state === 'cleared-unacknowledged' && (
            <>
              {alarm.clearedAt !== null && <span>{t('alarm.clearedAt', { time: formatTime(alarm.clearedAt, tz, lang) })}</span>}
              <strong class="alarm-tag">{t('alarm.state.cleared-unacknowledged')}</strong>
            </>
          )}
          {alarm.state === 'active-acknowledged' && (
            <span class="alarm-tag">
              {alarm.acknowledgedBy ? t('alarm.acknowledgedBy', { user: alarm.acknowledgedBy }) : t('alarm.state.active-acknowledged')}
            </span>
          )}
        </span>
      </span>
    </>
  );
  return (
    <li class={`alarm alarm-${alarm.severity} alarm-${alarm.state}`} data-testid={`alarm-${alarm.id}`}>
      {open && !canAck ? (
        // Someone who may not acknowledge still taps the alarm to do so: tell them why nothing happens.
        <button type="button" class="alarm-body" aria-expanded={why} onClick={() => setWhy(!why)}>
          {body}
        </button>
      ) : (
        <div class="alarm-body">{body}</div>
      )}
      {open && canAck && (
        <button type="button" class="button alarm-ack" data-testid={`alarm-ack-${alarm.id}`} onClick={(e) => onAck(e.currentTarget)}>
          {t('alarm.ack')}
        </button>
      )}
      {why && (
        <p class="alarm-why" role="status">
          {t(me.kiosk ? 'alarm.ackNotPermittedKiosk' : 'alarm.ackNotPermitted')}
        </p>
      )}
    </li>
  );
}

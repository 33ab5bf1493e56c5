/** A machine's states over a range as one Gantt bar: andon colours plus patterns and labels, a tap names the state at that time. */
import { useRef, useState } from 'preact/hooks';
import { formatDuration, formatPct, formatTime } from '../format';
import { useWidth } from '../hooks';
import { useI18n } from '../i18n';
import { DAY, HOUR, MINUTE, startOfDay } from '../time';
import type { Timeline, TimelineState } from '../types';
import { StateIcon } from './StateIcon';

const STATES: readonly TimelineState[] = ['RUN', 'IDLE', 'OFF', 'FAULT', 'UNKNOWN', 'NO_DATA'];
const STEPS = [15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** Tick times at round local hours or days, about one per 90 px. */
function ticks(from: number, to: number, width: number, timeZone: string): number[] {
  const wanted = Math.max(2, Math.floor(width / 90));
  const step = STEPS.find((s) => (to - from) / s <= wanted) ?? 30 * DAY;
  const out: number[] = [];
  for (let t = startOfDay(from, timeZone); t <= to && out.length < 100; t += step) if (t >= from) out.push(t);
  return out;
}

export function StateGantt({ timeline, from, to, timeZone }: { timeline: Timeline; from: number; to: number; timeZone: string }) {
  const { t, lang } = useI18n();
  const bar = useRef<HTMLDivElement>(null);
  const width = useWidth(bar);
  const [picked, setPicked] = useState<number | null>(null);
  const span = Math.max(1, to - from);
  const intervals = timeline.intervals
    .map((iv) => ({ state: iv.state, from: Math.max(from, iv.from), to: Math.min(to, iv.to) }))
    .filter((iv) => iv.to > iv.from);
  const totals = new Map<TimelineState, number>();
  for (const iv of intervals) totals.set(iv.state, (totals.get(iv.state) ?? 0) + iv.to - iv.from);
  const totalText = STATES.filter((s) => totals.has(s)).map((s) =>
    t('gantt.total', {
      state: t(`state.${s}`),
      duration: formatDuration(totals.get(s) ?? 0, t),
      pct: formatPct((totals.get(s) ?? 0) / span),
    }),
  );
  const chosen = picked === null ? undefined : intervals.find((iv) => iv.from <= picked && picked < iv.to);
  const describe = (iv: (typeof intervals)[number]) =>
    t('gantt.detail', {
      state: t(`state.${iv.state}`),
      from: formatTime(iv.from, timeZone, lang, span > DAY ? 'dateTime' : 'time'),
      to: formatTime(iv.to, timeZone, lang, span > DAY ? 'dateTime' : 'time'),
      duration: formatDuration(iv.to - iv.from, t),
    });

  const onTap = (e: MouseEvent) => {
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    setPicked(from + ((e.clientX - rect.left) / rect.width) * span);
  };

  return (
    <div class="gantt">
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the same information is in the totals below and the bar's label; the tap is a convenience. */}
      <div class="gantt-bar" ref={bar} role="img" aria-label={totalText.join(lang === 'ja' ? '、' : ', ')} onClick={onTap}>
        {intervals.map((iv) => {
          const left = ((iv.from - from) / span) * 100;
          const w = ((iv.to - iv.from) / span) * 100;
          return (
            <div key={iv.from} class={`gantt-seg state-${iv.state}`} style={{ left: `${left}%`, width: `${w}%` }} title={describe(iv)}>
              {(w / 100) * width >= 64 && <span class="gantt-seg-label">{t(`state.${iv.state}`)}</span>}
            </div>
          );
        })}
        {chosen && <div class="gantt-pick" style={{ left: `${(((picked ?? 0) - from) / span) * 100}%` }} />}
      </div>
      <div class="gantt-axis" aria-hidden="true">
        {ticks(from, to, width, timeZone).map((tick) => (
          // Labels near the right end are right-aligned so that they stay inside the panel.
          <span key={tick} class={tick - from > span * 0.9 ? 'end' : undefined} style={{ left: `${((tick - from) / span) * 100}%` }}>
            {formatTime(tick, timeZone, lang, span > 2 * DAY ? 'date' : 'time')}
          </span>
        ))}
      </div>
      <p class="chart-detail" aria-live="polite">
        {chosen ? describe(chosen) : intervals.length === 0 ? t('chart.noData') : t('gantt.hint')}
      </p>
      <ul class="legend">
        {/* No data is named only where there is some: a kit that always recorded needs no such entry. Only a signal tower
            tells a fault stop: named where one was drawn, not on every current-watched machine. */}
        {STATES.filter((s) => (s !== 'NO_DATA' && s !== 'FAULT') || totals.has(s)).map((s) => (
          <li key={s}>
            <span class={`swatch state-${s}`}>
              <StateIcon state={s} size={16} />
            </span>
            {totals.has(s)
              ? t('gantt.total', {
                  state: t(`state.${s}`),
                  duration: formatDuration(totals.get(s) ?? 0, t),
                  pct: formatPct((totals.get(s) ?? 0) / span),
                })
              : t(`state.${s}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}

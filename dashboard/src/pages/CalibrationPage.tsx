/** Calibration: live readings per channel, the distribution of a machine's current (or power) over a span, and thresholds proposed from it. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { Async } from '../components/Async';
import { Picker } from '../components/Picker';
import { formatCount } from '../format';
import { useFetched } from '../hooks';
import { errorText, useI18n } from '../i18n';
import { atLeast } from '../roles';
import { href } from '../router';
import { HOUR } from '../time';
import type { CalibrationResponse, KitInfo, LiveChannelsResponse, Me, ThresholdsResponse } from '../types';

const SPANS = { '1h': HOUR, '8h': 8 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR } as const;
type Span = keyof typeof SPANS;

function LiveChannels({ kit }: { kit: KitInfo }) {
  const { t, lang } = useI18n();
  const [live, setLive] = useState<LiveChannelsResponse | null>(null);
  useEffect(() => {
    const poll = () => api.get<LiveChannelsResponse>('api/calibration/live').then(setLive, () => {});
    void poll();
    const timer = setInterval(poll, 2000);
    return () => clearInterval(timer);
  }, []);
  if (!live) return null;
  // A meter's channels have watts beside their amps; a kit of CT clamps only needs no empty column.
  const watts = live.channels.some((c) => c.watts !== null);
  const nameOf = (id: string | null) => {
    const m = kit.machines.find((x) => x.id === id);
    return m ? (lang === 'en' && m.nameEn ? m.nameEn : m.name) : t('calib.unmapped');
  };
  return (
    <section class="panel">
      <h2 class="section-title">{t('calib.live')}</h2>
      <div class="table-scroll">
        <table class="admin-table" data-testid="live-channels">
          <thead>
            <tr>
              <th>{t('calib.channel')}</th>
              <th>{t('calib.machine')}</th>
              <th class="num">{t('calib.amps')}</th>
              {watts && <th class="num">{t('calib.watts')}</th>}
            </tr>
          </thead>
          <tbody>
            {live.channels.map((c) => (
              <tr key={`${c.node}/${c.channel}`}>
                <td class="mono">
                  {c.node}/{c.channel}
                </td>
                <td>{nameOf(c.machine)}</td>
                <td class="num mono">{c.amps === null ? '—' : c.amps.toFixed(2)}</td>
                {watts && <td class="num mono">{c.watts === null ? '—' : c.watts.toFixed(0)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const W = 640;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 34 };

/** Bars on a log axis (amps or watts) with the current (dashed) and proposed (solid) limits. */
function Histogram({ view, proposed }: { view: CalibrationResponse; proposed?: ThresholdsResponse }) {
  const { t } = useI18n();
  const used = view.counts.flatMap((c, i) => (c > 0 ? [i] : []));
  const limits = [view.current?.idleAbove, view.current?.runAbove, proposed?.idleAbove, proposed?.runAbove].filter(
    (v): v is number => !!v && v > 0,
  );
  const lo = Math.log10(Math.min(view.edges[used[0] ?? 0] ?? (view.edges[0] as number), ...limits) / 1.5);
  const hi = Math.log10(Math.max(view.edges[(used.at(-1) ?? 0) + 1] ?? 100 * (view.edges[0] as number), ...limits) * 1.5);
  const x = (value: number) => PAD.left + ((Math.log10(value) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const max = Math.max(1, ...view.counts);
  const y = (count: number) => H - PAD.bottom - (count / max) * (H - PAD.top - PAD.bottom);
  // 1 and 3 of every decade the axis spans.
  const ticks = Array.from(
    { length: 2 * (Math.ceil(hi) - Math.floor(lo) + 1) },
    (_, i) => (i % 2 ? 3 : 1) * 10 ** (Math.floor(lo) + Math.floor(i / 2)),
  ).filter((v) => Math.log10(v) >= lo && Math.log10(v) <= hi);
  // Proposed labels at the top right of their line, current ones lower and to the left: close limits stay readable.
  const line = (value: number | undefined, cls: string, label: string, below = false) =>
    value ? (
      <g class={`limit ${cls}`}>
        <line x1={x(value)} x2={x(value)} y1={PAD.top} y2={H - PAD.bottom} />
        <text x={x(value) + (below ? -3 : 3)} y={PAD.top + (below ? 26 : 10)} text-anchor={below ? 'end' : 'start'}>
          {label} {value}
        </text>
      </g>
    ) : null;
  return (
    <svg
      class="histogram"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={t(view.unit === 'W' ? 'calib.histogramPower' : 'calib.histogram')}
      data-testid="histogram"
    >
      {view.counts.map((c, i) =>
        c > 0 ? (
          <rect
            key={i}
            class="hist-bar"
            x={x(view.edges[i] as number)}
            width={Math.max(1, x(view.edges[i + 1] as number) - x(view.edges[i] as number) - 0.5)}
            y={y(c)}
            height={H - PAD.bottom - y(c)}
          />
        ) : null,
      )}
      <line class="axis" x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} />
      {ticks.map((v) => (
        <text key={v} class="tick" x={x(v)} y={H - PAD.bottom + 16} text-anchor="middle">
          {v >= 1000 ? `${v / 1000}k` : v}
        </text>
      ))}
      <text class="tick" x={W - PAD.right} y={H - 4} text-anchor="end">
        {view.unit}
      </text>
      {line(view.current?.idleAbove, 'limit-current', `${t('calib.current')} idle`, true)}
      {line(view.current?.runAbove, 'limit-current', `${t('calib.current')} run`, true)}
      {line(proposed?.idleAbove, 'limit-idle', `${t('calib.proposed')} idle`)}
      {line(proposed?.runAbove, 'limit-run', `${t('calib.proposed')} run`)}
    </svg>
  );
}

function Proposal({ me, view, onSaved }: { me: Me; view: CalibrationResponse; onSaved: () => void }) {
  const { t, lang } = useI18n();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const p = view.proposal;
  const accept = async () => {
    if (!p.thresholds) return;
    try {
      await api.put(`api/calibration/${encodeURIComponent(view.machine)}`, p.thresholds);
      setMessage({ ok: true, text: t('calib.accepted') });
      onSaved();
    } catch (error) {
      setMessage({
        ok: false,
        text: errorText(error instanceof ApiError ? error : new ApiError(0, 'UNKNOWN', String(error), null), lang, t, 'app.error'),
      });
    }
  };
  const row = (label: string, th: ThresholdsResponse | null | undefined) => (
    <tr>
      <th>{label}</th>
      <td class="num mono">{th ? th.idleAbove : '—'}</td>
      <td class="num mono">{th ? th.runAbove : '—'}</td>
      <td class="num mono">{th ? th.hysteresis : '—'}</td>
    </tr>
  );
  return (
    <>
      <p>
        {t('calib.readings', {
          count: formatCount(view.total, lang),
          resolution: t(view.resolution === 'raw' ? 'calib.raw' : 'calib.minute'),
        })}
        {' · '}
        {p.confidence === 'none' ? t('calib.none') : t(p.confidence === 'good' ? 'calib.goodConfidence' : 'calib.lowConfidence')}
      </p>
      <Histogram view={view} {...(p.thresholds ? { proposed: p.thresholds } : {})} />
      <ul class="levels">
        {p.levels.map((l) => (
          <li key={`${l.state}${l.peak}`} class={`state-${l.state}`}>
            {l.state} {l.peak} {view.unit} · {t('calib.share')} {Math.round(l.share * 100)} %
          </li>
        ))}
      </ul>
      {p.notes.map((n) => (
        <p key={n.en} class="help">
          {n[lang]}
        </p>
      ))}
      <table class="thresholds-table" data-testid="thresholds">
        <thead>
          <tr>
            <th />
            <th class="num">idleAbove ({view.unit})</th>
            <th class="num">runAbove ({view.unit})</th>
            <th class="num">hysteresis ({view.unit})</th>
          </tr>
        </thead>
        <tbody>
          {row(t('calib.current'), view.current)}
          {row(t('calib.proposed'), p.thresholds)}
        </tbody>
      </table>
      {atLeast(me.role, 'admin') && !me.kiosk && p.thresholds && (
        <button type="button" class="button" onClick={() => void accept()} data-testid="accept-thresholds">
          {t('calib.accept')}
        </button>
      )}
      {message && (
        <p class={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
    </>
  );
}

export default function CalibrationPage({ me, kit, id }: { me: Me; kit: KitInfo; id: string | null }) {
  const { t, lang } = useI18n();
  // A machine read from a CT or a meter (amps or watts) has thresholds; one on a digital input has none.
  const machines = kit.machines.filter((m) => m.kind === 'current');
  const machine = machines.find((m) => m.id === id) ?? machines[0];
  const [span, setSpan] = useState<Span>('24h');
  const [version, setVersion] = useState(0);
  const [to] = useState(() => Date.now());
  const view = useFetched<CalibrationResponse>(
    machine ? `api/calibration/${encodeURIComponent(machine.id)}` : null,
    { from: to - SPANS[span], to },
    version,
  );
  return (
    <>
      <h1 class="page-title">{t('calib.title')}</h1>
      <p>{t('calib.intro')}</p>
      <LiveChannels kit={kit} />
      {machine ? (
        <section class="panel">
          <Picker
            label={t('calib.machine')}
            current={machine.id}
            items={machines.map((m) => ({ key: m.id, href: href.calibration(m.id), label: lang === 'en' && m.nameEn ? m.nameEn : m.name }))}
          />
          <fieldset class="segmented">
            <legend class="visually-hidden">{t('calib.span')}</legend>
            {(Object.keys(SPANS) as Span[]).map((s) => (
              <button key={s} type="button" aria-pressed={s === span} onClick={() => setSpan(s)}>
                {t(`calib.span.${s}`)}
              </button>
            ))}
          </fieldset>
          <h2 class="section-title">
            {t(machine.quantity === 'power' ? 'calib.histogramPower' : 'calib.histogram')} —{' '}
            {lang === 'en' && machine.nameEn ? machine.nameEn : machine.name}
          </h2>
          <Async fetched={view}>{(data) => <Proposal me={me} view={data} onSaved={() => setVersion((v) => v + 1)} />}</Async>
        </section>
      ) : (
        <p>{t('calib.noCt')}</p>
      )}
    </>
  );
}

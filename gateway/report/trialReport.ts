/**
 * The trial report (試用報告書): the loan's hand-over artefact, laid out on the shared report layout from the trial's
 * figures. Cover and summary, how to read it, machines, energy, working conditions, alarms, data coverage, improvement
 * candidates. docs/report.md describes every figure.
 */
import { WBGT_LEVEL_LABELS, type WbgtLevel } from '../../edge/stages/wbgt.js';
import { expandRules } from '../alarms/rules.js';
import { countText } from '../countText.js';
import { formatDate, localTime, weekday } from '../utilization/timeZone.js';
import type { StateInterval, TimelineState, UtilizationRow } from '../utilization/utilization.js';
import { barChart, legend, type TimelineRow, timelineStrips } from './charts.js';
import { COLORS, openReport, type ReportLang, type ReportLayout, type TableCell } from './layout.js';
import { improvementCandidates } from './trialAdvice.js';
import { localDays, type MachineFigures, type TrialFigures, type ZoneFigures } from './trialFigures.js';
import { durationText, hoursText, pctText, TEXT, type TrialText } from './trialText.js';

export interface TrialReportOptions {
  lang: ReportLang;
  /** When the report was made (ms): on the cover and in the PDF's properties. */
  createdAt: number;
  /** Say on the cover that the data is simulated (the demo kit). */
  demo?: boolean;
  fontPath?: string;
}

const HOUR = 3_600_000;
const DAY_MS = 24 * HOUR;
const STATE_COLOR: Record<TimelineState, string> = {
  RUN: COLORS.run,
  IDLE: COLORS.idle,
  OFF: COLORS.off,
  FAULT: COLORS.fault,
  UNKNOWN: COLORS.unknown,
  NO_DATA: COLORS.faint,
};
/** The dashboard's WBGT level colours, lightened so black text stays readable on them in a table. */
const WBGT_FILL: Record<WbgtLevel, string> = {
  safe: '#cfe5ff',
  caution: '#e6f3ff',
  warning: '#fdfbb3',
  severe: '#ffdcab',
  danger: '#ffb8ab',
};
const WBGT_RANGE: Record<WbgtLevel, string> = { safe: '< 21', caution: '21–25', warning: '25–28', severe: '28–31', danger: '≥ 31' };

/** Lays the whole report out; the caller ends it with toBuffer() or finish(). */
export function writeTrialReport(f: TrialFigures, options: TrialReportOptions): ReportLayout {
  const { lang } = options;
  const L = TEXT[lang];
  const { config } = f;
  const tz = config.kit.timeZone;
  const name = (x: { name: string; nameEn?: string | undefined }) => (lang === 'ja' ? x.name : (x.nameEn ?? x.name));
  const date = (ms: number) => {
    const t = localTime(ms, tz);
    return lang === 'ja' ? `${t.month}/${t.day} (${L.weekdays[weekday(t)]})` : `${L.weekdays[weekday(t)]} ${t.day}/${t.month}`;
  };
  const dateTime = (ms: number) => {
    const t = localTime(ms, tz);
    return `${date(ms)} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
  };
  const pct = (ratio: number | null) => pctText(ratio, L.noData);
  const kwh = (v: number) => `${v < 10 ? v.toFixed(1) : countText(v)} kWh`;

  const doc = openReport({
    title: L.title,
    kitId: config.kit.id,
    lang,
    subject: config.kit.site,
    createdAt: new Date(options.createdAt),
    ...(options.fontPath ? { fontPath: options.fontPath } : {}),
  });
  const candidates = improvementCandidates(f);
  const days = localDays(f.from, f.to, tz);

  // ---- cover and summary ----
  doc.paragraph(L.title, { size: 22, bold: true, color: COLORS.accent, gapAfter: 4 });
  doc.paragraph(L.subtitle, { size: 11, color: COLORS.muted, gapAfter: 14 });
  doc.keyValues([
    [L.site, config.kit.site],
    [L.period, `${formatDate(localTime(f.from, tz))} 〜 ${formatDate(localTime(f.to - 1, tz))}${paren(L.days(days.length), lang)}`],
    [L.kit, config.kit.id],
    [L.created, formatLocalMinute(options.createdAt, tz)],
  ]);
  if (options.demo) doc.paragraph(L.demo, { bold: true, color: COLORS.off });
  const coverage = f.coverage.rangeMs > 0 ? f.coverage.coveredMs / f.coverage.rangeMs : null;
  doc.paragraph(L.coverageLine(pct(coverage), hoursText(f.coverage.coveredMs), hoursText(f.coverage.rangeMs)));
  doc.heading(L.summary, 2);
  doc.table({
    columns: [
      { header: L.machine, width: 3 },
      { header: L.utilization, width: 1.3, align: 'right' },
      { header: L.idleShare, width: 1.3, align: 'right' },
      { header: L.longestStop, width: 1.5, align: 'right' },
      { header: L.energy, width: 1.5, align: 'right' },
      { header: L.idleEnergy, width: 1.8, align: 'right' },
    ],
    rows: f.machines.map((m) => [
      name(m.config),
      cellPct(m.totals.utilization, L),
      cellPct(m.totals.idleShare, L),
      m.longestStops[0] ? durationText(m.longestStops[0].plannedMs, lang) : '—',
      m.energy ? kwh(m.energy.kwh.total) : '—',
      m.energy ? `${kwh(m.energy.kwh.idle)} / ${L.yen(m.energy.yen.idle)}` : '—',
    ]),
  });
  doc.heading(L.topFindings, 2);
  if (candidates.length === 0) doc.paragraph(L.noCandidates);
  else doc.bullets(candidates.slice(0, 3).map((c) => c.text[lang]));

  // ---- how to read ----
  doc.heading(L.howToRead);
  const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const calendarText = config.calendar.shifts
    .map((s) => {
      const breaks = s.breaks.map((b) => `${b.start}–${b.end}`).join(', ');
      const on = s.days.map((d) => L.weekdays[dayNames.indexOf(d)]).join(lang === 'ja' ? '・' : ', ');
      return `${name(s)} ${s.start}–${s.end}${breaks ? paren(`${lang === 'ja' ? '休憩 ' : 'breaks '}${breaks}`, lang) : ''} ${on}`;
    })
    .join(lang === 'ja' ? '、' : '; ');
  for (const text of L.howToReadText) doc.paragraph(text.replace('{calendar}', calendarText));
  legend(
    doc,
    statesShown(f.machines.flatMap((m) => m.timeline)).map((s) => stateLegend(s, L)),
  );

  // ---- machines ----
  doc.heading(L.machinesChapter);
  f.machines.forEach((m, i) => {
    if (i > 0) doc.pageBreak();
    machineSection(doc, m, f, L, lang, { name, date, dateTime, pct, days });
  });

  // ---- energy ----
  doc.heading(L.energyChapter);
  doc.paragraph(L.energyIntro(String(f.tariffYenPerKwh), f.tariffAssumed));
  const metered = f.machines.filter((m) => m.energy);
  doc.table({
    columns: [
      { header: L.machine, width: 2.6 },
      { header: L.total, width: 1.2, align: 'right' },
      { header: L.run, width: 1.2, align: 'right' },
      { header: L.idle, width: 1.2, align: 'right' },
      { header: L.idleOutside, width: 1.3, align: 'right' },
      { header: L.off, width: 1.1, align: 'right' },
      { header: L.cost, width: 1.3, align: 'right' },
      { header: L.idleCost, width: 1.2, align: 'right' },
    ],
    rows: metered.map((m) => {
      const e = m.energy!;
      return [
        name(m.config),
        kwh(e.kwh.total),
        kwh(e.kwh.run),
        { text: kwh(e.kwh.idle), bold: true },
        kwh(e.idleOutsidePlannedKwh),
        kwh(e.kwh.off),
        L.yen(e.yen.total),
        { text: L.yen(e.yen.idle), bold: true },
      ];
    }),
  });
  if (metered.length > 0) {
    barChart(doc, {
      categories: metered.map((m) => name(m.config)),
      series: [
        { name: L.run, color: COLORS.run, values: metered.map((m) => m.energy!.kwh.run) },
        { name: L.idle, color: COLORS.idle, values: metered.map((m) => m.energy!.kwh.idle) },
        { name: L.off, color: COLORS.off, values: metered.map((m) => m.energy!.kwh.off + m.energy!.kwh.unknown) },
      ],
      stacked: true,
      height: 120,
      format: countText,
    });
  }
  doc.note(L.formula);
  doc.table({
    columns: [
      { header: L.machine, width: 3 },
      { header: L.supply, width: 4 },
    ],
    rows: metered.map((m) => [
      name(m.config),
      m.energy?.measured
        ? L.measuredByMeter
        : `${m.config.supply.phases === 3 ? (lang === 'ja' ? '三相' : 'three-phase') : lang === 'ja' ? '単相' : 'single-phase'} ${m.config.supply.volts} V, cos φ ${m.config.supply.powerFactor}`,
    ]),
    fontSize: 8,
  });

  // ---- environment ----
  doc.heading(L.environmentChapter);
  doc.note(L.legalNote);
  for (const z of f.zones) zoneSection(doc, z, L, lang, { name, date, days });

  // ---- alarms ----
  doc.heading(L.alarmsChapter);
  const rules = new Map(expandRules(config).map((r) => [r.key, r]));
  const ruleName = (ruleId: string, targetId: string) => {
    const rule = rules.get(`${ruleId}/${targetId}`);
    if (!rule) return `${ruleId} — ${targetId}`;
    // The built-in WBGT rules are called 警戒 / 厳重警戒 / 危険: say what they measure.
    const metric = rule.kind === 'limit' && rule.metric === 'wbgt' ? (lang === 'ja' ? '暑さ指数 ' : 'WBGT ') : '';
    return `${metric}${rule.label[lang]} — ${rule.targetName[lang]}`;
  };
  if (f.alarms.raised === 0) doc.paragraph(L.noAlarms);
  else {
    doc.paragraph(L.alarmsIntro(f.alarms.raised, f.alarms.acknowledged, durationText(f.alarms.medianAckMs, lang)));
    doc.table({
      columns: [
        { header: L.rule, width: 4 },
        { header: L.severity, width: 1.2 },
        { header: L.raised, width: 1, align: 'right' },
        { header: L.acknowledged, width: 1.3, align: 'right' },
        { header: L.medianAck, width: 2.1, align: 'right' },
        { header: L.maxAck, width: 1.3, align: 'right' },
      ],
      rows: f.alarms.rules.map((r) => [
        ruleName(r.ruleId, r.target.id),
        L.severities[r.severity] ?? r.severity,
        String(r.raised),
        String(r.acknowledged),
        durationText(r.medianAckMs, lang),
        durationText(r.maxAckMs, lang),
      ]),
    });
  }

  // ---- coverage ----
  doc.heading(L.coverageChapter);
  doc.paragraph(L.coverageIntro(pct(coverage)));
  barChart(doc, {
    categories: f.coverage.days.map((d) => date(d.from)),
    series: [{ name: L.dataShare, color: COLORS.accent, values: f.coverage.days.map((d) => (d.coveredMs / (d.to - d.from)) * 100) }],
    max: 100,
    height: 90,
    format: (v) => `${Math.round(v)}`,
  });
  doc.heading(L.gaps, 3);
  if (f.coverage.gaps.length === 0) doc.paragraph(L.noGaps);
  else
    doc.table({
      columns: [
        { header: L.from, width: 2 },
        { header: L.to, width: 2 },
        { header: L.hours, width: 1, align: 'right' },
      ],
      rows: f.coverage.gaps.map((g) => [dateTime(g.from), dateTime(g.to), hoursText(g.to - g.from)]),
      fontSize: 8,
    });

  // ---- improvement candidates ----
  doc.heading(L.candidatesChapter);
  doc.paragraph(L.candidatesIntro);
  if (candidates.length === 0) doc.paragraph(L.noCandidates);
  else doc.bullets(candidates.map((c) => c.text[lang]));
  return doc;
}

interface Formatters {
  name: (x: { name: string; nameEn?: string | undefined }) => string;
  date: (ms: number) => string;
  dateTime: (ms: number) => string;
  pct: (ratio: number | null) => string;
  days: { day: string; from: number; to: number }[];
}

function machineSection(doc: ReportLayout, m: MachineFigures, f: TrialFigures, L: TrialText, lang: ReportLang, fmt: Formatters): void {
  const { config } = f;
  const t = m.totals;
  doc.heading(fmt.name(m.config), 2);
  const seen = t.plannedMs - t.noDataMs;
  doc.keyValues(
    [
      [
        L.utilization,
        `${fmt.pct(t.utilization)}${t.noDataMs > 0 ? paren(`${L.dataShare} ${fmt.pct(t.plannedMs > 0 ? seen / t.plannedMs : null)}`, lang) : ''}`,
      ],
      [
        L.plannedHours,
        `${hoursText(t.plannedMs)} h — ${L.states.RUN} ${hoursText(t.runMs)} / ${L.states.IDLE} ${hoursText(t.idleMs)} / ${L.states.OFF} ${hoursText(t.offMs)}${t.faultMs > 0 ? ` / ${L.states.FAULT} ${hoursText(t.faultMs)}` : ''} / ${L.states.UNKNOWN} ${hoursText(t.unknownMs)} / ${L.states.NO_DATA} ${hoursText(t.noDataMs)}`,
      ],
      [L.idleShare, fmt.pct(t.idleShare)],
      [
        L.energy,
        m.energy
          ? `${countText(m.energy.kwh.total)} kWh${paren(`${L.idle} ${countText(m.energy.kwh.idle)} kWh, ${L.yen(m.energy.yen.idle)}`, lang)}`
          : L.digitalNoEnergy,
      ],
    ],
    { size: 9, labelWidth: 90 },
  );

  const planned = (r: UtilizationRow) => r.plannedMs > 0;
  const noData = (r: UtilizationRow) => r.plannedMs > 0 && r.noDataMs >= r.plannedMs;
  doc.heading(L.dailyUtilization, 3);
  barChart(doc, {
    categories: m.days.map((r) => fmt.date(r.from)),
    series: [{ name: L.utilization, color: COLORS.run, values: m.days.map((r) => (r.utilization === null ? null : r.utilization * 100)) }],
    max: 100,
    height: 90,
    valueLabels: m.days.length <= 16,
    format: (v) => `${Math.round(v)}`,
    noData: m.days.map(noData),
    noDataLabel: L.noData,
  });

  // Day × shift: one row a day with planned time, one column a shift (none when there is one shift: it is the day).
  const shifts = config.calendar.shifts.length > 1 ? config.calendar.shifts : [];
  const shiftRows = new Map(m.shifts.map((r) => [`${dayOf(r, fmt.days)}|${r.shift}`, r]));
  doc.heading(L.dayTable, 3);
  doc.table({
    columns: [
      { header: L.date, width: 1.6 },
      { header: `${L.plannedHours} (h)`, width: 1.2, align: 'right' },
      { header: L.utilization, width: 1.2, align: 'right' },
      ...shifts.map((s) => ({ header: fmt.name(s), width: 1.2, align: 'right' as const })),
      { header: L.idleShare, width: 1.2, align: 'right' },
      { header: L.dataShare, width: 1, align: 'right' },
    ],
    rows: m.days.filter(planned).map((r) => {
      const day = dayOf(r, fmt.days);
      return [
        fmt.date(r.from),
        hoursText(r.plannedMs),
        cellPct(r.utilization, L),
        ...shifts.map((s) => {
          const row = shiftRows.get(`${day}|${s.id}`);
          return row ? cellPct(row.utilization, L) : '—';
        }),
        cellPct(r.plannedMs - r.noDataMs > 0 ? r.idleMs / (r.plannedMs - r.noDataMs) : null, L),
        fmt.pct((r.plannedMs - r.noDataMs) / r.plannedMs),
      ];
    }),
    fontSize: 8,
  });

  doc.heading(L.timelineTitle, 3);
  timelineStrips(doc, {
    from: 0,
    to: DAY_MS,
    rows: fmt.days.map((d) => stripOf(d, m.timeline, m.days, fmt, L)),
    ticks: [0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => ({ at: h * HOUR, label: `${h}:00` })),
    rowHeight: 9,
    labelWidth: 62,
    noteWidth: 40,
    legend: statesShown(m.timeline).map((s) => stateLegend(s, L)),
  });

  doc.heading(L.stopsTitle, 3);
  if (m.longestStops.length === 0) doc.paragraph(L.noStops, { size: 9 });
  else
    doc.table({
      columns: [
        { header: L.from, width: 2 },
        { header: L.to, width: 2 },
        { header: L.duration, width: 1.3, align: 'right' },
      ],
      rows: m.longestStops.map((s) => [fmt.dateTime(s.from), fmt.dateTime(s.to), durationText(s.plannedMs, lang)]),
      fontSize: 8,
    });
}

function zoneSection(
  doc: ReportLayout,
  z: ZoneFigures,
  L: TrialText,
  lang: ReportLang,
  fmt: Pick<Formatters, 'name' | 'date' | 'days'>,
): void {
  doc.heading(fmt.name(z.config), 2);
  if (z.minutes === 0) {
    doc.paragraph(L.noClimate);
    return;
  }
  const h = (minutes: number) => hoursText(minutes * 60_000);
  doc.paragraph(L.maxValues(z.maxWbgt?.toFixed(1) ?? '—', z.maxTemperature?.toFixed(1) ?? '—'), { size: 9 });
  doc.heading(L.wbgtLevels, 3);
  const levels: WbgtLevel[] = ['safe', 'caution', 'warning', 'severe', 'danger'];
  doc.table({
    columns: [
      { header: L.level, width: 2 },
      { header: L.range, width: 1.3 },
      { header: L.hours, width: 1, align: 'right' },
    ],
    rows: levels.map((level) => [
      { text: lang === 'ja' ? WBGT_LEVEL_LABELS[level].ja : WBGT_LEVEL_LABELS[level].en, fill: WBGT_FILL[level] },
      `${WBGT_RANGE[level]} °C`,
      h(z.wbgtLevels[level]),
    ]),
    fontSize: 8,
    zebra: false,
  });
  doc.heading(L.legalHours, 3);
  doc.table({
    columns: [
      { header: '', width: 3 },
      { header: L.hours, width: 1, align: 'right' },
      { header: L.workHours, width: 1.3, align: 'right' },
    ],
    rows: [
      [L.wbgtOver, h(z.legal.wbgtMinutes), { text: h(z.legal.wbgtWorkMinutes), bold: z.legal.wbgtWorkMinutes > 0 }],
      [L.airOver, h(z.legal.airMinutes), { text: h(z.legal.airWorkMinutes), bold: z.legal.airWorkMinutes > 0 }],
      [
        `${L.humidityOut(z.config.humidityRange.min, z.config.humidityRange.max)}${paren(`${L.below} ${h(z.humidity.belowMinutes)} / ${L.above} ${h(z.humidity.aboveMinutes)}`, lang)}`,
        h(z.humidity.belowMinutes + z.humidity.aboveMinutes),
        h(z.humidity.workMinutes),
      ],
    ],
    fontSize: 8,
  });
  doc.heading(L.maxWbgt, 3);
  barChart(doc, {
    categories: z.days.map((d) => fmt.date(fmt.days.find((x) => x.day === d.day)?.from ?? 0)),
    series: [{ name: L.maxWbgt, color: '#ff9600', values: z.days.map((d) => d.maxWbgt) }],
    max: Math.max(40, Math.ceil(((z.maxWbgt ?? 0) + 2) / 10) * 10),
    height: 100,
    valueLabels: z.days.length <= 16,
    format: (v) => v.toFixed(0),
    lines: [
      { value: 28, label: lang === 'ja' ? '28 法定基準' : '28 legal', color: '#c2410c' },
      { value: 31, label: lang === 'ja' ? '31 危険' : '31 danger', color: COLORS.off },
    ],
    noData: z.days.map((d) => d.maxWbgt === null),
    noDataLabel: L.noData,
  });
}

/** The local date a utilization row belongs to. */
function dayOf(row: UtilizationRow, days: { day: string; from: number; to: number }[]): string {
  return days.find((d) => row.from >= d.from && row.from < d.to)?.day ?? '';
}

/** One day of a machine's timeline as a strip on a 0–24 h axis, with its 稼働率 at the end. */
function stripOf(
  day: { day: string; from: number; to: number },
  timeline: StateInterval[],
  rows: UtilizationRow[],
  fmt: Pick<Formatters, 'date'>,
  L: TrialText,
): TimelineRow {
  const segments = timeline
    .filter((iv) => iv.to > day.from && iv.from < day.to)
    .map((iv) => ({
      from: Math.max(iv.from, day.from) - day.from,
      to: Math.min(iv.to, day.to) - day.from,
      color: STATE_COLOR[iv.state],
      hatched: iv.state === 'NO_DATA',
    }));
  const row = rows.find((r) => r.from === day.from);
  const note = !row || row.plannedMs === 0 ? '' : row.noDataMs >= row.plannedMs ? L.noData : pctText(row.utilization, L.noData);
  return { label: fmt.date(day.from), segments, note };
}

/** Only a signal tower tells a fault stop: 異常停止 is named where one was recorded, not for every CT-watched machine. */
function statesShown(timeline: StateInterval[]): TimelineState[] {
  const fault = timeline.some((iv) => iv.state === 'FAULT');
  return ['RUN', 'IDLE', 'OFF', ...(fault ? (['FAULT'] as const) : []), 'UNKNOWN', 'NO_DATA'];
}

function stateLegend(state: TimelineState, L: TrialText) {
  return { label: L.states[state], color: STATE_COLOR[state], hatched: state === 'NO_DATA' };
}

/** A 稼働率 cell: "62 %", or "データなし" in grey. */
function cellPct(ratio: number | null, L: TrialText): TableCell {
  return ratio === null ? { text: L.noData, color: COLORS.faint } : `${Math.round(ratio * 100)} %`;
}

/** A remark in brackets: full-width in Japanese. */
const paren = (text: string, lang: ReportLang) => (lang === 'ja' ? `（${text}）` : ` (${text})`);

function formatLocalMinute(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${formatDate(t)} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')} (${timeZone})`;
}

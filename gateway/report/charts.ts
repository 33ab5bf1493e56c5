/**
 * Simple vector charts for the PDF reports, drawn on a ReportLayout at its cursor: bar charts (grouped or stacked, with
 * gaps for "no data"), state timeline strips, and legends. Vector, so they print sharp at any size and cost bytes, not
 * megabytes. Every chart keeps to the content width and starts a new page when it does not fit.
 */
import { COLORS, type ReportLayout } from './layout.js';

export interface LegendItem {
  label: string;
  color: string;
  /** Hatched: how every chart here draws "no data". */
  hatched?: boolean;
}

export interface BarSeries {
  name: string;
  color: string;
  /** One per category; null where there is no value (nothing is drawn: not 0). */
  values: (number | null)[];
}

export interface BarChartSpec {
  /** The x-axis labels, one per bar or group. */
  categories: string[];
  series: BarSeries[];
  /** Stack the series in one bar per category (shares adding up to a whole) instead of side by side. */
  stacked?: boolean;
  /** The top of the y axis; default a round number above the largest value (or stack). */
  max?: number;
  /** Plot height in points, without labels; default 130. */
  height?: number;
  /** y-axis and value labels. */
  format?: (value: number) => string;
  /** Print each value above its bar (side-by-side bars only). */
  valueLabels?: boolean;
  /** Dashed horizontal lines: a target, a legal limit. */
  /** Drawn across the plot and named in the margin to its right, where no bar can hide the name. */
  lines?: { value: number; label: string; color?: string }[];
  /** Show the series as a legend under the chart; default when there is more than one series. */
  legend?: boolean;
  /** Categories with no data (the kit did not record): drawn hatched over the whole height, never as 0. */
  noData?: boolean[];
  /** Added to the legend when some category has no data, e.g. "データなし / no data". */
  noDataLabel?: string;
}

export interface TimelineSegment {
  from: number;
  to: number;
  color: string;
  hatched?: boolean;
}

export interface TimelineRow {
  label: string;
  segments: TimelineSegment[];
  /** Text at the right end of the row (a day's 稼働率). */
  note?: string;
}

export interface TimelineSpec {
  /** The span every row shows, in the same unit as the segments (ms since the epoch, or ms since midnight). */
  from: number;
  to: number;
  rows: TimelineRow[];
  /** Axis labels under the strips, with a faint vertical line through them. */
  ticks: { at: number; label: string }[];
  /** Height of one strip; default 11. */
  rowHeight?: number;
  /** Width of the label column; default 80. */
  labelWidth?: number;
  /** Width of the note column on the right; default 0 (none). */
  noteWidth?: number;
  legend?: LegendItem[];
}

const AXIS_SIZE = 7;
const HATCH_STEP = 3.5;

/** Diagonal hatching inside a rectangle: "no data", distinct from any colour and from white. */
export function hatch(layout: ReportLayout, x: number, y: number, w: number, h: number, color: string = COLORS.faint): void {
  if (w <= 0 || h <= 0) return;
  const pdf = layout.pdf;
  pdf.save();
  pdf.rect(x, y, w, h).clip();
  pdf.lineWidth(0.5).strokeColor(color);
  for (let d = -h; d < w; d += HATCH_STEP)
    pdf
      .moveTo(x + d, y + h)
      .lineTo(x + d + h, y)
      .stroke();
  pdf.restore();
}

/** A value a little above `value` that reads well on an axis: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** A row of coloured swatches with labels, wrapping onto further lines. */
export function legend(layout: ReportLayout, items: LegendItem[]): void {
  const pdf = layout.pdf;
  const size = 8;
  const box = 8;
  layout.ensureSpace(size * 2);
  let x = layout.left;
  let y = layout.y;
  pdf.font('regular').fontSize(size);
  for (const item of items) {
    const w = box + 4 + pdf.widthOfString(item.label) + 12;
    if (x + w > layout.right && x > layout.left) {
      x = layout.left;
      y += size + 6;
    }
    if (item.hatched) {
      pdf.rect(x, y, box, box).fill('#ffffff');
      hatch(layout, x, y, box, box);
      pdf.rect(x, y, box, box).lineWidth(0.4).strokeColor(COLORS.faint).stroke();
    } else {
      pdf.rect(x, y, box, box).fill(item.color);
    }
    pdf.fillColor(COLORS.ink).text(item.label, x + box + 4, y, { lineBreak: false });
    x += w;
  }
  layout.y = y + size + 10;
  layout.pdf.x = layout.left;
}

/** A vertical bar chart: one bar per category and series, or one stacked bar per category. */
export function barChart(layout: ReportLayout, spec: BarChartSpec): void {
  const pdf = layout.pdf;
  const height = spec.height ?? 130;
  const format = spec.format ?? ((v: number) => String(Math.round(v * 10) / 10));
  const n = spec.categories.length;
  const totals = spec.categories.map((_, i) =>
    spec.stacked ? spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0) : Math.max(0, ...spec.series.map((s) => s.values[i] ?? 0)),
  );
  const max = spec.max ?? niceMax(Math.max(0, ...totals, ...(spec.lines ?? []).map((l) => l.value)));
  const showLegend = spec.legend ?? spec.series.length > 1;
  const noData = spec.categories.map((_, i) => spec.noData?.[i] === true);
  layout.ensureSpace(height + 40 + (showLegend || noData.some(Boolean) ? 20 : 0));

  pdf.font('regular').fontSize(AXIS_SIZE);
  const axisWidth = Math.max(...[0, max / 2, max].map((v) => pdf.widthOfString(format(v)))) + 6;
  const x0 = layout.left + axisWidth;
  const lineRoom = Math.max(0, ...(spec.lines ?? []).map((l) => pdf.widthOfString(l.label) + 8));
  const plotRight = layout.right - lineRoom;
  const plotWidth = plotRight - x0;
  const top = layout.y + 4;
  const base = top + height;
  const yOf = (v: number) => base - (Math.min(v, max) / max) * height;

  // Grid and y labels at quarters.
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    const y = yOf(v);
    pdf
      .moveTo(x0, y)
      .lineTo(plotRight, y)
      .lineWidth(k === 0 ? 0.8 : 0.3)
      .strokeColor(k === 0 ? COLORS.muted : COLORS.grid)
      .stroke();
    pdf.fillColor(COLORS.muted).text(format(v), layout.left, y - AXIS_SIZE / 2, { width: axisWidth - 4, align: 'right', lineBreak: false });
  }

  const slot = plotWidth / Math.max(1, n);
  const barArea = slot * 0.72;
  const perBar = spec.stacked ? barArea : barArea / Math.max(1, spec.series.length);
  for (let i = 0; i < n; i++) {
    const slotX = x0 + i * slot + (slot - barArea) / 2;
    if (noData[i]) {
      hatch(layout, slotX, top, barArea, height);
      continue;
    }
    let stackTop = 0;
    spec.series.forEach((s, j) => {
      const v = s.values[i];
      if (v === null || v === undefined || v <= 0) return;
      const x = spec.stacked ? slotX : slotX + j * perBar;
      const from = spec.stacked ? stackTop : 0;
      const to = from + v;
      pdf.rect(x, yOf(to), perBar, yOf(from) - yOf(to)).fill(s.color);
      if (spec.valueLabels && !spec.stacked) {
        pdf
          .fillColor(COLORS.ink)
          .fontSize(AXIS_SIZE)
          .text(format(v), x - 6, yOf(to) - AXIS_SIZE - 2, { width: perBar + 12, align: 'center', lineBreak: false });
      }
      stackTop = to;
    });
  }

  for (const line of spec.lines ?? []) {
    const y = yOf(line.value);
    pdf
      .moveTo(x0, y)
      .lineTo(plotRight, y)
      .dash(3, { space: 2 })
      .lineWidth(0.8)
      .strokeColor(line.color ?? COLORS.off)
      .stroke()
      .undash();
    pdf
      .fillColor(line.color ?? COLORS.off)
      .fontSize(AXIS_SIZE)
      .text(line.label, plotRight + 4, y - AXIS_SIZE / 2, { width: lineRoom - 4, lineBreak: false });
  }

  // Category labels: every one when they fit, otherwise every k-th.
  pdf.font('regular').fontSize(AXIS_SIZE).fillColor(COLORS.muted);
  const widest = Math.max(1, ...spec.categories.map((c) => pdf.widthOfString(c)));
  const every = Math.max(1, Math.ceil((widest + 4) / slot));
  spec.categories.forEach((label, i) => {
    if (i % every !== 0) return;
    pdf.text(label, x0 + i * slot + slot / 2 - (widest + 8) / 2, base + 3, { width: widest + 8, align: 'center', lineBreak: false });
  });
  layout.y = base + AXIS_SIZE + 10;
  pdf.x = layout.left;

  const items: LegendItem[] = showLegend ? spec.series.map((s) => ({ label: s.name, color: s.color })) : [];
  if (spec.noDataLabel && noData.some(Boolean)) items.push({ label: spec.noDataLabel, color: COLORS.noData, hatched: true });
  if (items.length > 0) legend(layout, items);
  else layout.y += 4;
}

/** Horizontal strips of coloured segments on a shared time axis: a machine's day, one strip per machine or per day. */
export function timelineStrips(layout: ReportLayout, spec: TimelineSpec): void {
  const pdf = layout.pdf;
  const rowHeight = spec.rowHeight ?? 11;
  const gap = Math.max(2, rowHeight * 0.3);
  const labelWidth = spec.labelWidth ?? 80;
  const noteWidth = spec.noteWidth ?? 0;
  const x0 = layout.left + labelWidth;
  const width = layout.width - labelWidth - noteWidth;
  const span = spec.to - spec.from;
  const xOf = (t: number) => x0 + (Math.min(Math.max(t, spec.from), spec.to) - spec.from) * (width / span);
  const axisHeight = AXIS_SIZE + 8;
  const blockHeight = (rows: number) => rows * (rowHeight + gap) + axisHeight;

  const drawBlock = (rows: TimelineRow[]) => {
    const top = layout.y;
    const bottom = top + rows.length * (rowHeight + gap) - gap;
    for (const tick of spec.ticks) {
      const x = xOf(tick.at);
      pdf
        .moveTo(x, top - 2)
        .lineTo(x, bottom + 2)
        .lineWidth(0.3)
        .strokeColor(COLORS.grid)
        .stroke();
    }
    rows.forEach((row, r) => {
      const y = top + r * (rowHeight + gap);
      pdf
        .font('regular')
        .fontSize(Math.min(8, rowHeight * 0.75))
        .fillColor(COLORS.ink);
      pdf.text(row.label, layout.left, y + (rowHeight - Math.min(8, rowHeight * 0.75)) / 2 - 1, {
        width: labelWidth - 6,
        lineBreak: false,
        ellipsis: true,
      });
      pdf.rect(x0, y, width, rowHeight).lineWidth(0.3).strokeColor(COLORS.grid).stroke();
      for (const s of row.segments) {
        if (s.to <= spec.from || s.from >= spec.to) continue;
        const a = xOf(s.from);
        const w = Math.max(xOf(s.to) - a, 0.25);
        if (s.hatched) hatch(layout, a, y, w, rowHeight, s.color);
        else pdf.rect(a, y, w, rowHeight).fill(s.color);
      }
      if (row.note && noteWidth > 0) {
        pdf
          .fillColor(COLORS.ink)
          .fontSize(Math.min(8, rowHeight * 0.75))
          .text(row.note, x0 + width + 4, y + 1, { width: noteWidth - 4, align: 'right', lineBreak: false });
      }
    });
    pdf.font('regular').fontSize(AXIS_SIZE).fillColor(COLORS.muted);
    for (const tick of spec.ticks) {
      pdf.text(tick.label, xOf(tick.at) - 20, bottom + 4, { width: 40, align: 'center', lineBreak: false });
    }
    layout.y = bottom + axisHeight;
    pdf.x = layout.left;
  };

  // Rows that do not fit continue on the next page under their own axis.
  let rest = spec.rows;
  while (rest.length > 0) {
    if (layout.room < blockHeight(Math.min(rest.length, 3))) layout.pageBreak();
    const fit = Math.max(1, Math.floor((layout.room - axisHeight + gap) / (rowHeight + gap)));
    drawBlock(rest.slice(0, fit));
    rest = rest.slice(fit);
  }
  if (spec.legend && spec.legend.length > 0) legend(layout, spec.legend);
  else layout.y += 4;
}

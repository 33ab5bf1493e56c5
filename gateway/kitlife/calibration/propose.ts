/**
 * Proposes OFF / IDLE / RUN thresholds from the distribution of a machine's readings, RMS amps or watts. Pure.
 *
 * How: the readings' histogram on a log scale is smoothed (a Gaussian of two bins) and its peaks are the levels
 * the machine sits at; peaks not separated by a valley deeper than half the smaller one are one level, and a level
 * with under 1 % of the readings is noise. A threshold goes into the valley between two levels (the middle of the
 * emptiest stretch, on the log scale). The lowest level is OFF when it is below the scale's noise ceiling (0.3 A, a
 * CT's noise; 30 W); the next is IDLE and everything above it RUN. The hysteresis is half the clear gap between each threshold and the highest
 * readings (99th percentile) of the level below it, the smaller of the two: a reading dipping that far still counts
 * as the higher state, while a real drop to the lower level is still seen.
 */
import type { Thresholds } from '../../../config/schema.js';
import { type Text, text } from '../text.js';
import { binLow, type ReadingHistogram } from './histogram.js';
import { type ReadingScale, SCALES } from './scale.js';

export type LevelName = 'OFF' | 'IDLE' | 'RUN';

export interface Level {
  state: LevelName;
  /** The most common reading of the level, in the scale's unit (A or W). */
  peak: number;
  /** Share of the readings in this level, 0–1. */
  share: number;
  p1: number;
  p99: number;
}

export interface ThresholdProposal {
  /** Undefined when the data cannot support a proposal (too few readings, one level only). */
  thresholds?: Thresholds;
  levels: Level[];
  /** low: a level had to be assumed (no idle or no stop seen in the span). */
  confidence: 'good' | 'low' | 'none';
  notes: Text[];
  /** Share of the readings each state would get under the proposal, 0–1. */
  shares?: Record<LevelName, number>;
}

const MIN_READINGS = 60;

function smooth(counts: number[]): number[] {
  const sigma = 2;
  const kernel = Array.from({ length: 2 * 3 * sigma + 1 }, (_, k) => Math.exp(-((k - 3 * sigma) ** 2) / (2 * sigma * sigma)));
  return counts.map((_, i) => kernel.reduce((sum, w, k) => sum + w * (counts[i + k - 3 * sigma] ?? 0), 0));
}

/** The reading at a fractional bin position (bin centres on the log scale). */
const valueAt = (h: ReadingHistogram, position: number) => binLow(h.edges[0] as number, position + 0.5);

function peaksOf(density: number[], total: number, counts: number[]): number[] {
  const peaks = density.flatMap((v, i) => (v > 0 && v > (density[i - 1] ?? 0) && v >= (density[i + 1] ?? 0) ? [i] : []));
  // Merge peaks without a real valley between them, keeping the higher.
  for (let merged = true; merged && peaks.length > 1; ) {
    merged = false;
    for (let k = 0; k + 1 < peaks.length; k++) {
      const a = peaks[k] as number;
      const b = peaks[k + 1] as number;
      const valley = Math.min(...density.slice(a, b + 1));
      if (valley > 0.5 * Math.min(density[a] as number, density[b] as number)) {
        peaks.splice((density[a] as number) >= (density[b] as number) ? k + 1 : k, 1);
        merged = true;
        break;
      }
    }
  }
  // A level needs 1 % of the readings: a start-up surge or a few odd samples are not a level.
  for (let removed = true; removed && peaks.length > 1; ) {
    removed = false;
    const bounds = boundaries(density, peaks);
    for (let k = 0; k < peaks.length; k++) {
      const mass = counts.slice(bounds[k], bounds[k + 1]).reduce((s, c) => s + c, 0);
      if (mass < 0.01 * total) {
        peaks.splice(k, 1);
        removed = true;
        break;
      }
    }
  }
  return peaks;
}

/** The valley between two peaks: the middle of the run of lowest density between them, as a fractional bin. */
function valleyBetween(density: number[], a: number, b: number): number {
  const lowest = Math.min(...density.slice(a, b + 1));
  const tolerance = lowest + 1e-9 + lowest * 0.05;
  let first = -1;
  let last = -1;
  for (let i = a; i <= b; i++) {
    if ((density[i] as number) <= tolerance) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return (first + last) / 2;
}

/** Bin index where each level starts, and the end; levels meet in the valleys. */
function boundaries(density: number[], peaks: number[]): number[] {
  const cuts = [0];
  for (let k = 0; k + 1 < peaks.length; k++) cuts.push(Math.ceil(valleyBetween(density, peaks[k] as number, peaks[k + 1] as number)));
  cuts.push(density.length);
  return cuts;
}

function percentile(h: ReadingHistogram, from: number, to: number, q: number): number {
  const floor = h.edges[0] as number;
  const mass = h.counts.slice(from, to).reduce((s, c) => s + c, 0);
  let seen = 0;
  for (let i = from; i < to; i++) {
    seen += h.counts[i] as number;
    if (seen >= q * mass) return binLow(floor, i + (q < 0.5 ? 0 : 1));
  }
  return binLow(floor, to);
}

/** `scale` must be the one the histogram was made with: amps for a CT, watts for a machine watched by a meter's power. */
export function proposeThresholds(h: ReadingHistogram, current?: Thresholds, scale: ReadingScale = SCALES.current): ThresholdProposal {
  const { unit, round } = scale;
  if (h.total < MIN_READINGS) {
    return {
      levels: [],
      confidence: 'none',
      notes: [
        text(
          `読み取りが少なすぎます（${h.total} 件）。もっと長い期間を選んでください`,
          `too few readings (${h.total}): choose a longer span`,
        ),
      ],
    };
  }
  const density = smooth(h.counts);
  // Everything below the noise ceiling is one level, stopped: readings at the floor and a CT's hum are the same thing.
  const found = peaksOf(density, h.total, h.counts);
  const noise = found.filter((p) => valueAt(h, p) < scale.noiseCeiling);
  const loudest = noise.reduce<number | undefined>(
    (best, p) => (best === undefined || (density[p] as number) > (density[best] as number) ? p : best),
    undefined,
  );
  const peaks = found.filter((p) => !noise.includes(p) || p === loudest);
  const cuts = boundaries(density, peaks);
  const raw = peaks.map((p, k) => {
    const from = cuts[k] as number;
    const to = cuts[k + 1] as number;
    const mass = h.counts.slice(from, to).reduce((s, c) => s + c, 0);
    return {
      bin: p,
      from,
      to,
      peak: valueAt(h, p),
      share: mass / h.total,
      p1: percentile(h, from, to, 0.01),
      p99: percentile(h, from, to, 0.99),
    };
  });
  const notes: Text[] = [];
  const off = raw[0] && raw[0].peak < scale.noiseCeiling ? raw[0] : undefined;
  const working = off ? raw.slice(1) : raw;
  const idle = working.length >= 2 ? working[0] : undefined;
  const runLevels = idle ? working.slice(1) : working;
  const levels: Level[] = [
    ...(off ? [{ state: 'OFF' as const, ...pick(off, round) }] : []),
    ...(idle ? [{ state: 'IDLE' as const, ...pick(idle, round) }] : []),
    ...runLevels.map((l) => ({ state: 'RUN' as const, ...pick(l, round) })),
  ];
  if (working.length === 0) {
    notes.push(
      text(
        'この期間、設備は止まっていただけです。動いていた期間を選んでください',
        'the machine only stood still in this span: choose a span when it worked',
      ),
    );
    return { levels, confidence: 'none', notes };
  }
  let confidence: ThresholdProposal['confidence'] = 'good';
  const valleyOf = (a: { bin: number }, b: { bin: number }) => valueAt(h, valleyBetween(density, a.bin, b.bin));
  const firstRun = runLevels[0] as (typeof raw)[number];

  let idleAbove: number;
  if (off) idleAbove = valleyOf(off, idle ?? firstRun);
  else {
    // Never stopped in the span: keep the configured limit unless it would swallow the lowest working level.
    idleAbove = Math.min(current?.idleAbove ?? scale.defaultIdleAbove, (idle ?? firstRun).p1 / 2);
    confidence = 'low';
    notes.push(
      text(
        'この期間に停止がありません。停止のしきい値は現在の値（または最低の読みの半分）にしました',
        'no stop in this span: the stop limit keeps the current value (or half the lowest reading)',
      ),
    );
  }
  let runAbove: number;
  if (idle) runAbove = valleyOf(idle, firstRun);
  else {
    // One working level: taken as running; an idle level would lie below nearly all of it.
    runAbove = Math.max(idleAbove * 1.5, firstRun.p1 * 0.7);
    confidence = 'low';
    notes.push(
      text(
        `待機のレベルが見えません。${round(firstRun.peak)} ${unit} 付近を「稼働」としました。加工していた期間を含めて選び直すと確かになります`,
        `no idle level seen: the level near ${round(firstRun.peak)} ${unit} is taken as running; a span that includes real cutting makes it certain`,
      ),
    );
  }
  const gaps = [off ? idleAbove - off.p99 : undefined, idle ? runAbove - idle.p99 : undefined].filter(
    (g): g is number => g !== undefined && g > 0,
  );
  let hysteresis = gaps.length > 0 ? Math.min(...gaps) / 2 : idleAbove * 0.2;
  // The schema's rule: smaller than idleAbove and than the idle band.
  hysteresis = Math.min(hysteresis, idleAbove * 0.9, (runAbove - idleAbove) * 0.9);
  hysteresis = Math.max(scale.step, Math.floor(hysteresis / scale.step) * scale.step);
  const thresholds: Thresholds = { idleAbove: round(idleAbove), runAbove: round(runAbove), hysteresis };
  if (!(thresholds.runAbove > thresholds.idleAbove + thresholds.hysteresis))
    thresholds.runAbove = round(thresholds.idleAbove + 2 * thresholds.hysteresis + 10 * scale.step);

  const shares: Record<LevelName, number> = { OFF: 0, IDLE: 0, RUN: 0 };
  h.counts.forEach((c, i) => {
    const v = valueAt(h, i);
    shares[v >= thresholds.runAbove ? 'RUN' : v >= thresholds.idleAbove ? 'IDLE' : 'OFF'] += c / h.total;
  });
  return { thresholds, levels, confidence, notes, shares };
}

function pick(l: { peak: number; share: number; p1: number; p99: number }, round: (v: number) => number) {
  return { peak: round(l.peak), share: l.share, p1: round(l.p1), p99: round(l.p99) };
}

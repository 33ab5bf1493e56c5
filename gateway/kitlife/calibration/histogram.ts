/** A histogram of a machine's readings (RMS amps or watts) on a log scale: stopped, idle and running are decades apart. */
import { type ReadingScale, SCALES } from './scale.js';

/** 40 bins a decade: about 6 % wide, finer than the spread of any one level. */
export const BINS_PER_DECADE = 40;

export interface ReadingHistogram {
  /** Lower edge of each bin, in the scale's unit; bin i holds [edges[i], edges[i+1]). The first edge is the scale's floor. */
  edges: number[];
  counts: number[];
  total: number;
}

/** The lower edge of (fractional) bin i of a histogram whose first edge is `floor`. */
export const binLow = (floor: number, i: number) => floor * 10 ** (i / BINS_PER_DECADE);

export function emptyHistogram(scale: ReadingScale = SCALES.current): ReadingHistogram {
  const bins = Math.ceil(Math.log10(scale.top / scale.floor) * BINS_PER_DECADE);
  return { edges: Array.from({ length: bins + 1 }, (_, i) => binLow(scale.floor, i)), counts: new Array(bins).fill(0), total: 0 };
}

/** Adds readings in place; streaming, so a month of 1 Hz readings never sits in memory. At or below the floor (0, or a meter's
 * negative watts flowing back) counts in the first bin. */
export function addReadings(h: ReadingHistogram, values: Iterable<number>): void {
  const floor = h.edges[0] as number;
  const bins = h.counts.length;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = v <= floor ? 0 : Math.min(bins - 1, Math.floor(Math.log10(v / floor) * BINS_PER_DECADE));
    h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.total++;
  }
}

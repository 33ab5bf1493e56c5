/** A histogram of RMS amps on a log scale: noise (~0.1 A), idle (~1 A) and running (~10 A) are decades apart. */

/** Below this a CT reads noise; everything lower counts as this. */
export const FLOOR_AMPS = 0.02;
const TOP_AMPS = 500;
/** 40 bins a decade: about 6 % wide, finer than the spread of any one level. */
export const BINS_PER_DECADE = 40;
const BINS = Math.ceil(Math.log10(TOP_AMPS / FLOOR_AMPS) * BINS_PER_DECADE);

export interface AmpsHistogram {
  /** Lower edge of each bin in amps; bin i holds [edges[i], edges[i+1]). */
  edges: number[];
  counts: number[];
  total: number;
}

export const binLow = (i: number) => FLOOR_AMPS * 10 ** (i / BINS_PER_DECADE);

export function emptyHistogram(): AmpsHistogram {
  return { edges: Array.from({ length: BINS + 1 }, (_, i) => binLow(i)), counts: new Array(BINS).fill(0), total: 0 };
}

/** Adds readings in place; streaming, so a month of 1 Hz readings never sits in memory. */
export function addReadings(h: AmpsHistogram, amps: Iterable<number>): void {
  for (const a of amps) {
    if (!Number.isFinite(a)) continue;
    const i = a <= FLOOR_AMPS ? 0 : Math.min(BINS - 1, Math.floor(Math.log10(a / FLOOR_AMPS) * BINS_PER_DECADE));
    h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.total++;
  }
}

/**
 * Data coverage: when the kit was recording. The edge says it is alive every 10 s; the gateway keeps one `coverage`
 * point per minute in which it heard it (docs/storage.md). Time outside those minutes is "no data" (NO_DATA), which
 * no chart, CSV or report may show as 0 % or as the last state seen before the gap. Pure: no clock, no I/O.
 */
import type { StateInterval } from './utilization.js';

export const COVERAGE_STEP_MS = 60_000;
/**
 * The newest minute may not have its point yet (the edge reports every 10 s, the buffer writes every second): a span
 * that reaches this close to "now" is taken as still running.
 */
export const COVERAGE_GRACE_MS = 2 * COVERAGE_STEP_MS;

export interface Span {
  from: number;
  to: number;
}

/** Sorted, merged spans cut to [from, to): whole covered hours and single covered minutes alike. */
export function mergeSpans(spans: Span[], from: number, to: number): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const span of sorted) {
    const a = Math.max(span.from, from);
    const b = Math.min(span.to, to);
    if (b <= a) continue;
    const last = out[out.length - 1];
    if (last && a <= last.to) last.to = Math.max(last.to, b);
    else out.push({ from: a, to: b });
  }
  return out;
}

/** Stretches the last span to `end` when it stopped short of it by less than the grace: the kit is still recording now. */
export function extendToNow(spans: Span[], end: number, graceMs = COVERAGE_GRACE_MS): Span[] {
  const last = spans[spans.length - 1];
  if (!last || last.to >= end || end - last.to > graceMs) return spans;
  return [...spans.slice(0, -1), { from: last.from, to: end }];
}

/** Total ms of the spans inside [from, to). */
export function coveredMs(spans: Span[], from: number, to: number): number {
  let total = 0;
  for (const s of spans) total += Math.max(0, Math.min(s.to, to) - Math.max(s.from, from));
  return total;
}

/**
 * Lays "no data" over a timeline as it streams past: every part of an interval outside the covered spans becomes
 * NO_DATA, and neighbouring pieces of one state merge, so a kit unplugged overnight shows one NO_DATA stretch rather
 * than its last state running on until morning. Intervals must come in time order, without overlaps.
 */
export class NoDataOverlay {
  private held: StateInterval | undefined;
  private index = 0;

  constructor(private readonly covered: Span[]) {}

  /** The intervals that are final once `interval` is known (the last one is held back in case the next one joins it). */
  push(interval: StateInterval): StateInterval[] {
    const out: StateInterval[] = [];
    for (const piece of this.split(interval)) {
      const held = this.held;
      if (held && held.state === piece.state && held.to === piece.from) held.to = piece.to;
      else {
        if (held) out.push(held);
        this.held = { ...piece };
      }
    }
    return out;
  }

  finish(): StateInterval[] {
    const held = this.held;
    this.held = undefined;
    return held ? [held] : [];
  }

  private split({ state, from, to }: StateInterval): StateInterval[] {
    const pieces: StateInterval[] = [];
    // Spans ending before this interval are never needed again: intervals come in order.
    while (this.index < this.covered.length && (this.covered[this.index] as Span).to <= from) this.index++;
    let cursor = from;
    for (let i = this.index; i < this.covered.length && cursor < to; i++) {
      const span = this.covered[i] as Span;
      if (span.from >= to) break;
      if (span.from > cursor) pieces.push({ state: 'NO_DATA', from: cursor, to: span.from });
      const end = Math.min(span.to, to);
      if (end > Math.max(cursor, span.from)) pieces.push({ state, from: Math.max(cursor, span.from), to: end });
      cursor = end;
    }
    if (cursor < to) pieces.push({ state: 'NO_DATA', from: cursor, to });
    return pieces;
  }
}

/** The whole timeline with "no data" laid over it. */
export function withNoData(intervals: StateInterval[], covered: Span[]): StateInterval[] {
  const overlay = new NoDataOverlay(covered);
  return [...intervals.flatMap((iv) => overlay.push(iv)), ...overlay.finish()];
}

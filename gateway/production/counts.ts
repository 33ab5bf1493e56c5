/**
 * Parts and cycle times per period from a machine's stored count messages. Pure: no clock, no I/O.
 *
 * The running totals are the truth, not the per-message deltas: a message lost between the edge and the database loses no
 * part, because the next message's total still holds it. Where the counter was not seen, a period has no count (null), never 0.
 */
import { type Span, union } from '../utilization/utilization.js';

/** One count message, or the last of a minute's messages (as the store reads them). */
export interface CountPoint {
  t: number;
  /** When the edge's counter began (its run); totals of two epochs never mix. */
  epoch: number;
  /** Parts since the epoch began. */
  total: number;
  /** The edge's own parts since its previous message (the sum over a minute): used only where no earlier total is known. */
  parts: number;
}

/** Cycle times of some parts: the mean per part over `cycles` parts. */
export interface CycleSample {
  t: number;
  cycleMs: number;
  cycles: number;
}

/** A counter message at least this often (the edge's keepalive is 5 min) means it was counting in between; a longer gap is no data. */
export const COUNTER_SEEN_GAP_MS = 7 * 60_000;

export interface PartEvent {
  t: number;
  parts: number;
}

/**
 * Parts attributed to each point's time: the rise of its epoch's total since the previous point of that epoch (from
 * `baseline`, the last total per epoch before the points, when there is one). The first point of an epoch that began at or
 * after `from` counts its whole total (an epoch starts at 0); one that began earlier with no known baseline counts the
 * edge's own delta.
 */
export function partEvents(points: CountPoint[], from: number, baseline: ReadonlyMap<number, number> = new Map()): PartEvent[] {
  const last = new Map(baseline);
  const out: PartEvent[] = [];
  for (const p of [...points].sort((a, b) => a.t - b.t || a.total - b.total)) {
    const previous = last.get(p.epoch) ?? (p.epoch >= from ? 0 : undefined);
    // A total never goes down within an epoch; a smaller one is a stale duplicate and adds nothing.
    const parts = previous === undefined ? p.parts : Math.max(0, p.total - previous);
    last.set(p.epoch, Math.max(previous ?? p.total, p.total));
    if (parts > 0) out.push({ t: p.t, parts });
  }
  return out;
}

/**
 * When the counter was seen counting. Points are messages, or per-bucket summaries stamped with the bucket's start (`bucketMs`
 * long): a point covers on to the next one of its epoch when they are at most a bucket plus COUNTER_SEEN_GAP_MS apart (the
 * edge's keepalive comes every 5 min); a longer gap is no data. An epoch's last point reaches on to `end` only if that is as
 * near (the counter is counting now); else it covers its own bucket, and there the epoch ended (the edge stopped or died).
 */
export function counterCoverage(points: CountPoint[], end: number, bucketMs = 0): Span[] {
  const gapMs = bucketMs + COUNTER_SEEN_GAP_MS;
  const byEpoch = new Map<number, number[]>();
  for (const p of points) {
    const times = byEpoch.get(p.epoch);
    if (times) times.push(p.t);
    else byEpoch.set(p.epoch, [p.t]);
  }
  const spans: Span[] = [];
  for (const times of byEpoch.values()) {
    times.sort((a, b) => a - b);
    times.forEach((t, i) => {
      const next = times[i + 1];
      const to = next !== undefined ? (next - t <= gapMs ? next : t + bucketMs) : end - t <= gapMs ? end : t + bucketMs;
      if (Math.min(to, end) > t) spans.push({ from: t, to: Math.min(to, end) });
    });
  }
  return union(spans);
}

/** The greatest common divisor of whole minutes. */
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The widest summary bucket (whole minutes, at most an hour) that never straddles a boundary the periods can have: every clock
 * time given (shift starts and ends, breaks, in minutes after midnight) and the zone's offset from UTC (where local hours and
 * days begin). A part summed into such a bucket falls in the same hour, break, shift and day as it was made in.
 */
export function bucketMinutes(clockMinutes: number[], offsetMinutes: number[]): number {
  return [...clockMinutes, ...offsetMinutes].reduce((g, m) => gcd(g, Math.abs(m)), 60);
}

/** How much of `pieces` (sorted, disjoint) the spans cover. */
export function overlapMs(pieces: Span[], spans: Span[]): number {
  let total = 0;
  for (const p of pieces) for (const s of spans) total += Math.max(0, Math.min(p.to, s.to) - Math.max(p.from, s.from));
  return total;
}

const inPieces = (t: number, pieces: Span[]) => pieces.some((p) => t >= p.from && t < p.to);

export interface CycleStats {
  /** Per-part cycle time (ms): the weighted median, quartiles and the spread between them. */
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
  iqrMs: number;
  /** How many parts' cycles these are. */
  cycles: number;
}

/** Nearest-rank quantile of weighted values: the smallest value whose cumulative weight reaches q of the total. */
function quantile(sorted: CycleSample[], total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const s of sorted) {
    seen += s.cycles;
    if (seen >= rank) return s.cycleMs;
  }
  return (sorted.at(-1) as CycleSample).cycleMs;
}

export function cycleStats(samples: CycleSample[]): CycleStats | null {
  const valid = samples.filter((s) => s.cycles > 0 && s.cycleMs >= 0).sort((a, b) => a.cycleMs - b.cycleMs);
  const cycles = valid.reduce((sum, s) => sum + s.cycles, 0);
  if (cycles === 0) return null;
  const p25Ms = quantile(valid, cycles, 0.25);
  const p75Ms = quantile(valid, cycles, 0.75);
  return { medianMs: quantile(valid, cycles, 0.5), p25Ms, p75Ms, iqrMs: p75Ms - p25Ms, cycles };
}

export interface CountRow {
  from: number;
  to: number;
  /** Parts made in the period; null when the counter was not seen in it at all (no data, not 0). */
  parts: number | null;
  /** How much of the period (or of its planned time, for planned rows) the counter was seen. */
  seenMs: number;
  cycle: CycleStats | null;
}

export interface CountInput {
  events: PartEvent[];
  coverage: Span[];
  cycles: CycleSample[];
}

/**
 * One row: the parts and cycles whose time falls in `pieces` (the whole period, or only its planned time). A period the counter
 * was not seen in at all has no count, even if a part's time falls in it (that cannot happen with real messages).
 */
export function partsRow(input: CountInput, row: Span, pieces: Span[] = [row]): CountRow {
  const seenMs = overlapMs(pieces, input.coverage);
  const parts = input.events.reduce((sum, e) => sum + (inPieces(e.t, pieces) ? e.parts : 0), 0);
  const cycle = cycleStats(input.cycles.filter((c) => inPieces(c.t, pieces)));
  return { from: row.from, to: row.to, parts: seenMs > 0 || parts > 0 ? parts : null, seenMs, cycle };
}

/** Finds the points a store refuses inside a batch, so that one bad point never holds back the others. */

/** Thrown by a single write when the store refused one or more of its points for good (InfluxDB: HTTP 400). */
export class PointsRefusedError<P = unknown> extends Error {
  override readonly name = 'PointsRefusedError';
  readonly code = 'POINTS_REFUSED';

  constructor(
    message: string,
    /**
     * When the store says how many points it dropped and the rest was stored (an InfluxDB partial write), and its
     * reason names which points (a field type conflict names the field): picks them out without another request.
     */
    readonly named?: { dropped: number; culprit: (point: P) => boolean },
  ) {
    super(message);
  }
}

export interface Refused<P> {
  point: P;
  reason: string;
}

/** A refused chunk is cut into this many parts, written side by side: about log16(n) rounds find a bad point. */
const FAN_OUT = 16;
/** Writes in flight at once while isolating: enough to share InfluxDB's grouped WAL fsyncs, few enough for a Pi. */
const CONCURRENCY = 8;

function split<P>(chunk: P[], parts: number): P[][] {
  const size = Math.ceil(chunk.length / parts);
  const out: P[][] = [];
  for (let i = 0; i < chunk.length; i += size) out.push(chunk.slice(i, i + size));
  return out;
}

/** Runs `work` on every item with at most `limit` at once; the first failure rejects (the rest finish on their own). */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Writes `points` with `writeOnce`. When the store refuses some of them it either names them (see PointsRefusedError)
 * or, as InfluxDB 1.x does for most reasons, names only the first offender: then the refused chunk is cut into parts
 * that are written again, round by round, down to single points. Writing a stored point again is harmless: the same
 * series and time is the same point. Any other error (the store is unavailable) is thrown as it is: the caller retries
 * the whole batch later.
 */
export async function writeIsolating<P>(points: P[], writeOnce: (points: P[]) => Promise<void>): Promise<Refused<P>[]> {
  const refused: Refused<P>[] = [];
  let round = points.length > 0 ? [points] : [];
  while (round.length > 0) {
    const suspects: P[][] = [];
    await inParallel(round, CONCURRENCY, async (chunk) => {
      try {
        await writeOnce(chunk);
      } catch (err) {
        if (!(err instanceof PointsRefusedError)) throw err;
        const named = err.named ? chunk.filter((p) => (err as PointsRefusedError<P>).named?.culprit(p)) : [];
        if (named.length > 0 && named.length === err.named?.dropped) {
          for (const point of named) refused.push({ point, reason: err.message });
        } else if (chunk.length === 1) {
          refused.push({ point: chunk[0] as P, reason: err.message });
        } else {
          suspects.push(chunk);
        }
      }
    });
    round = suspects.flatMap((chunk) => split(chunk, FAN_OUT));
  }
  return refused;
}

/** Finds the points a store refuses inside a batch, so that one bad point never holds back the others. */

/** Thrown by a single write when the store refused one or more of its points for good (InfluxDB: HTTP 400). */
export class PointsRefusedError<P = unknown> extends Error {
  override readonly name = 'PointsRefusedError';
  readonly code = 'POINTS_REFUSED';

  constructor(
    message: string,
    /**
     * When the reason names which points it is about (a field type conflict names the field): picks them out, so that
     * the rest needs one more write instead of a search.
     */
    readonly named?: { culprit: (point: P) => boolean },
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
 * Writes `points` with `writeOnce`. When the store refuses some of them it either names them (see PointsRefusedError):
 * they are taken out and the rest is written again whole; or, as InfluxDB 1.x does for most reasons, it names only the
 * first offender: then the refused chunk is cut into parts that are written again, round by round, down to single
 * points. The rest is always written again, never assumed stored: InfluxDB reports one reason per write, so a batch
 * with a type conflict and a point beyond retention says only "type conflict". Writing a stored point again is
 * harmless: the same series and time is the same point. Any other error (the store is unavailable) is thrown as it
 * is: the caller retries the whole batch later.
 */
export async function writeIsolating<P>(points: P[], writeOnce: (points: P[]) => Promise<void>): Promise<Refused<P>[]> {
  const refused: Refused<P>[] = [];
  let round = points.length > 0 ? [points] : [];
  while (round.length > 0) {
    const suspects: P[][] = [];
    const rest: P[][] = [];
    await inParallel(round, CONCURRENCY, async (chunk) => {
      try {
        await writeOnce(chunk);
      } catch (err) {
        if (!(err instanceof PointsRefusedError)) throw err;
        const culprit = (err as PointsRefusedError<P>).named?.culprit;
        const named = culprit ? chunk.filter(culprit) : [];
        if (culprit && named.length > 0) {
          for (const point of named) refused.push({ point, reason: err.message });
          rest.push(chunk.filter((p) => !culprit(p)));
        } else if (chunk.length === 1) {
          refused.push({ point: chunk[0] as P, reason: err.message });
        } else {
          suspects.push(chunk);
        }
      }
    });
    round = [...rest.filter((chunk) => chunk.length > 0), ...suspects.flatMap((chunk) => split(chunk, FAN_OUT))];
  }
  return refused;
}

/** Finds the points a store refuses inside a batch by halving it, so that one bad point never holds back the others. */

/** Thrown by a single write when the store refused one or more of its points for good (InfluxDB: HTTP 400). */
export class PointsRefusedError extends Error {
  override readonly name = 'PointsRefusedError';
  readonly code = 'POINTS_REFUSED';
}

export interface Refused<P> {
  point: P;
  reason: string;
}

/**
 * Writes `points` with `writeOnce`. When the store refuses some of them — InfluxDB 1.x names only the first offender
 * of a partial write and stores the rest — each half is written again, and so on down to single points, so every
 * refused point is found with about 2·log2(n) extra requests per bad point. Writing a stored point again is harmless:
 * the same series and time is the same point. Any other error (the store is unavailable) is thrown as it is: the
 * caller retries the whole batch later.
 */
export async function writeIsolating<P>(points: P[], writeOnce: (points: P[]) => Promise<void>): Promise<Refused<P>[]> {
  const refused: Refused<P>[] = [];
  const write = async (chunk: P[]): Promise<void> => {
    if (chunk.length === 0) return;
    try {
      await writeOnce(chunk);
    } catch (err) {
      if (!(err instanceof PointsRefusedError)) throw err;
      if (chunk.length === 1) {
        refused.push({ point: chunk[0] as P, reason: err.message });
        return;
      }
      const middle = chunk.length >> 1;
      await write(chunk.slice(0, middle));
      await write(chunk.slice(middle));
    }
  };
  await write(points);
  return refused;
}

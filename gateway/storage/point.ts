/** One point on its way to InfluxDB: the shape held in memory, in the spool and in a write; and what a sink promises about it. */

export interface StoredPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Nanoseconds since the epoch as a decimal string (a number cannot hold it exactly). */
  timeNs: string;
}

/** A point the store refused for good (it will never be stored, however often it is sent), with the store's reason. */
export interface RejectedPoint {
  /** As it came: a point read back from a damaged spool record need not even have the StoredPoint shape. */
  point: unknown;
  reason: string;
}

/** What a write did: every point of the batch that is not in `rejected` is stored. */
export interface SinkWriteResult {
  rejected: RejectedPoint[];
}

/** Where batches finally go (InfluxDB in production). */
export interface PointSink {
  /**
   * Stores the batch. Points the store refuses for good come back in `rejected` and the rest is stored; a rejected
   * promise means the store is unavailable: nothing can be said about the batch, send all of it again later.
   */
  write(points: StoredPoint[]): Promise<SinkWriteResult>;
  /** A cheap "does the store answer?" while it is away, so that a replay starts as soon as it is back. */
  probe?(): Promise<boolean>;
}

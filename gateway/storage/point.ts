/** One point on its way to InfluxDB: the shape held in memory, in the spool and in a write. */

export interface StoredPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Nanoseconds since the epoch as a decimal string (a number cannot hold it exactly). */
  timeNs: string;
}

/** Where batches finally go (InfluxDB in production). A rejected promise means "not stored, try again later". */
export interface PointSink {
  write(points: StoredPoint[]): Promise<void>;
}

/** InfluxQL text pieces with proper escaping: identifiers, string literals and time bounds. */

/** A double-quoted identifier (database, retention policy, measurement, tag or field key). */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A single-quoted string literal. InfluxQL knows the escapes \\ \' \" and \n; a carriage return has none, so it is
 * refused rather than passed through (callers only ever quote ids that passed the config's id pattern anyway).
 */
export function literal(value: string): string {
  if (value.includes('\r')) throw new Error('a carriage return cannot appear in an InfluxQL string literal');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** ms → an integer ns literal: exact, where ms × 1e6 as a double would not be. */
export function timeNs(ms: number): string {
  return (BigInt(Math.trunc(ms)) * 1_000_000n).toString();
}

/** time in [from, to) */
export function timeRange(from: number, to: number): string {
  return `time >= ${timeNs(from)} AND time < ${timeNs(to)}`;
}

/** "db"."rp"."measurement": fully qualified, so the default retention policy never decides where a query reads. */
export function source(database: string, retentionPolicy: string, measurement: string): string {
  return `${ident(database)}.${ident(retentionPolicy)}.${ident(measurement)}`;
}

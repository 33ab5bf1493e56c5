/** Why a point can never be stored, found before it is sent: what InfluxDB would refuse as unparsable or beyond retention. */

/** InfluxDB's own bounds of a point's time (models.MinNanoTime / MaxNanoTime). */
const MIN_TIME_NS = -9_223_372_036_854_775_806n;
const MAX_TIME_NS = 9_223_372_036_854_775_806n;
/** InfluxDB 1.x refuses longer string fields. */
const MAX_STRING_FIELD_BYTES = 64 * 1024;
/** A name with these could not be written as line protocol (the client escapes tags and fields, not measurements). */
const BAD_NAME = /[\n\r,\s\\]/;
const BAD_TAG = /[\n\r]/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reason `value` cannot be written as a point, or undefined when it is well formed. */
export function malformedReason(value: unknown): string | undefined {
  if (!isRecord(value)) return 'unparsable: not a point object';
  const { measurement, tags, fields, timeNs } = value;
  if (typeof measurement !== 'string' || measurement === '' || BAD_NAME.test(measurement)) return 'unparsable: bad measurement name';
  if (!isRecord(tags)) return 'unparsable: tags is not an object';
  for (const [key, tag] of Object.entries(tags)) {
    if (key === '' || typeof tag !== 'string' || tag === '' || BAD_TAG.test(key) || BAD_TAG.test(tag)) {
      return `unparsable: bad tag ${JSON.stringify(key)}`;
    }
  }
  if (!isRecord(fields)) return 'unparsable: fields is not an object';
  const entries = Object.entries(fields);
  if (entries.length === 0) return 'unparsable: no fields';
  for (const [key, field] of entries) {
    const ok =
      key !== '' &&
      !BAD_TAG.test(key) &&
      (typeof field === 'boolean' ||
        (typeof field === 'number' && Number.isFinite(field)) ||
        (typeof field === 'string' && Buffer.byteLength(field) <= MAX_STRING_FIELD_BYTES));
    if (!ok) return `unparsable: bad field ${JSON.stringify(key)}`;
  }
  if (typeof timeNs !== 'string' || !/^-?\d{1,19}$/.test(timeNs)) return 'unparsable: bad timeNs';
  const ns = BigInt(timeNs);
  if (ns < MIN_TIME_NS || ns > MAX_TIME_NS) return 'unparsable: time out of range';
  return undefined;
}

/** A retention policy's duration (`30d`, `720h`, `INF`) in ms; undefined for INF (keeps everything). */
export function retentionMs(duration: string): number | undefined {
  if (duration === 'INF') return undefined;
  const unit = { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[duration.slice(-1)];
  const count = Number(duration.slice(0, -1));
  if (unit === undefined || !Number.isFinite(count)) throw new RangeError(`not a retention duration: ${duration}`);
  return count * unit;
}

/** InfluxDB drops a point older than now − the policy's duration ("points beyond retention policy"). */
export function beyondRetention(timeNs: string, keepMs: number | undefined, nowMs: number): boolean {
  return keepMs !== undefined && BigInt(timeNs) < BigInt(nowMs - keepMs) * 1_000_000n;
}

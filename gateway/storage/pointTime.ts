/** The time of a stored point, chosen so that a re-delivered reading overwrites itself in InfluxDB. */

/**
 * ms since the epoch → ns string. The sub-millisecond digits carry the line's sequence number × 15 ns
 * (65535 × 15 < 1 ms), so two readings of one channel in the same millisecond never collide, and the
 * same reading delivered twice (an MQTT QoS 1 redelivery, a spool replayed after a crash) lands on the
 * same series and time and is stored once.
 */
export function pointTime(tsMs: number, seq = 0): string {
  return (BigInt(tsMs) * 1_000_000n + BigInt(seq * 15)).toString();
}

/**
 * A count as people read it in Japanese and English alike, grouped in thousands: 4,160, not 4160. By hand rather than with
 * toLocaleString or Intl.NumberFormat: the gateway keeps ICU's formatting data out of its memory (docs/memory.md).
 */
export function countText(value: number): string {
  const whole = Math.round(value);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+$)/g, ',');
  return whole < 0 ? `-${digits}` : digits;
}

/** Counts lines lost between two sequence numbers (the node's counter wraps at 65536). */
import { SEQ_MODULO } from './frame.js';

export function linesLost(previous: number | undefined, current: number): number {
  if (previous === undefined) return 0;
  return (current - previous - 1 + SEQ_MODULO) % SEQ_MODULO;
}

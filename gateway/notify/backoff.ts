/** When to try a failed delivery again: exponential from a base to a cap, with jitter so kits do not retry in step. */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** The wait after failed attempt number `attempt` (1 = the first): base·2^(attempt−1) capped, then scaled by 0.8–1.2 and capped again. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const nominal = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(Math.min(options.maxMs, nominal * (0.8 + 0.4 * random())));
}

/** Failures as a log line should carry them: message and code only, and a run of the same failure logged once, then summarised. */

/** What a log line keeps of an error: never the request, response or client objects some errors carry (1 KB per line). */
export function describeError(err: unknown): { message: string; code?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { message: err.message, code } : { message: err.message };
}

/**
 * Lets the first of a run of like events be logged at once and then at most one line per interval, which says how many
 * were held back: a failure repeated every second must not fill the SD card, nor hide that it goes on.
 */
export class LogThrottle {
  private lastLoggedAt: number | undefined;
  private held = 0;

  constructor(
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: do not log this one. A number: log it, saying that many like events were held back before it. */
  take(): number | undefined {
    const now = this.now();
    if (this.lastLoggedAt !== undefined && now - this.lastLoggedAt < this.intervalMs) {
      this.held++;
      return undefined;
    }
    const held = this.held;
    this.lastLoggedAt = now;
    this.held = 0;
    return held;
  }

  /** The run is over: the next event is logged at once. Returns how many were held back since the last line. */
  reset(): number {
    const held = this.held;
    this.lastLoggedAt = undefined;
    this.held = 0;
    return held;
  }
}

/**
 * Watches the kit's wall clock while it runs: a mark of the latest time seen (written every few minutes and at stop,
 * so the next start or `doctor` can tell a clock that went back after a power cut), and steps of the clock against
 * the monotonic one (NTP arriving late, someone's `date -s`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writePrivateFile } from '../privateFiles.js';
import { CLOCK_SLACK_MS } from './checks/clock.js';

export interface ClockStatus {
  now: number;
  /** The latest time a running kit saw before this start, ms. */
  lastSeenAt: number | null;
  /** At start the clock was behind lastSeenAt: it went back (a Pi without a battery clock after a power cut). */
  wentBack: boolean;
  steps: { at: number; stepMs: number }[];
}

const markFile = (dataDir: string) => join(dataDir, 'clock.json');

export function readClockMark(dataDir: string): number | null {
  try {
    const at = Number((JSON.parse(readFileSync(markFile(dataDir), 'utf8')) as { lastSeenAt?: unknown }).lastSeenAt);
    return Number.isFinite(at) ? at : null;
  } catch {
    return null;
  }
}

export interface ClockWatchOptions {
  dataDir: string;
  log: Logger;
  now?: () => number;
  monotonic?: () => number;
  /** A mark every 10 minutes: a card is not worn by it, and a power cut loses at most that much. */
  markEveryMs?: number;
  checkEveryMs?: number;
}

export function createClockWatch(options: ClockWatchOptions) {
  const now = options.now ?? Date.now;
  const monotonic = options.monotonic ?? (() => performance.now());
  const lastSeenAt = readClockMark(options.dataDir);
  let highest = Math.max(lastSeenAt ?? 0, now());
  let wentBack = lastSeenAt !== null && now() < lastSeenAt - CLOCK_SLACK_MS;
  if (wentBack) options.log.warn({ lastSeenAt, now: now() }, 'the clock is behind the last time the kit ran: set the time (doctor page)');
  const steps: ClockStatus['steps'] = [];
  let offset = now() - monotonic();

  const mark = () => {
    highest = Math.max(highest, now());
    try {
      // Never backwards: a clock that went back must not hide the evidence of it.
      writePrivateFile(markFile(options.dataDir), JSON.stringify({ lastSeenAt: highest }));
    } catch (error) {
      options.log.warn({ err: (error as Error).message }, 'clock mark not written');
    }
  };
  const watch = () => {
    const nowOffset = now() - monotonic();
    const stepMs = nowOffset - offset;
    offset = nowOffset;
    if (Math.abs(stepMs) < CLOCK_SLACK_MS) return;
    steps.push({ at: now(), stepMs: Math.round(stepMs) });
    if (steps.length > 10) steps.shift();
    options.log.warn({ stepMs: Math.round(stepMs) }, 'the wall clock stepped');
  };
  const timers = [setInterval(watch, options.checkEveryMs ?? 10_000), setInterval(mark, options.markEveryMs ?? 600_000)];
  for (const t of timers) t.unref();
  mark();

  return {
    status(): ClockStatus {
      return { now: now(), lastSeenAt, wentBack, steps: [...steps] };
    },
    /** After a person set the time: the old evidence no longer applies. */
    timeWasSet(): void {
      wentBack = false;
      steps.length = 0;
      offset = now() - monotonic();
      highest = now();
      mark();
    },
    stop(): void {
      for (const t of timers) clearInterval(t);
      mark();
    },
  };
}

export type ClockWatch = ReturnType<typeof createClockWatch>;

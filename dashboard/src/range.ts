/** The history range a manager picks (today, 1 h, 24 h, 7 d or two dates), shared by the machine and environment pages. */
import { createStore } from './store';
import { DAY, fromDateInput, HOUR, startOfDay } from './time';

export type RangeKind = 'today' | '1h' | '24h' | '7d' | 'custom';
export const RANGE_KINDS: readonly RangeKind[] = ['today', '1h', '24h', '7d', 'custom'];

export interface RangeChoice {
  kind: RangeKind;
  /** `YYYY-MM-DD` in the kit's zone, for `custom`. */
  fromDate: string;
  toDate: string;
}

export interface TimeRange {
  from: number;
  to: number;
}

export const rangeStore = createStore<RangeChoice>({ kind: 'today', fromDate: '', toDate: '' });

/** The instants a choice means at `now`; null when the custom dates are missing or reversed. */
export function resolveRange(choice: RangeChoice, now: number, timeZone: string): TimeRange | null {
  switch (choice.kind) {
    case 'today':
      return { from: startOfDay(now, timeZone), to: now };
    case '1h':
      return { from: now - HOUR, to: now };
    case '24h':
      return { from: now - DAY, to: now };
    case '7d':
      return { from: now - 7 * DAY, to: now };
    case 'custom': {
      const from = fromDateInput(choice.fromDate, timeZone);
      const end = fromDateInput(choice.toDate, timeZone, 1);
      if (from === null || end === null || end <= from) return null;
      // The future has no data; the timeline would show it as "no signal".
      return { from, to: Math.max(from + 1, Math.min(end, now)) };
    }
  }
}

/** Whether an instant falls in a channel's quiet hours, read on the kit's wall clock; the window may cross midnight. */
import { localTime } from '../utilization/timeZone.js';

export interface QuietHoursWindow {
  /** HH:MM, local time; the window includes its start. */
  start: string;
  /** HH:MM, local time; the window excludes its end. */
  end: string;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inQuietHours(ms: number, window: QuietHoursWindow, timeZone: string): boolean {
  const t = localTime(ms, timeZone);
  const now = t.hour * 60 + t.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  // Equal ends make an empty window: a channel silent all day is better said by removing it.
  if (start === end) return false;
  // 22:00–06:00 wraps: quiet from start to midnight and from midnight to end.
  return start < end ? now >= start && now < end : now >= start || now < end;
}

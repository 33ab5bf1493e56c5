/** --from / --to as center staff write them: a local date (the whole day, in the kit's time zone) or an ISO date-time. */
import { addDays, zonedInstant } from '../utilization/timeZone.js';
import { usageError } from './text.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `end`: a date means the end of that day, so --from 2026-11-01 --to 2026-11-28 covers four whole weeks. */
export function parseLoanTime(value: string, timeZone: string, end: boolean): number {
  const date = DATE.exec(value);
  if (date) {
    const civil = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) };
    return zonedInstant(end ? addDays(civil, 1) : civil, 0, timeZone);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw usageError(`日時が読めません: ${value}（例: 2026-11-01）`, `cannot read the date: ${value} (e.g. 2026-11-01)`);
  return ms;
}

export function parseLoanSpan(from: string | undefined, to: string | undefined, timeZone: string): { from: number; to: number } {
  if (!from || !to)
    throw usageError(
      '--from と --to が必要です（例: --from 2026-11-01 --to 2026-11-28）',
      '--from and --to are required (e.g. --from 2026-11-01 --to 2026-11-28)',
    );
  const span = { from: parseLoanTime(from, timeZone, false), to: parseLoanTime(to, timeZone, true) };
  if (!(span.to > span.from)) throw usageError('--to は --from より後にしてください', '--to must be after --from');
  return span;
}

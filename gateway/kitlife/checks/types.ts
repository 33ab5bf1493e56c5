/** One doctor check: what was looked at, how it stands, and in plain words what to do. */
import type { Text } from '../text.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface CheckResult {
  /** Stable, for scripts and the dashboard: clock, serial:node-1, disk, … */
  id: string;
  status: CheckStatus;
  title: Text;
  detail: Text;
  /** What a person should do about it; absent when nothing needs doing. */
  action?: Text;
}

export const check = (id: string, status: CheckStatus, title: Text, detail: Text, action?: Text): CheckResult => ({
  id,
  status,
  title,
  detail,
  ...(action ? { action } : {}),
});

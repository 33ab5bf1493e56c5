/**
 * The clock checks. A Raspberry Pi has no battery clock and a factory Wi-Fi often no internet, so after a power cut the
 * time may be wrong: the kit compares it with what it knows (the newest stored point, the last time it was running)
 * and asks the system whether NTP synchronised it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { text } from '../text.js';
import { type CheckResult, check } from './types.js';

/** A minute of slack: points are stamped by the node's clock path, and a kit stopped a moment ago is not a jump. */
export const CLOCK_SLACK_MS = 60_000;

export interface SystemClock {
  /** NTP (or another source) set the clock; null when the system cannot say. */
  synchronized: boolean | null;
  /** The system's time zone, for logs and `date`. */
  timeZone: string | null;
}

/** timedatectl's view, else timesyncd's flag file; a system without systemd says nothing (null). */
export function readSystemClock(
  run: (cmd: string, args: string[]) => string = (cmd, args) =>
    execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }),
): SystemClock {
  try {
    const out = run('timedatectl', ['show', '-p', 'NTPSynchronized', '-p', 'Timezone']);
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(out)?.[1]?.trim();
    const synced = value('NTPSynchronized');
    return { synchronized: synced === 'yes' ? true : synced === 'no' ? false : null, timeZone: value('Timezone') || null };
  } catch {
    return {
      synchronized: existsSync('/run/systemd/timesync/synchronized') ? true : null,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
    };
  }
}

export interface ClockFacts {
  now: number;
  system: SystemClock;
  /** The newest point the kit stored, ms; null when there is none or storage is away. */
  newestPointAt: number | null;
  /** The last time a running kit noted the clock (the shutdown mark), ms. */
  lastSeenAt: number | null;
  /** Steps of the wall clock the running kit saw (NTP arriving late, someone's `date -s`). */
  steps?: { at: number; stepMs: number }[];
  kitTimeZone: string;
}

const when = (ms: number, timeZone: string) => new Date(ms).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16);
const span = (ms: number) => {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  return minutes < 120
    ? { ja: `${minutes} 分`, en: `${minutes} min` }
    : { ja: `${Math.round(minutes / 60)} 時間`, en: `${Math.round(minutes / 60)} h` };
};

const SET_TIME = text(
  'ダッシュボードの「診断」ページで、この端末の時刻をキットに設定してください（または sudo date -s "YYYY-MM-DD HH:MM"）',
  'set the time from the dashboard\'s Doctor page (it takes this device\'s clock), or sudo date -s "YYYY-MM-DD HH:MM"',
);

export function clockCheck(f: ClockFacts): CheckResult {
  const title = text('時計', 'Clock');
  const tz = f.kitTimeZone;
  const now = when(f.now, tz);
  if (f.newestPointAt !== null && f.now < f.newestPointAt - CLOCK_SLACK_MS) {
    const d = span(f.newestPointAt - f.now);
    return check(
      'clock',
      'fail',
      title,
      text(
        `時計が戻っています: 今は ${now} ですが、保存済みの最新データは ${when(f.newestPointAt, tz)} です（${d.ja} 先）`,
        `the clock went back: it says ${now}, but the newest stored data is from ${when(f.newestPointAt, tz)} (${d.en} later)`,
      ),
      SET_TIME,
    );
  }
  if (f.lastSeenAt !== null && f.now < f.lastSeenAt - CLOCK_SLACK_MS) {
    const d = span(f.lastSeenAt - f.now);
    return check(
      'clock',
      'fail',
      title,
      text(
        `時計が戻っています: 今は ${now} ですが、キットは ${when(f.lastSeenAt, tz)} まで動いていました（${d.ja}）`,
        `the clock went back: it says ${now}, but the kit was running until ${when(f.lastSeenAt, tz)} (${d.en})`,
      ),
      SET_TIME,
    );
  }
  const step = f.steps?.at(-1);
  if (step) {
    const d = span(step.stepMs);
    return check(
      'clock',
      'warn',
      title,
      text(
        `動作中に時計が ${d.ja}${step.stepMs > 0 ? '進みました' : '戻りました'}（${when(step.at, tz)}）。その前後のデータの時刻に注意してください`,
        `the clock jumped ${step.stepMs > 0 ? 'ahead' : 'back'} by ${d.en} while running (${when(step.at, tz)}): times around it may be off`,
      ),
      text('時刻が今正しいか確認してください', 'check that the time is right now'),
    );
  }
  if (f.system.synchronized === false) {
    return check(
      'clock',
      'warn',
      title,
      text(
        `時計が同期されていません（NTP なし）。今は ${now} と表示しています。停電のあと時刻がずれることがあります`,
        `the clock is not synchronised (no NTP); it says ${now}. After a power cut it may be wrong`,
      ),
      text(`スマートフォンの時計と比べ、違えば${SET_TIME.ja}`, `compare with a phone; if it differs, ${SET_TIME.en}`),
    );
  }
  if (f.system.synchronized === null) {
    return check(
      'clock',
      'info',
      title,
      text(
        `同期の状態は分かりません（timedatectl なし）。今は ${now} と表示しています`,
        `synchronisation unknown (no timedatectl); it says ${now}`,
      ),
      text('スマートフォンの時計と比べてください', 'compare it with a phone'),
    );
  }
  return check('clock', 'ok', title, text(`同期済み: ${now}`, `synchronised: ${now}`));
}

export function timeZoneCheck(system: SystemClock, kitTimeZone: string): CheckResult {
  const title = text('タイムゾーン', 'Time zone');
  if (system.timeZone && system.timeZone !== kitTimeZone) {
    return check(
      'timezone',
      'warn',
      title,
      text(
        `システムは ${system.timeZone}、キットの操業カレンダーは ${kitTimeZone} です。集計はキットの設定で行いますが、ログの時刻がずれて見えます`,
        `the system uses ${system.timeZone}, the kit's calendar ${kitTimeZone}; figures follow the kit, but logs show other times`,
      ),
      text(`sudo timedatectl set-timezone ${kitTimeZone}`, `sudo timedatectl set-timezone ${kitTimeZone}`),
    );
  }
  return check('timezone', 'ok', title, text(kitTimeZone, kitTimeZone));
}

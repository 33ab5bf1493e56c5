/** Sets the system clock (from the admin's browser): `date -s` needs CAP_SYS_TIME, which the service unit grants. */
import { execFile } from 'node:child_process';
import { type Text, text } from './text.js';

export class ClockError extends Error {
  constructor(
    readonly code: 'CLOCK_NOT_PERMITTED' | 'CLOCK_NOT_SET',
    readonly text: Text,
  ) {
    super(text.en);
  }
}

/** `command` is the program and its leading arguments; tests run the real `date` without the capability through setpriv. */
export function setSystemClock(ms: number, command: string[] = ['date']): Promise<void> {
  const [program = 'date', ...lead] = command;
  const args = [...lead, '-u', '-s', `@${(ms / 1000).toFixed(3)}`];
  return new Promise((resolve, reject) =>
    execFile(program, args, { timeout: 5000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if (/not permitted|EPERM/i.test(`${stderr} ${error.message}`)) {
        return reject(
          new ClockError(
            'CLOCK_NOT_PERMITTED',
            text(
              'キットには時刻を変更する権限がありません。minotake service install で入れたサービス（CAP_SYS_TIME 付き）で動かすか、sudo date -s で設定してください',
              'the kit is not permitted to set the time: run it as the service that minotake service install sets up (it grants CAP_SYS_TIME), or use sudo date -s',
            ),
          ),
        );
      }
      reject(
        new ClockError(
          'CLOCK_NOT_SET',
          text(`時刻を設定できません: ${stderr || error.message}`, `cannot set the time: ${stderr || error.message}`),
        ),
      );
    }),
  );
}

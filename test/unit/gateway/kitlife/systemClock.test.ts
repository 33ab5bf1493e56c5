import { describe, expect, it } from 'vitest';
import { ClockError, setSystemClock } from '../../../../gateway/kitlife/systemClock.js';
import { requireCommand } from '../../../helpers/services.js';

describe('setting the system clock', () => {
  it('says clearly that the kit lacks the right to set the time when the kernel refuses (real date, without CAP_SYS_TIME)', async () => {
    requireCommand('setpriv', 'apt-get install util-linux');
    // The real `date -s`, run as nobody with no capabilities: the kernel's EPERM, not a pretend one; the clock stays as it is.
    const unprivileged = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', 'date'];
    const error = await setSystemClock(Date.now() + 3_600_000, unprivileged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClockError);
    expect((error as ClockError).code).toBe('CLOCK_NOT_PERMITTED');
    expect((error as ClockError).text.ja).toContain('権限がありません');
    expect((error as ClockError).text.en).toContain('CAP_SYS_TIME');
  });
});

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unitFile } from '../../../../gateway/kitlife/service.js';
import { createVitals, startWatchdog, type Vitals } from '../../../../gateway/kitlife/watchdog.js';
import { testLog } from '../../../helpers/log.js';
import { requireCommand, tempDir, waitFor } from '../../../helpers/services.js';

const dirs: { remove(): void }[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
  for (const d of dirs.splice(0)) d.remove();
});

const verify = (file: string) => spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });

describe('the systemd service', () => {
  it('writes a unit that systemd-analyze verify accepts, restarting on failure with a watchdog and its own journal', () => {
    requireCommand('systemd-analyze', 'apt-get install systemd');
    const dir = tempDir('unit');
    dirs.push(dir);
    const cli = join(dir.path, 'cli.js');
    writeFileSync(cli, '');
    const unit = unitFile({
      kitId: 'kit-a01',
      node: process.execPath,
      cli,
      configFile: join(dir.path, 'kit.yaml'),
      workingDirectory: dir.path,
      user: 'root',
      groups: ['dialout'],
    });
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^WatchdogSec=\d+$/m);
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^NotifyAccess=all$/m);
    expect(unit).toMatch(/^StandardOutput=journal$/m);
    expect(unit).toMatch(/^LogNamespace=minotake$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    // The memory setting `npm run demo` starts with (docs/memory.md): the service must run the kit as measured.
    expect(unit).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=131072$/m);
    const file = join(dir.path, 'minotake.service');
    writeFileSync(file, unit);
    // verify names the line of any unknown key or bad value on stderr (its exit code stays 0 for those).
    const result = verify(file);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('systemd-analyze verify catches a broken unit (the check above can fail)', () => {
    requireCommand('systemd-analyze', 'apt-get install systemd');
    const dir = tempDir('unit-bad');
    dirs.push(dir);
    const file = join(dir.path, 'minotake.service');
    writeFileSync(file, '[Service]\nExecStart=/bin/true\nRestart=sometimes\nWatchdogSecs=3\n');
    const result = verify(file);
    expect(result.stderr).toContain('Failed to parse service restart specifier');
    expect(result.stderr).toContain("Unknown key 'WatchdogSecs'");
  });

  it('feeds the watchdog through systemd-notify only while the kit is healthy, and says why not', async () => {
    requireCommand('systemd-notify', 'apt-get install systemd');
    requireCommand('socat', 'apt-get install socat');
    const dir = tempDir('notify');
    dirs.push(dir);
    const socket = join(dir.path, 'notify.sock');
    // A stand-in for PID 1's notify socket: socat receives the datagrams systemd-notify sends.
    const receiver = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT']);
    children.push(receiver);
    let received = '';
    receiver.stdout.on('data', (c: Buffer) => {
      received += c.toString();
    });
    await waitFor('the notify socket', () => {
      try {
        execFileSync('test', ['-S', socket]);
        return true;
      } catch {
        return false;
      }
    });
    let vitals: Vitals = { ok: true };
    const watchdog = startWatchdog({
      vitals: () => vitals,
      log: testLog,
      env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '600000' },
      notifyTimeoutMs: 300,
    });
    watchdog.ready();
    await waitFor('READY and two watchdog feeds', () => received.includes('READY=1') && received.split('WATCHDOG=1').length > 2);
    vitals = { ok: false, reason: 'no serial data for 6 min' };
    await waitFor('the reason in the status', () => received.includes('STATUS=unhealthy: no serial data for 6 min'));
    const feeds = received.split('WATCHDOG=1').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(received.split('WATCHDOG=1').length).toBe(feeds);
    vitals = { ok: true };
    await waitFor('feeding again', () => received.split('WATCHDOG=1').length > feeds);
    watchdog.stop();
  });

  it('judges the kit unhealthy when storage drops points or no node has sent a line for five minutes', () => {
    let now = 1_000_000;
    const vitals = createVitals(1, now, () => now);
    const nodes = (lastFrameAt: number) => ({ nodes: { 'node-1': { lastFrameAt } } });
    expect(vitals({ edge: nodes(now), storage: { dropped: 0 } }).ok).toBe(true);
    expect(vitals({ edge: nodes(now), storage: { dropped: 3 } })).toMatchObject({ ok: false, reason: expect.stringContaining('drops') });
    expect(vitals({ edge: nodes(now), storage: { dropped: 3 } }).ok).toBe(true);
    now += 10 * 60_000;
    expect(vitals({ edge: nodes(now - 60_000), storage: { dropped: 3 } }).ok).toBe(true);
    expect(vitals({ edge: nodes(now - 6 * 60_000), storage: { dropped: 3 } })).toMatchObject({
      ok: false,
      reason: 'no serial data for 6 min',
    });
  });
});

/**
 * systemd's watchdog, fed only while the kit is healthy (serial data flowing, storage taking points): a kit whose
 * serial stack or storage hangs is restarted by systemd (WatchdogSec + Restart=on-failure in the unit).
 *
 * sd_notify is a datagram on the unix socket NOTIFY_SOCKET; Node's dgram has no unix sockets, and the npm modules that
 * add them are native addons to compile on every Pi. systemd's own `systemd-notify` does it instead: called without
 * --no-block it waits until PID 1 has taken the message (a barrier), so the message is never lost to the race the
 * man page describes for short-lived senders; the unit says NotifyAccess=all so a child may speak for the kit.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export interface Vitals {
  ok: boolean;
  /** Why not, in words for `systemctl status`. */
  reason?: string;
}

export interface KitHealthView {
  edge: { nodes: Record<string, { lastFrameAt?: number }> } | null;
  storage: { dropped: number };
}

/** No line from any node for this long while nodes are configured: the serial side is stuck, not one cable pulled. */
const SERIAL_STALL_MS = 5 * 60_000;

export function createVitals(serialNodes: number, startedAt: number, now: () => number = Date.now) {
  let lastDropped: number | undefined;
  return (h: KitHealthView): Vitals => {
    const t = now();
    const dropped = h.storage.dropped;
    const dropping = lastDropped !== undefined && dropped > lastDropped;
    lastDropped = dropped;
    if (dropping) return { ok: false, reason: 'storage drops points (InfluxDB and the spool both refuse them)' };
    if (serialNodes > 0 && h.edge && t - startedAt > SERIAL_STALL_MS) {
      const last = Math.max(0, ...Object.values(h.edge.nodes).map((n) => n.lastFrameAt ?? 0));
      if (t - last > SERIAL_STALL_MS) return { ok: false, reason: `no serial data for ${Math.round((t - last) / 60_000)} min` };
    }
    return { ok: true };
  };
}

export interface WatchdogOptions {
  vitals: () => Vitals;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long one systemd-notify may take (its barrier waits for PID 1). */
  notifyTimeoutMs?: number;
}

export function startWatchdog(options: WatchdogOptions) {
  const env = options.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  const usec = Number(env.WATCHDOG_USEC);
  let busy = false;
  let sick = false;
  const notify = (...messages: string[]) => {
    if (!socket || busy) return;
    busy = true;
    execFile('systemd-notify', messages, { env: { ...env, NOTIFY_SOCKET: socket }, timeout: options.notifyTimeoutMs ?? 5000 }, (error) => {
      busy = false;
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
        options.log.warn('systemd-notify not found: the watchdog is not fed');
    });
  };
  let timer: NodeJS.Timeout | undefined;
  if (socket && usec > 0) {
    // Three feeds per period: one late or lost feed does not get a healthy kit killed.
    timer = setInterval(
      () => {
        const v = options.vitals();
        if (v.ok) {
          if (sick) options.log.info('kit healthy again: watchdog fed');
          sick = false;
          notify('WATCHDOG=1', 'STATUS=running');
        } else {
          if (!sick) options.log.error({ reason: v.reason }, 'kit unhealthy: watchdog not fed, systemd will restart the kit');
          sick = true;
          notify(`STATUS=unhealthy: ${v.reason}`);
        }
      },
      Math.max(100, usec / 1000 / 3),
    );
  }
  return {
    /** Type=notify: the unit is started once the kit serves. */
    ready(): void {
      notify('READY=1', 'STATUS=running');
    },
    stop(): void {
      clearInterval(timer);
      if (socket) execFile('systemd-notify', ['STOPPING=1'], { env: { ...env }, timeout: 2000 }, () => {});
    },
  };
}

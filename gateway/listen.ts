/** Opening the kit's listening ports: a port another program holds for a moment is waited for, one that stays taken is a clear error. */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** The parts of the kit that listen, as a person reads them, and the kit-file key that moves each. */
const PARTS = {
  mqtt: { ja: 'MQTT ブローカ', en: 'MQTT broker', key: 'broker.port' },
  mqtts: { ja: 'MQTT ブローカ（TLS）', en: 'MQTT broker over TLS', key: 'broker.tls.port' },
  http: { ja: 'ダッシュボード・HTTP サーバ', en: 'dashboard / HTTP server', key: 'http.port' },
} as const;

export interface PortUse {
  part: keyof typeof PARTS;
  host: string;
  port: number;
  log: Logger;
  /** How long a port in use is waited for before giving up (default 30 s). */
  waitMs?: number;
}

export type ListenErrorCode = 'PORT_IN_USE' | 'PORT_NOT_ALLOWED' | 'ADDRESS_NOT_HERE';

export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly code: ListenErrorCode,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** The range Linux takes local ports of outgoing connections from; a listening port inside it can be taken by chance. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {}
  return [32768, 60999];
}

function inUseHint(port: number): { ja: string; en: string } {
  const [low, high] = ephemeralRange();
  if (port < low || port > high) return { ja: '', en: '' };
  return {
    ja: `\n${port} は OS が外向きの接続に一時的に割り当てる範囲（${low}–${high}）にあるため、他のプログラムの短い接続に取られることがあります。${low} より小さいポートを選んでください。`,
    en: `\n${port} lies in the range the system lends to outgoing connections (${low}–${high}), so any program's short connection can take it: choose a port below ${low}.`,
  };
}

function failure(code: string | undefined, use: PortUse, waitedMs: number, cause: unknown): ListenError | undefined {
  const { ja, en, key } = PARTS[use.part];
  const { port, host } = use;
  switch (code) {
    case 'EADDRINUSE': {
      const hint = inUseHint(port);
      const find = `sudo ss -tanp 'sport = :${port}'`;
      return new ListenError(
        'PORT_IN_USE',
        `ポート ${port}（${ja}）は他のプログラムが使用中で、${Math.round(waitedMs / 1000)} 秒待っても空きませんでした。` +
          `\`${find}\` で使っているプログラムを確かめて止めるか、キット設定の ${key} を空いているポートに変えてください。${hint.ja}\n` +
          `Port ${port} (${en}) is in use by another program and was still taken after ${Math.round(waitedMs / 1000)} s (EADDRINUSE). ` +
          `Find the program with \`${find}\` and stop it, or set ${key} in the kit file to a free port.${hint.en}`,
        { cause },
      );
    }
    case 'EACCES':
      return new ListenError(
        'PORT_NOT_ALLOWED',
        `ポート ${port}（${ja}）を開く権限がありません（1024 未満のポートは root が必要です）。キット設定の ${key} を 1024 以上にしてください。\n` +
          `Not allowed to open port ${port} (${en}) (EACCES: ports below 1024 need root). Set ${key} in the kit file to 1024 or above.`,
        { cause },
      );
    case 'EADDRNOTAVAIL':
      return new ListenError(
        'ADDRESS_NOT_HERE',
        `アドレス ${host}（${ja}）はこの機械にありません。キット設定の host を 0.0.0.0（すべて）かこの機械のアドレスにしてください。\n` +
          `Address ${host} (${en}) is not one of this machine's (EADDRNOTAVAIL). Set its host in the kit file to 0.0.0.0 (all) or an address of this machine.`,
        { cause },
      );
    default:
      return undefined;
  }
}

/**
 * Runs `listen` until it succeeds. A port in use is retried with a growing pause (0.25 s doubling to 4 s) for up to
 * `waitMs`, saying once which port and part wait; then, or at once for a port it may never open, a ListenError
 * says what is wrong and what to do, in Japanese and English.
 */
export async function listenOnPort(listen: () => Promise<unknown>, use: PortUse): Promise<void> {
  const waitMs = use.waitMs ?? 30_000;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await listen();
      if (attempt > 0) use.log.info({ port: use.port, part: use.part, waitedMs: Date.now() - started }, 'port free again, listening');
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const waited = Date.now() - started;
      if (code !== 'EADDRINUSE' || waited >= waitMs) throw failure(code, use, waited, error) ?? error;
      if (attempt === 0) {
        const { ja, en } = PARTS[use.part];
        use.log.warn(
          { port: use.port, part: use.part, code },
          `ポート ${use.port}（${ja}）は他のプログラムが使用中です。最大 ${Math.round(waitMs / 1000)} 秒、空くのを待ちます / ` +
            `port ${use.port} (${en}) is in use by another program; waiting up to ${Math.round(waitMs / 1000)} s for it`,
        );
      }
      await sleep(Math.min(250 * 2 ** Math.min(attempt, 4), Math.max(0, waitMs - waited)));
    }
  }
}

/** One attempt at server.listen as a promise; Node lets a server listen again after a failed attempt. */
export function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The host part of a URL by which a program on this machine (the doctor) reaches a port the kit listens on at `host`: that
 * address itself when the kit file names one (a LAN card's, as `192.168.1.10`), loopback when it listens everywhere.
 */
export function localUrlHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

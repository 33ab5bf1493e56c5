/** Starts, watches and stops a private influxd for a kit that has no InfluxDB server of its own (the demo, a lone Pi). */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { requestText } from '../httpClient.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFile } from '../privateFiles.js';
import type { InfluxAccess } from './influxSink.js';

/** running: answers. restarting: exited, started again after a short wait. crash-loop: it keeps dying soon after each start, so it is restarted ever more slowly. stopped: stop() was called. */
export type InfluxdState = 'running' | 'restarting' | 'crash-loop' | 'stopped';

export interface InfluxdExit {
  /** When it exited (ms since the epoch) and how long it had run. */
  at: number;
  ranMs: number;
  code: number | null;
  signal: string | null;
  /** The end of what it wrote to stderr (its log). */
  log: string;
}

export interface InfluxdStatus {
  state: InfluxdState;
  pid?: number;
  /** Restarts after an exit since the kit started. */
  restarts: number;
  lastExit?: InfluxdExit;
  /** When the next start is due (ms since the epoch), while restarting. */
  nextStartAt?: number;
}

export interface ManagedInfluxd {
  url: string;
  /** The admin account the kit made for itself: the only one, and auth is on (credentials.json, owner-only). */
  access: Required<InfluxAccess>;
  /** The pid of the influxd running now (0 while there is none). */
  readonly pid: number;
  status(): InfluxdStatus;
  stop(): Promise<void>;
}

export interface RestartPolicy {
  /** The first restart waits this long, doubling with each quick exit. Default 1000. */
  minDelayMs: number;
  /** A crash loop is restarted at most this rarely. Default 300000 (5 min). */
  maxDelayMs: number;
  /** A run shorter than this counts as a quick exit. Default 60000. */
  stableAfterMs: number;
  /** This many quick exits in a row make a crash loop: waits start at crashLoopDelayMs. Default 3. */
  crashLoopAfter: number;
  crashLoopDelayMs: number;
}

const DEFAULT_RESTART: RestartPolicy = {
  minDelayMs: 1000,
  maxDelayMs: 300_000,
  stableAfterMs: 60_000,
  crashLoopAfter: 3,
  crashLoopDelayMs: 30_000,
};

export class InfluxdMissingError extends Error {
  readonly code = 'INFLUXD_MISSING';
  constructor() {
    super(
      "influxd not found: install InfluxDB 1.x with 'apt-get install influxdb' (Debian 12 / Raspberry Pi OS), or set storage.influx.url / " +
        "influxd が見つかりません: 'apt-get install influxdb' で InfluxDB 1.x を入れるか、storage.influx.url を設定してください",
    );
  }
}

export class InfluxdAuthError extends Error {
  readonly code = 'INFLUXD_AUTH';
  constructor(dir: string) {
    super(
      `the influxd data in ${dir} has users, but not the one in credentials.json (was the file replaced or deleted?): ` +
        `restore credentials.json, or move the influxdb folder away to start with an empty database / ` +
        `${dir} の influxd には credentials.json と異なる利用者がいます（ファイルが置き換わったか消えた可能性）: ` +
        `credentials.json を戻すか、influxdb フォルダを退避して空のデータベースから始めてください`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Settings kind to an SD card and a small Pi: loopback only, auth on, tsi1 index on disk, small caches, no self-monitoring writes. */
function configText(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  index-version = "tsi1"
  query-log-enabled = false
  # Group WAL fsyncs: one per 100 ms instead of one per write spares the SD card; the kit's spool covers the gap.
  wal-fsync-delay = "100ms"
  cache-max-memory-size = "128m"
  cache-snapshot-memory-size = "16m"
  max-concurrent-compactions = 1
  trace-logging-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  # Loopback is not private on a shared machine: any local user could otherwise write a fake OFF period.
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
  flux-enabled = false
[continuous_queries]
  log-enabled = false
  run-interval = "1m"
[logging]
  level = "warn"
`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An influxd left behind by a killed gateway still holds the data folder's lock: end it before starting anew. */
async function endLeftover(pidFile: string, log: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!pid || !processAlive(pid)) return;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {}
  if (!command.includes('influxd')) return;
  log.warn({ influxdPid: pid }, 'ending an influxd left over from an earlier run');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The kit's admin account for this data folder: made once, kept owner-only beside the data. */
function loadCredentials(file: string): { username: string; password: string } {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { username?: unknown; password?: unknown };
    if (typeof stored.username === 'string' && typeof stored.password === 'string') {
      chmodSync(file, PRIVATE_FILE_MODE); // owner-only again, should someone have widened it
      return { username: stored.username, password: stored.password };
    }
  }
  const credentials = { username: 'minotake', password: randomBytes(24).toString('base64url') };
  writePrivateFile(file, `${JSON.stringify(credentials)}\n`);
  return credentials;
}

/** POST /query with the statement in the body (never in a URL someone might log). */
async function influxStatement(url: string, q: string, auth?: { username: string; password: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return requestText(`${url}/query`, { method: 'POST', headers, body: new URLSearchParams({ q }).toString() });
}

/**
 * Makes sure the kit's admin exists. InfluxDB 1.x lets anyone create the first admin while there is no user at all
 * (and allows nothing else then), so a fresh data folder gets it at once; a folder from an older kit without auth too.
 */
async function ensureAdmin(url: string, dir: string, credentials: { username: string; password: string }): Promise<void> {
  const check = await influxStatement(url, 'SHOW USERS', credentials);
  if (check.status === 200) return;
  if (!check.text.includes('create admin user first')) throw new InfluxdAuthError(dir);
  const name = credentials.username.replace(/"/g, '');
  const password = credentials.password.replace(/[\\']/g, '');
  const created = await influxStatement(url, `CREATE USER "${name}" WITH PASSWORD '${password}' WITH ALL PRIVILEGES`);
  if (created.status !== 200 || created.text.includes('"error"')) {
    throw new Error(`could not create the kit's influxd admin: ${created.status} ${created.text.slice(0, 200)}`);
  }
}

export interface StartInfluxdOptions {
  dir: string;
  log: Logger;
  port?: number;
  binary?: string;
  restart?: Partial<RestartPolicy>;
}

export async function startInfluxd(options: StartInfluxdOptions): Promise<ManagedInfluxd> {
  const dir = resolve(options.dir);
  const { log } = options;
  const binary = options.binary ?? 'influxd';
  const policy = { ...DEFAULT_RESTART, ...options.restart };
  ensurePrivateDir(dir);
  const pidFile = join(dir, 'influxd.pid');
  await endLeftover(pidFile, log);
  const credentials = loadCredentials(join(dir, 'credentials.json'));
  const httpPort = options.port || (await freePort());
  const rpcPort = await freePort();
  const configFile = join(dir, 'influxd.conf');
  writePrivateFile(configFile, configText(dir, httpPort, rpcPort));
  const url = `http://127.0.0.1:${httpPort}`;

  let child: ChildProcess | undefined;
  let startedAt = 0;
  let stderrTail = '';
  let state: InfluxdState = 'running';
  let stopping = false;
  let restarts = 0;
  let quickExits = 0;
  let lastExit: InfluxdExit | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextStartAt: number | undefined;

  /** One influxd process, answering /ping; rejects (and leaves no process) when it dies or stays mute for a minute. */
  const launch = async (): Promise<void> => {
    stderrTail = '';
    // Its own process group: a Ctrl+C in the terminal must not stop the database before the gateway has flushed into it.
    // umask 077 through sh: influxd's own shards, WAL and meta files are owner-only like the rest of the data folder.
    const process_ = spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', binary, '-config', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    child = process_;
    startedAt = Date.now();
    process_.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    const exited = new Promise<never>((_, reject) =>
      process_.once('exit', (code, signal) =>
        reject(
          code === 127
            ? new InfluxdMissingError()
            : Object.assign(new Error(`influxd exited (code ${code}, signal ${signal}) while starting\n${stderrTail}`), {
                exit: { code, signal },
              }),
        ),
      ),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 60_000;
    const answered = (async () => {
      while (Date.now() < deadline) {
        try {
          if ((await requestText(`${url}/ping`)).status === 204) return;
        } catch {}
        await sleep(100);
      }
      throw new Error(`influxd did not answer ${url}/ping within 60 s\n${stderrTail}`);
    })();
    try {
      await Promise.race([answered, exited]);
    } catch (error) {
      process_.kill('SIGKILL');
      throw error;
    }
    writePrivateFile(pidFile, String(process_.pid));
    process_.once('exit', (code, signal) => {
      if (stopping || child !== process_) return;
      child = undefined;
      scheduleRestart(code, signal);
    });
  };

  /** After an exit: the reason goes to health and the log, and a restart is due after a wait that grows with quick exits. */
  const scheduleRestart = (code: number | null, signal: NodeJS.Signals | null): void => {
    const at = Date.now();
    const ranMs = at - startedAt;
    lastExit = { at, ranMs, code, signal, log: stderrTail.trim() };
    quickExits = ranMs < policy.stableAfterMs ? quickExits + 1 : 1;
    const looping = quickExits >= policy.crashLoopAfter;
    const delay = looping
      ? Math.min(policy.maxDelayMs, policy.crashLoopDelayMs * 2 ** (quickExits - policy.crashLoopAfter))
      : Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (quickExits - 1));
    state = looping ? 'crash-loop' : 'restarting';
    nextStartAt = at + delay;
    log.error(
      { code, signal, ranMs, restartInMs: delay, state, influxdLog: lastExit.log.slice(-500) },
      looping
        ? 'private influxd keeps exiting soon after start (crash loop); restarting it slowly'
        : 'private influxd exited; restarting it',
    );
    restartTimer = setTimeout(() => void restart(), delay);
  };

  const restart = async (): Promise<void> => {
    restartTimer = undefined;
    if (stopping) return;
    restarts++;
    try {
      await launch();
      if (stopping) {
        child?.kill('SIGTERM');
        return;
      }
      nextStartAt = undefined;
      state = 'running';
      log.info({ url, influxdPid: child?.pid, restarts }, 'private influxd running again');
    } catch (error) {
      // It died or stayed mute while starting: the same as a quick exit.
      child = undefined;
      if (stopping) return;
      const exit = (error as { exit?: { code: number | null; signal: NodeJS.Signals | null } }).exit;
      if (!exit) stderrTail = (error as Error).message;
      scheduleRestart(exit?.code ?? null, exit?.signal ?? null);
    }
  };

  try {
    await launch();
    await ensureAdmin(url, dir, credentials);
  } catch (error) {
    stopping = true;
    child?.kill('SIGKILL');
    throw error;
  }
  log.info({ url, dir, influxdPid: child?.pid }, 'private influxd started');

  return {
    url,
    access: { url, ...credentials },
    get pid() {
      return child?.pid ?? 0;
    },
    status: () => ({
      state,
      ...(child?.pid ? { pid: child.pid } : {}),
      restarts,
      ...(lastExit ? { lastExit } : {}),
      ...(nextStartAt ? { nextStartAt } : {}),
    }),
    async stop() {
      stopping = true;
      state = 'stopped';
      clearTimeout(restartTimer);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((r) => running.once('exit', () => r()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

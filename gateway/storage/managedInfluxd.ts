/** Starts and stops a private influxd for a kit that has no InfluxDB server of its own (the demo, a lone Pi). */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';

export interface ManagedInfluxd {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export class InfluxdMissingError extends Error {
  readonly code = 'INFLUXD_MISSING';
  constructor() {
    super(
      "influxd not found: install InfluxDB 1.x with 'apt-get install influxdb' (Debian 12 / Raspberry Pi OS), or set storage.influx.url / " +
        "influxd が見つかりません: 'apt-get install influxdb' で InfluxDB 1.x を入れるか、storage.influx.url を設定してください",
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

/** Settings kind to an SD card and a small Pi: loopback only, tsi1 index on disk, small caches, no self-monitoring writes. */
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
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode} while starting`);
    try {
      const response = await fetch(`${url}/ping`);
      if (response.status === 204) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms`);
}

export async function startInfluxd(options: { dir: string; log: Logger; port?: number; binary?: string }): Promise<ManagedInfluxd> {
  const dir = resolve(options.dir);
  const binary = options.binary ?? 'influxd';
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'influxd.pid');
  await endLeftover(pidFile, options.log);
  const httpPort = options.port || (await freePort());
  const rpcPort = await freePort();
  const configFile = join(dir, 'influxd.conf');
  writeFileSync(configFile, configText(dir, httpPort, rpcPort));

  // Its own process group: a Ctrl+C in the terminal must not stop the database before the gateway has flushed into it.
  const child = spawn(binary, ['-config', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const missing = new Promise<never>((_, reject) =>
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new InfluxdMissingError() : error)),
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await Promise.race([waitForPing(url, child, 60_000), missing]);
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof InfluxdMissingError) throw error;
    throw new Error(`${(error as Error).message}\n${stderrTail}`);
  }
  writeFileSync(pidFile, String(child.pid));
  options.log.info({ url, dir, influxdPid: child.pid }, 'private influxd started');

  return {
    url,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

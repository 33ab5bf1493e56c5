/** Real services for integration tests: each fails with what to install when it is missing, never skips. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxAccess } from '../../gateway/storage/influxSink.js';
import { type ManagedInfluxd, type RestartPolicy, startInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { testLog } from './log.js';

export function requireCommand(command: string, install: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} not found: this test needs it. Install it with '${install}' (see .ci/run).`);
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `minotake-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** SIGTERM and wait for the exit: a kit writes its state files while it stops, and its folder must outlive that. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The account of each influxd the tests started, by URL: the private influxd has auth on. */
const influxAccounts = new Map<string, InfluxAccess>();

/** Remembers an influxd's account so that influxQuery() and testConfig() can use it (startTestInfluxd does this itself). */
export function rememberInflux(access: InfluxAccess): void {
  influxAccounts.set(access.url, access);
}

/** Where a test influxd is and the account to use with it (just the URL for one the tests did not start). */
export function influxAccess(url: string): InfluxAccess {
  return influxAccounts.get(url) ?? { url };
}

/** A private influxd on a free loopback port, data in its own temp folder, auth on. */
export async function startTestInfluxd(dir: string, port?: number, restart?: Partial<RestartPolicy>): Promise<ManagedInfluxd> {
  requireCommand('influxd', 'apt-get install influxdb');
  const influxd = await startInfluxd({ dir, log: testLog, ...(port ? { port } : {}), ...(restart ? { restart } : {}) });
  rememberInflux(influxd.access);
  return influxd;
}

/** The Authorization header for an influxd the tests know the account of. */
export function influxAuthHeader(url: string): Record<string, string> {
  const { username, password } = influxAccess(url);
  return username ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` } : {};
}

/** Runs an InfluxQL query over HTTP with the influxd's account and returns the first series' rows as objects. */
export async function influxQuery(url: string, db: string, q: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ns&q=${encodeURIComponent(q)}`, {
    headers: influxAuthHeader(url),
  });
  // ns times do not fit a double: quote them before JSON.parse so no digit is lost.
  const text = (await response.text()).replace(/\[(\d{16,}),/g, '["$1",');
  const body = JSON.parse(text) as { results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] };
  const result = body.results[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
  const series = result?.series ?? [];
  return series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((c, i) => [c, row[i]]))));
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs mosquitto_sub / mosquitto_pub (the independent MQTT clients) and collects what they print. */
export function mosquitto(command: 'mosquitto_sub' | 'mosquitto_pub', args: string[], timeoutMs = 15_000): Promise<ClientRun> {
  requireCommand(command, 'apt-get install mosquitto-clients');
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls until check() returns a truthy value, or fails with what it was waiting for. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<NonNullable<Awaited<T>>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<Awaited<T>>;
      last = value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
  );
}

/** Shared bits of the benchmarks: one line per measurement, with its workload. */
import pino from 'pino';

export const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The Authorization header for an InfluxDB account (the private influxd has auth on). */
export function influxAuth(access: { username?: string; password?: string }): Record<string, string> {
  return access.username ? { authorization: `Basic ${Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64')}` } : {};
}

export function report(name: string, value: string, workload: string): void {
  process.stdout.write(`${name.padEnd(48)} ${value.padEnd(28)} ${workload}\n`);
}

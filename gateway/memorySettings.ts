/**
 * The runtime's memory settings the kit relies on (docs/memory.md). The CLI imports this module first, so the V8
 * setting is made before any other module loads, wherever the kit is started from (npm run demo, systemd, a test).
 */
import { setFlagsFromString } from 'node:v8';

// V8 grows the young generation from 2 × 1 MB to 2 × 16 MB while the gateway's modules load and keeps it: ~30 MB of
// RSS for a process that later allocates a few KB per reading. Held at 2 × 1 MB, scavenges come more often and each is
// shorter; bench/memory.ts shows the throughput and latency beside the figures without it. This flag, unlike
// --max-semi-space-size, is read each time the young generation would grow, so it works from inside the process.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--optimize-for-size');

/**
 * glibc raises its mmap threshold to the size of the first large block freed. scrypt's 16 MB work area (every HTTP and
 * MQTT login) is then taken from the heap of the thread that ran it and kept there after the login: up to 16 MB per
 * libuv thread and main thread. Fixed at 128 KB, large blocks always come from mmap and go back on free. Only the
 * environment of a new process can set it: the ways the kit is started (`npm run demo`, the `minotake` command, the
 * systemd unit in docs/install-pi.md) set it, and `run` says so when it is missing.
 */
export const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

export function mallocTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.entries(MALLOC_ENV).every(([name, value]) => env[name] === value);
}

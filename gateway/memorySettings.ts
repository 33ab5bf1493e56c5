/**
 * The C library's memory setting the kit is started with (docs/memory.md). glibc raises its mmap threshold to the size
 * of the first large block freed; scrypt's 16 MB work area (every HTTP and MQTT login) is then taken from the heap of
 * the thread that ran it and kept there: up to 16 MB per libuv thread and the main thread. Fixed at 128 KB, large
 * blocks always come from mmap and go back on free. Only a new process's environment can set it: `npm run demo`, the
 * `minotake` command and the systemd unit of `minotake service install` set it; `minotake run` warns when it is missing.
 */
export const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/** As an environment line: `NAME=value NAME=value`. */
export const MALLOC_SETTINGS = Object.entries(MALLOC_ENV)
  .map(([name, value]) => `${name}=${value}`)
  .join(' ');

export function mallocTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.entries(MALLOC_ENV).every(([name, value]) => env[name] === value);
}

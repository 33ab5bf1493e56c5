/**
 * Loaded into the kit's own process by the memory bench (`node --import`), for the 8-CT runs only: how late the event
 * loop ran and how much time went to garbage collection while the load ran. The line → MQTT p99, measured across a pty,
 * the broker and a second process on a shared machine, is too noisy to show what the kit's V8 memory flags cost
 * (gateway/v8MemoryFlags.ts: a small young generation means more, shorter scavenges); these figures come from inside.
 * SIGUSR2 starts the window; the figures go to the file named by MINOTAKE_LOOP_WATCH every second.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

export interface LoopFigures {
  seconds: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcMs: number;
  scavenges: number;
  majorGcs: number;
}

const file = process.env.MINOTAKE_LOOP_WATCH;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let since = 0;
  let gc = { ms: 0, scavenges: 0, major: 0 };
  new PerformanceObserver((list) => {
    if (!since) return;
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      gc.ms += entry.duration;
      if (kind === 1) gc.scavenges++;
      else if (kind === 4) gc.major++;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    since = performance.now();
    gc = { ms: 0, scavenges: 0, major: 0 };
    delay.reset();
    delay.enable();
  });
  setInterval(() => {
    if (!since) return;
    const figures: LoopFigures = {
      seconds: (performance.now() - since) / 1000,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      gcMs: gc.ms,
      scavenges: gc.scavenges,
      majorGcs: gc.major,
    };
    writeFileSync(file, JSON.stringify(figures));
  }, 1000).unref();
}

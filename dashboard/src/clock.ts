/** One shared ticking clock, corrected to the gateway's time: a tablet on a factory Wi-Fi without internet often has no NTP. */
import { useEffect, useState } from 'preact/hooks';

let skewMs = 0;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

/** Call with a time the gateway reported (the live snapshot's `ts`) to align "time in state" and staleness with its clock. */
export function setServerTime(serverMs: number): void {
  skewMs = serverMs - Date.now();
}

export function serverNow(): number {
  return Date.now() + skewMs;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    for (const l of [...listeners]) l();
  }, 1000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The gateway's time, re-rendering the caller whenever it crosses a multiple of `stepMs` (1 s for ticking labels, 60 s for data reloads). */
export function useNow(stepMs = 1000): number {
  const floor = () => Math.floor(serverNow() / stepMs) * stepMs;
  const [now, setNow] = useState(floor);
  useEffect(() => subscribe(() => setNow(floor())), [stepMs]);
  return now;
}

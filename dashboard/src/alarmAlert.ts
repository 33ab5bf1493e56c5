/**
 * The wall tablet's alert for new warning and critical alarms: a flashing border and a short beep made by the Web Audio API
 * (no sound files), on a switch remembered on this device. Browsers start audio only after a user gesture: the switch is one,
 * and after a reload the first tap anywhere on the page is.
 */
import { createStore } from './store';
import type { AlarmSeverity } from './types';

const STORAGE_KEY = 'minotake.alarmAlert';

function remembered(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'on';
  } catch {
    return false;
  }
}

export const alertStore = createStore<boolean>(remembered());
/** False while the browser still holds the sound back (no gesture on this page yet). */
export const audioReadyStore = createStore<boolean>(false);

type AudioContextClass = typeof AudioContext;
let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (!context) {
    const Ctor: AudioContextClass | undefined =
      window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext;
    if (!Ctor) return null;
    try {
      context = new Ctor();
      context.addEventListener('statechange', () => audioReadyStore.set(context?.state === 'running'));
    } catch {
      return null;
    }
  }
  return context;
}

/** Called from a user gesture: lets the page play sound from now on. */
function unlock(): void {
  const ctx = audio();
  if (!ctx) return;
  if (ctx.state !== 'running') void ctx.resume().catch(() => {});
  audioReadyStore.set(ctx.state === 'running');
}

function onGesture(): void {
  if (alertStore.get()) unlock();
  if (audioReadyStore.get()) {
    document.removeEventListener('pointerdown', onGesture, true);
    document.removeEventListener('keydown', onGesture, true);
  }
}
document.addEventListener('pointerdown', onGesture, true);
document.addEventListener('keydown', onGesture, true);

export function setAlert(on: boolean): void {
  try {
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
  } catch {}
  alertStore.set(on);
  if (on) {
    unlock();
    // Heard at once, so whoever mounts the tablet knows the speaker works.
    beep('info');
  }
}

/** Critical: three high beeps; warning: two lower ones; info (the switch's test): one. */
export function beep(severity: AlarmSeverity): void {
  const ctx = audio();
  if (!ctx || !alertStore.get()) return;
  const [count, hz] = severity === 'critical' ? [3, 1320] : severity === 'warning' ? [2, 880] : [1, 880];
  const start = ctx.currentTime + 0.02;
  for (let i = 0; i < count; i++) {
    const at = start + i * 0.22;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
    gain.gain.setValueAtTime(0.25, at + 0.13);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.18);
  }
}

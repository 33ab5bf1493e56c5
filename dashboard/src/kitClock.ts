/** The kit's clock against this device's: a Pi has no battery clock, so after a power cut without NTP it may be wrong. */
import { api } from './api';
import type { ClockResponse } from './types';

/** Two minutes: more than a slow request, less than what makes a morning's timeline wrong. */
export const CLOCK_TOLERANCE_MS = 120_000;

export interface ClockReading {
  clock: ClockResponse;
  /** Kit time minus this device's time, ms, with half the round trip allowed for. */
  offsetMs: number;
}

export async function readKitClock(): Promise<ClockReading> {
  const sent = Date.now();
  const clock = await api.get<ClockResponse>('api/clock');
  const received = Date.now();
  return { clock, offsetMs: clock.now - (sent + received) / 2 };
}

export function formatOffset(ms: number, lang: 'ja' | 'en'): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 120) return lang === 'ja' ? `${minutes} 分` : `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return lang === 'ja' ? `${hours} 時間` : `${hours} h`;
  return lang === 'ja' ? `${Math.round(hours / 24)} 日` : `${Math.round(hours / 24)} days`;
}

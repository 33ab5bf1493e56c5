/** Values that move like a shop floor's, for a demo: meters follow a run / idle / stop cycle, sensors a slow daily drift. */
import { mulberry32 } from '../random.js';
import { type WorkCalendar, workPeriod } from '../signals.js';
import { type SimDevice, SimSdm120, SimSdm630, SimXyMd02 } from './devices.js';

const MINUTE_MS = 60_000;
/** One machine cycle: running, idling, stopped (ms), and the amps of each. */
const CYCLE = [
  { ms: 4 * MINUTE_MS, amps: 1 },
  { ms: 1.5 * MINUTE_MS, amps: 0.2 },
  { ms: 1 * MINUTE_MS, amps: 0.01 },
];
const CYCLE_MS = CYCLE.reduce((sum, phase) => sum + phase.ms, 0);

export const SIM_MODELS = ['xy-md02', 'sdm120', 'sdm630'] as const;
export type SimModel = (typeof SIM_MODELS)[number];

export function createSimDevice(model: SimModel, address: number): SimDevice {
  if (model === 'xy-md02') return new SimXyMd02(address);
  return model === 'sdm120' ? new SimSdm120() : new SimSdm630();
}

/**
 * Moves a device's values to where they are at `nowMs`; the address staggers devices so they do not move in step. With
 * a work calendar, a meter's machine keeps to it: stopped when nobody works, idling over lunch, cycling at work.
 */
export function livenUp(device: SimDevice, address: number, nowMs: number, calendar?: WorkCalendar): void {
  const noise = mulberry32(address * 7919 + Math.floor(nowMs / 1000))() - 0.5;
  let into = (nowMs + address * 97_000) % CYCLE_MS;
  let phase = CYCLE[0] as (typeof CYCLE)[number];
  for (const candidate of CYCLE) {
    phase = candidate;
    if (into < candidate.ms) break;
    into -= candidate.ms;
  }
  const period = calendar ? workPeriod(calendar, nowMs) : 'work';
  if (period !== 'work') phase = CYCLE[period === 'lunch' ? 1 : 2] as (typeof CYCLE)[number];
  if (device instanceof SimXyMd02) {
    const day = Math.sin((2 * Math.PI * (nowMs % 86_400_000)) / 86_400_000);
    device.temperatureC = Math.round((26 + 4 * day + noise * 0.2) * 10) / 10;
    device.humidityPct = Math.round((60 - 10 * day + noise) * 10) / 10;
  } else if (device instanceof SimSdm120) {
    device.amps = Math.max(0, 9 * phase.amps + noise * 0.1);
  } else if (device instanceof SimSdm630) {
    device.setAmps(Math.max(0, 18 * phase.amps + noise * 0.2));
  }
}

/** Reads what the trial report needs through the kit's history and alarm rooms: timelines, minute means, coverage, alarms. */
import type { KitConfig } from '../../config/schema.js';
import type { AlarmHistoryReader } from '../alarms/history.js';
import type { HistoryStore } from '../history/historyStore.js';
import type { TrialInput } from './trialFigures.js';

const DAY = 86_400_000;
/** Acknowledgements of alarms raised near the end of the range may come after it: look this far beyond. */
const ACK_LOOKAHEAD_MS = DAY;
/** The alarm history route's largest page; a few weeks of a small shop's alarms stay far below it. */
const ALARM_LIMIT = 10_000;

export interface TrialSources {
  config: KitConfig;
  history: HistoryStore;
  alarms: AlarmHistoryReader;
  now?: () => number;
}

/** Everything recorded in [from, min(to, now)), one machine and one zone at a time so memory stays at one machine's minutes. */
export async function readTrialInput(sources: TrialSources, from: number, to: number): Promise<TrialInput> {
  const { config, history, alarms } = sources;
  const now = (sources.now ?? Date.now)();
  const end = Math.min(to, now);
  const machines: TrialInput['machines'] = [];
  for (const machine of config.machines) {
    const { intervals } = await history.timeline(machine.id, from, end);
    const source = machine.source;
    if ('node' in source && source.quantity === 'power') {
      machines.push({ config: machine, timeline: intervals, amps: [], watts: await history.powerMinutes(machine.id, from, end) });
    } else {
      const amps = 'node' in source ? await history.currentMinutes(machine.id, from, end) : [];
      machines.push({ config: machine, timeline: intervals, amps });
    }
  }
  const zones: TrialInput['zones'] = [];
  for (const zone of config.zones) zones.push({ config: zone, minutes: await history.environmentMinutes(zone.id, from, end) });
  const { entries } = await alarms.history(from, Math.min(end + ACK_LOOKAHEAD_MS, now), { limit: ALARM_LIMIT });
  return { config, from, to: end, coverage: await history.coverage(from, end), machines, zones, alarms: entries };
}

/** A scenario's current and climate channels as signal models (count channels are the node's own, drawn as it runs), seeded per node and channel: one place, so the live node and its history agree. */
import { hashInts, hashString } from './random.js';
import type { Scenario } from './scenario.js';
import { ClimateSignal, MachineChannel, MachineSignal } from './signals.js';

export interface ScenarioSignals {
  /** The node's own seed (the scenario's seed mixed with its id), for anything else random it does. */
  nodeSalt: number;
  currents: { id: string; channel: MachineChannel }[];
  climates: { id: string; signal: ClimateSignal }[];
}

export function scenarioSignals(scenario: Scenario): ScenarioSignals {
  const nodeSalt = hashInts(scenario.seed, hashString(scenario.nodeId));
  const currents: ScenarioSignals['currents'] = [];
  const climates: ScenarioSignals['climates'] = [];
  for (const channel of scenario.channels) {
    const salt = hashInts(nodeSalt, hashString(channel.id));
    if (channel.kind === 'current') {
      const signal = new MachineSignal({
        params: channel.machine,
        salt,
        calendar: scenario.calendar,
        tzOffsetMinutes: scenario.tzOffsetMinutes,
        breakdowns: scenario.breakdowns.filter((b) => b.channel === channel.id).map((b) => b.window),
      });
      currents.push({ id: channel.id, channel: new MachineChannel(signal) });
    } else if (channel.kind === 'climate') {
      climates.push({
        id: channel.id,
        signal: new ClimateSignal({ params: scenario.climate, salt, tzOffsetMinutes: scenario.tzOffsetMinutes, offsetC: channel.offsetC }),
      });
    }
  }
  return { nodeSalt, currents, climates };
}

/**
 * A node's past, as the lines it would have sent: for filling a demo kit's history (`--history`). Each line comes with
 * the simulated time it stands for, since the edge would otherwise stamp it with the time it arrived. Same signals and
 * seeds as the live node, so the history and the live demo that follows it tell one story.
 */
import { scenarioSignals } from './channels.js';
import { encodeFrame, formatFixed, nextSeq, type SimFrame } from './encoder.js';
import { scenarioCounters } from './partCounter.js';
import { helloChannels, type Scenario } from './scenario.js';

export interface HistoryLine {
  /** The simulated time of the line, ms since the epoch. */
  ms: number;
  line: string;
}

/**
 * Every line from `from` to `to`, a hello first, then each `stepMs` a current line, a count line per counter whose total moved
 * (its parts made while its machine ran, as the live node counts them; an unchanged total tells the edge nothing, and nights and
 * weekends are most of a week) and a line per climate channel.
 */
export function* historyLines(scenario: Scenario, from: number, to: number, stepMs: number): Generator<HistoryLine> {
  if (!(stepMs > 0)) throw new RangeError(`step must be > 0, got ${stepMs}`);
  const { nodeSalt, currents, climates } = scenarioSignals(scenario);
  const counters = scenarioCounters(scenario, nodeSalt);
  let seq = 0;
  const line = (draft: Record<string, unknown> & { type: SimFrame['type'] }) => {
    const text = encodeFrame({ ...draft, seq } as SimFrame);
    seq = nextSeq(seq);
    return text;
  };
  yield {
    ms: from,
    line: line({
      type: 'hello',
      nodeId: scenario.nodeId,
      firmware: scenario.firmware,
      channels: helloChannels(scenario.channels),
    }),
  };
  for (let ms = from; ms < to; ms += stepMs) {
    const running = new Set<string>();
    if (currents.length > 0) {
      const amps: Record<string, number> = {};
      for (const c of currents) {
        const reading = c.channel.sample(ms);
        amps[c.id] = Number(formatFixed(reading.amps, 2));
        if (reading.state === 'run') running.add(c.id);
      }
      yield { ms, line: line({ type: 'current', amps }) };
    }
    // The machine's state at this line stands for the whole step, as the live node's does for its tick.
    for (const counter of counters) {
      const before = counter.total;
      if (running.has(counter.machine)) counter.run(stepMs, ms);
      if (ms === from || counter.total !== before) yield { ms, line: line(counter.frame(ms, from)) };
    }
    for (const c of climates) {
      const reading = c.signal.sampleAt(ms);
      yield {
        ms,
        line: line({
          type: 'climate',
          channel: c.id,
          temperatureC: Number(formatFixed(reading.temperatureC, 2)),
          humidityPct: Number(formatFixed(reading.humidityPct, 1)),
        }),
      };
    }
  }
}

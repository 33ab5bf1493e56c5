/**
 * A node's past, as the lines it would have sent: for filling a demo kit's history (`--history`). Each line comes with
 * the simulated time it stands for, since the edge would otherwise stamp it with the time it arrived. Same signals and
 * seeds as the live node, so the history and the live demo that follows it tell one story.
 */
import { scenarioSignals } from './channels.js';
import { encodeFrame, formatFixed, nextSeq, type SimFrame } from './encoder.js';
import type { Scenario } from './scenario.js';

export interface HistoryLine {
  /** The simulated time of the line, ms since the epoch. */
  ms: number;
  line: string;
}

/** Every line from `from` to `to`, one current line and one line per climate channel each `stepMs`, a hello first. */
export function* historyLines(scenario: Scenario, from: number, to: number, stepMs: number): Generator<HistoryLine> {
  if (!(stepMs > 0)) throw new RangeError(`step must be > 0, got ${stepMs}`);
  const { currents, climates } = scenarioSignals(scenario);
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
      channels: scenario.channels.map((c) => ({ id: c.id, kind: c.kind })),
    }),
  };
  for (let ms = from; ms < to; ms += stepMs) {
    if (currents.length > 0) {
      const amps: Record<string, number> = {};
      for (const c of currents) amps[c.id] = Number(formatFixed(c.channel.sample(ms).amps, 2));
      yield { ms, line: line({ type: 'current', amps }) };
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

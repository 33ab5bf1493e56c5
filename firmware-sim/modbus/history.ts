/**
 * A bus's past, as its devices would have answered the kit's polls: for filling a demo kit's history (`--history`). Each
 * answer comes with the simulated time of its poll. Same devices, values and calendar as the live bus, so the history and
 * the live demo that follows it tell one story; a meter's energy counts up over the filled days as it would have.
 */
import type { WorkCalendar } from '../signals.js';
import { createSimDevice, livenUp, type SimModel } from './plant.js';

/** One request of the kit's read plan: `fn` 3 (holding) or 4 (input), `count` registers from `start`. */
export interface HistoryRead {
  address: number;
  fn: number;
  start: number;
  count: number;
}

/**
 * Every `stepMs` from `from` to `to`, each read's answer as "<ms> <address> <fn> <start> <word,word,…>", or
 * "<ms> <address> <fn> <start> !<exception code>" where the real device would refuse it.
 */
export function* busHistory(
  devices: { model: SimModel; address: number }[],
  reads: HistoryRead[],
  from: number,
  to: number,
  stepMs: number,
  calendar?: WorkCalendar,
): Generator<string> {
  if (!(stepMs > 0)) throw new RangeError(`step must be > 0, got ${stepMs}`);
  const simulated = new Map(devices.map(({ model, address }) => [address, createSimDevice(model, address)]));
  for (let ms = from; ms < to; ms += stepMs) {
    for (const [address, device] of simulated) livenUp(device, address, ms, calendar);
    for (const read of reads) {
      const device = simulated.get(read.address);
      if (!device) continue;
      const answer = device.read(read.fn, read.start, read.count, ms);
      yield `${ms} ${read.address} ${read.fn} ${read.start} ${typeof answer === 'number' ? `!${answer}` : answer.join(',')}`;
    }
  }
}

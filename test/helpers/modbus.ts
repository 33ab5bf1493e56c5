/** A simulated RS-485 bus of Modbus devices on a real socat pty, and a collector for what the edge's Modbus source emits. */
import { join } from 'node:path';
import type { Frame } from '../../edge/protocol/frame.js';
import type { SourceContext, SourceEvent } from '../../edge/sources/types.js';
import { SimModbusBus, type SimModbusBusOptions } from '../../firmware-sim/modbus/index.js';
import { openPtyPair, type PtyPair } from '../../firmware-sim/ptyPair.js';
import { testLog } from './log.js';
import { requireCommand, waitFor } from './services.js';

export async function startSimulatedBus(dir: string, name = 'rs485', options: SimModbusBusOptions = {}) {
  requireCommand('socat', 'apt-get install socat');
  const links = { nodeLink: join(dir, `${name}.sim`), edgeLink: join(dir, `${name}.edge`) };
  let pair: PtyPair = await openPtyPair(links);
  const sim = new SimModbusBus(pair.nodeLink, options);
  return {
    sim,
    /** Where the edge opens the bus, as it would open /dev/serial/by-id/usb-…. */
    path: links.edgeLink,
    /** Powers the devices up (call after adding them). */
    open: () => sim.open(),
    /** Pulls the USB adapter: the pty pair disappears. */
    async unplug() {
      await sim.close();
      await pair.close();
    },
    async plugIn() {
      pair = await openPtyPair(links);
      await sim.open();
    },
    async stop() {
      await sim.close();
      await pair.close();
    },
  };
}

/** A SourceContext that keeps every event, with waits on them. */
export function eventCollector() {
  const events: SourceEvent[] = [];
  const context: SourceContext = { emit: (event) => events.push(event), log: testLog, now: Date.now };
  return {
    events,
    context,
    frames: <T extends Frame['type']>(device: string, type: T) =>
      events.flatMap((e) =>
        e.kind === 'frame' && e.sourceId === device && e.frame.type === type ? [e.frame as Extract<Frame, { type: T }>] : [],
      ),
    power: (device: string) => events.flatMap((e) => (e.kind === 'power' && e.sourceId === device ? [e.reading] : [])),
    until: <T>(what: string, check: () => T, timeoutMs = 20_000) => waitFor(what, check, timeoutMs),
  };
}

/** The Modbus poll cycle: 8 devices on one simulated RS-485 bus at 9600 baud, measured against the time their frames need on the wire. */

import { parseKitConfig } from '../config/load.js';
import { registersOf } from '../config/modbusMaps.js';
import type { ModbusBusConfig } from '../config/schema.js';
import { createModbusBus } from '../edge/sources/modbus/modbusBus.js';
import { planReads } from '../edge/sources/modbus/readPlan.js';
import { readWireMs } from '../edge/sources/modbus/timing.js';
import { type SimDevice, SimSdm630, SimXyMd02 } from '../firmware-sim/modbus/index.js';
import { startSimulatedBus } from '../test/helpers/modbus.js';
import { log, report, sleep } from './report.js';

const DEVICES = 8;
const BAUD = 9600;
/** The simulated devices' turnaround, from the end of a request to their first byte. */
const TURNAROUND_MS = 5;
const SECONDS = Number(process.env.BENCH_MODBUS_SECONDS ?? 15);

async function cycle(dir: string, map: 'xy-md02' | 'sdm630', make: (address: number) => SimDevice): Promise<void> {
  const bus = await startSimulatedBus(dir, `bench-${map}`, { baudRate: BAUD, turnaroundMs: TURNAROUND_MS });
  for (let address = 1; address <= DEVICES; address++) bus.sim.add(address, make(address));
  await bus.open();
  // Every device asks to be polled every 0.2 s, more than the bus can give: it runs flat out, one request after another.
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `d${i + 1}`, address: i + 1, map, pollSeconds: 0.2, timeoutMs: 1000 }));
  const config = parseKitConfig({
    kit: { id: 'bench', site: 'bench' },
    sources: { modbus: [{ id: 'rs485', path: bus.path, baudRate: BAUD, devices }] },
  });
  const busConfig = config.sources.modbus[0] as ModbusBusConfig;
  const source = createModbusBus(busConfig, { emit: () => {}, log, now: Date.now });
  await source.start();
  await sleep(1000); // the first round opens the port and finds every device
  const polls = () => Object.values(source.stats().devices).reduce((sum, d) => sum + d.answered, 0);
  const before = polls();
  const started = performance.now();
  await sleep(SECONDS * 1000);
  const rounds = (polls() - before) / DEVICES;
  const measuredMs = (performance.now() - started) / rounds;
  const failures = Object.values(source.stats().devices).reduce(
    (sum, d) => sum + Object.values(d.failures).reduce((a, b) => a + (b ?? 0), 0),
    0,
  );
  await source.stop();
  await bus.stop();

  const blocks = planReads(registersOf({ map }));
  const requests = blocks.length * DEVICES;
  const wireMs = DEVICES * blocks.reduce((sum, b) => sum + readWireMs(busConfig, b.count), 0);
  const theoryMs = wireMs + requests * TURNAROUND_MS;
  const registers = blocks.map((b) => b.count).join(' + ');
  report(
    `Modbus poll cycle, ${DEVICES} × ${map} at ${BAUD} 8N1`,
    `${measuredMs.toFixed(0)} ms measured`,
    `${SECONDS} s flat out, ${rounds.toFixed(0)} rounds, ${requests} reads of ${registers} registers a round, ${failures} failed`,
  );
  report(
    `  theoretical frame time (${map})`,
    `${wireMs.toFixed(0)} ms on the wire`,
    `requests, answers and 3.5-character gaps; ${theoryMs.toFixed(0)} ms with the devices' ${TURNAROUND_MS} ms turnaround`,
  );
  report(
    `  overhead of the master (${map})`,
    `${((measuredMs - theoryMs) / requests).toFixed(1)} ms per request`,
    `measured ÷ theoretical = ${(measuredMs / theoryMs).toFixed(2)} (timers, pty, library)`,
  );
}

export async function modbusPollCycle(dir: string): Promise<void> {
  try {
    await cycle(dir, 'xy-md02', (address) => new SimXyMd02(address));
    await cycle(dir, 'sdm630', () => {
      const meter = new SimSdm630();
      meter.setAmps(12);
      return meter;
    });
  } catch (error) {
    report('Modbus poll cycle', 'not run', (error as Error).message.split('\n')[0] as string);
  }
}

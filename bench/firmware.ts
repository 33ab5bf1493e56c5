/** The sensor node's firmware in simavr: how fast the simulator runs it, and its RMS error against the harness's amps. */
import { join } from 'node:path';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { parseLine } from '../edge/protocol/parseLine.js';
import { buildFirmware, startNodeSim } from '../test/helpers/firmware.js';
import { report, sleep } from './report.js';

/** What each CT is set to, and the RMS the harness generates for it (fundamental, harmonic and noise together). */
const PHASES = [
  { label: '50 Hz sine', hz: 50, harmonic: 0, noise: 0 },
  { label: '60 Hz, 30 % 3rd harmonic, 0.05 A noise', hz: 60, harmonic: 0.3, noise: 0.05 },
];
const AMPS = [0.5, 5, 20, 45];
const PHASE_WALL_MS = 6000;

export async function firmwareInTheLoop(dir: string): Promise<void> {
  let harness: string;
  let elf: string;
  try {
    harness = buildFirmware('sim', join(dir, 'firmware'));
    elf = buildFirmware('avr', join(dir, 'firmware'));
  } catch (error) {
    report('firmware in simavr', 'not run', (error as Error).message.split('\n')[0] as string);
    return;
  }
  const sim = await startNodeSim(harness, elf, { fast: true });
  const port = new SerialPort({ path: sim.pty, baudRate: 115200 });
  const readings: { at: number; amps: Record<string, number> }[] = [];
  let lines = 0;
  let rejected = 0;
  port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (raw: string) => {
    lines++;
    const parsed = parseLine(raw.replace(/\r$/, ''));
    if (!parsed.ok) rejected++;
    else if (parsed.frame.type === 'current') readings.push({ at: Date.now(), amps: parsed.frame.amps });
  });

  try {
    for (const phase of PHASES) {
      await sim.command(`hz ${phase.hz}`);
      for (const [i, a] of AMPS.entries()) {
        await sim.command(`amps ${i + 1} ${a}`);
        await sim.command(`harmonic ${i + 1} 3 ${phase.harmonic}`);
        await sim.command(`noise ${i + 1} ${phase.noise}`);
      }
      const since = Date.now() + 500; // skip the reading that straddles the change
      const before = await sim.status();
      const linesBefore = lines;
      await sleep(PHASE_WALL_MS);
      const after = await sim.status();
      const wallS = PHASE_WALL_MS / 1000;
      const simulated = after.seconds - before.seconds;
      report(
        `firmware in simavr, ${phase.label}`,
        `${((lines - linesBefore) / wallS).toFixed(1)} lines/s, ×${(simulated / wallS).toFixed(1)} real time`,
        `ATmega328P at 16 MHz, 4 CTs + SHT31, --fast; the board itself sends ~1.6 lines/s`,
      );
      let worstPct = 0;
      let worstA = 0;
      const used = readings.filter((r) => r.at >= since);
      for (const r of used) {
        for (const [i, a] of AMPS.entries()) {
          const truth = Math.sqrt(a * a * (1 + phase.harmonic ** 2) + phase.noise ** 2);
          const error = Math.abs((r.amps[`ct${i + 1}`] ?? Number.NaN) - truth);
          worstA = Math.max(worstA, error);
          if (truth >= 1) worstPct = Math.max(worstPct, (100 * error) / truth);
        }
      }
      report(
        `  RMS error, ${phase.label}`,
        `max ${worstA.toFixed(3)} A, ${worstPct.toFixed(2)} % (≥ 1 A)`,
        `${used.length} readings × 4 CTs at ${AMPS.join(' / ')} A; bound ±(1 % + 0.1 A)`,
      );
    }
    if (rejected > 0) report('firmware in simavr: lines the edge rejected', String(rejected), 'should be 0');
  } finally {
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await sim.stop();
  }
}

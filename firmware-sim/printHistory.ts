/**
 * Prints a history's lines (`--history`) on stdout in large chunks, waiting whenever the pipe is full. The kit reads them only
 * as fast as it writes them to InfluxDB; without the wait, Node queued the week in the simulator's memory (its RSS reached
 * 226 MB beside the kit, 104 MB with the wait: bench/demoBackfill.ts).
 */
import { once } from 'node:events';

export async function printHistory(lines: Iterable<string>, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length < 65536) continue;
    if (!out.write(chunk)) await once(out, 'drain');
    chunk = '';
  }
  if (chunk !== '' && !out.write(chunk)) await once(out, 'drain');
}

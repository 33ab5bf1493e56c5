/** Serial benchmark: how soon the edge reads a sensor node again after its cable was pulled and plugged back in. */
import { createWriteStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import pino from 'pino';
import { parseKitConfig } from '../config/load.js';
import { serialBinding } from '../edge/sources/serial/binding.js';
import { createSerialNode } from '../edge/sources/serial/serialNode.js';
import { SimNode } from '../firmware-sim/node.js';
import { openPtyPair } from '../firmware-sim/ptyPair.js';
import { loadScenario } from '../firmware-sim/scenario.js';
import { percentile, report, sleep } from './report.js';

const PULLS = 50;
// Re-plugged at once up to seconds later: long gaps are where a growing retry backoff used to cost 5–11 s.
const GAPS_MS = [0, 20, 100, 500, 2000];

/**
 * 50 pulls of a pty pair under the real edge source (shipped backoff and device watch). "Back" is when the
 * edge link reappeared (its ctime); "open" is when the edge opened the port, "first line" when it read the
 * hello the node sends once the port is open. The baseline is the port open alone, on a device that is there.
 */
export async function serialReconnect(dir: string): Promise<void> {
  const links = { nodeLink: join(dir, 'replug.node'), edgeLink: join(dir, 'replug.edge') };
  const scenario = await loadScenario('normal-day');
  let openedAt = 0;
  const log = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        if (line.includes('"serial port open"')) openedAt = Date.now();
      },
    },
  );
  let helloAt = 0;
  let offline = 0;
  let lines = 0;
  const config = parseKitConfig({ kit: { id: 'bench', site: 'bench' }, sources: { serial: [{ id: 'n1', path: links.edgeLink }] } });
  const source = createSerialNode(config.sources.serial[0] as (typeof config.sources.serial)[number], {
    log,
    now: Date.now,
    emit: (event) => {
      if (event.kind === 'frame') {
        lines++;
        if (event.frame.type === 'hello' && event.frame.seq === 0) helloAt = Date.now();
      } else if (event.kind === 'online' && !event.online) offline++;
    },
  });
  await source.start();

  const toOpen: number[] = [];
  const toFirstLine: number[] = [];
  let sent = 0;
  for (let i = 0; i < PULLS; i++) {
    openedAt = 0;
    helloAt = 0;
    const pair = await openPtyPair(links);
    const back = (await lstat(links.edgeLink)).ctimeMs;
    const deadline = Date.now() + 30_000;
    while (openedAt === 0 && Date.now() < deadline) await sleep(2);
    if (openedAt === 0) throw new Error(`serial bench: the edge did not reopen the port after re-plug ${i}`);
    // The node sends once the port is open, as firmware waiting for the host does (the open flushes the port's input).
    const output = createWriteStream(pair.nodeLink);
    output.on('error', () => {});
    const node = new SimNode(output, scenario, { linesPerSecond: 50 });
    node.on('error', () => {});
    node.start();
    while (helloAt === 0 && Date.now() < deadline) await sleep(2);
    if (helloAt === 0) throw new Error(`serial bench: the edge did not read the node again after re-plug ${i}`);
    toOpen.push(openedAt - back);
    toFirstLine.push(helloAt - back);
    await sleep(100);
    await node.stop();
    sent += node.sentCount.lines;
    // Pulled once the node's lines are all read, so that any line missing was lost after the re-plug.
    for (let wait = 0; wait < 250 && lines < sent; wait++) await sleep(20);
    await pair.close();
    output.destroy();
    await sleep(GAPS_MS[i % GAPS_MS.length] as number);
  }
  for (let i = 0; i < 100 && offline < PULLS; i++) await sleep(20);
  await source.stop();

  // Baseline: opening the port on a device that is there all along.
  const opens: number[] = [];
  const pair = await openPtyPair({ nodeLink: join(dir, 'plain.node'), edgeLink: join(dir, 'plain.edge') });
  for (let i = 0; i < PULLS; i++) {
    const port = new SerialPortStream({ binding: serialBinding, path: pair.edgeLink, baudRate: 115200, autoOpen: false });
    const started = performance.now();
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    opens.push(performance.now() - started);
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
  await pair.close();

  const ms = (values: number[]) => `median ${percentile(values, 50).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
  const workload = `${PULLS} pulls of a socat pty, gaps ${GAPS_MS.join('/')} ms, shipped backoff`;
  report('serial re-plug → port open', ms(toOpen), workload);
  report(
    'serial re-plug → first line read',
    ms(toFirstLine),
    `same; ${offline}/${PULLS} pulls noticed, ${sent - lines} of ${sent} lines lost`,
  );
  report('  baseline: port open alone', `median ${percentile(opens, 50).toFixed(2)} ms`, `${PULLS} opens of a pty that is there`);
}

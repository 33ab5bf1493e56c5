import { createWriteStream } from 'node:fs';
import { rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPortStream } from '@serialport/stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import type { Frame } from '../../edge/protocol/frame.js';
import { Backoff } from '../../edge/sources/backoff.js';
import { serialBinding } from '../../edge/sources/serial/binding.js';
import { createSerialNode } from '../../edge/sources/serial/serialNode.js';
import type { SourceEvent } from '../../edge/sources/types.js';
import { SimNode } from '../../firmware-sim/node.js';
import { openPtyPair, type PtyPair } from '../../firmware-sim/ptyPair.js';
import { loadScenario } from '../../firmware-sim/scenario.js';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The edge's serial source on `path`, with the frames it received filed by session: each hello (seq 0) opens one. */
function watchedSource(path: string) {
  const sessions: number[][] = [];
  const offline: string[] = [];
  const problems: SourceEvent[] = [];
  const messages: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => messages.push(JSON.parse(line).msg) });
  const config = parseKitConfig({
    kit: { id: 'k', site: 's' },
    sources: { serial: [{ id: 'n1', path, silentAfterSeconds: 600 }] },
  });
  const emit = (event: SourceEvent) => {
    if (event.kind === 'frame') {
      const frame: Frame = event.frame;
      if (frame.type === 'hello' && frame.seq === 0) sessions.push([]);
      sessions.at(-1)?.push(frame.seq);
    } else if (event.kind === 'online' && !event.online) offline.push(event.detail ?? '');
    else if (event.kind === 'lost' || event.kind === 'rejected') problems.push(event);
  };
  // A one-minute retry: every reopen within this test's waits must come from watching the device path.
  const source = createSerialNode(
    config.sources.serial[0] as (typeof config.sources.serial)[number],
    { emit, log, now: Date.now },
    {
      backoff: new Backoff(60_000, 60_000),
    },
  );
  return {
    source,
    sessions,
    offline,
    problems,
    received: (session: number) => sessions[session]?.length ?? 0,
    opens: () => messages.filter((m) => m === 'serial port open').length,
  };
}

/**
 * A node that starts sending once the edge has its port open, as firmware that waits for the host (DTR) does:
 * whatever reaches a serial port at the instant it opens is discarded by the open's input flush (bindings-cpp),
 * on real cables as here, so the lines a test can promise are those sent to an open port.
 */
async function plugIn(pair: PtyPair, sent: number[]) {
  const output = createWriteStream(pair.nodeLink);
  output.on('error', () => {}); // EIO once the cable is pulled
  const node = new SimNode(output, await loadScenario('normal-day'), {
    linesPerSecond: 200,
    onLine: (_line, frame) => {
      if (frame) sent.push(frame.seq);
    },
  });
  node.on('error', () => {});
  node.start();
  return {
    /** Stops sending; the cable stays in. */
    quiet: () => node.stop(),
    async unplug() {
      await node.stop();
      output.destroy();
    },
  };
}

describe('a pulled serial cable', () => {
  it('reports a hang-up on a port whose device vanished before it was read (bindings-cpp alone retries end of file for ever)', async () => {
    requireCommand('socat', 'apt-get install socat');
    const dir = tempDir('hangup');
    cleanups.push(() => dir.remove());
    const pair = await openPtyPair({ nodeLink: join(dir.path, 'n.node'), edgeLink: join(dir.path, 'n.edge') });
    cleanups.push(() => pair.close());
    const port = new SerialPortStream({ binding: serialBinding, path: pair.edgeLink, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    cleanups.push(() => port.isOpen && port.close());
    let closedWith: Error | null | undefined;
    port.on('close', (error: Error | null) => {
      closedWith = error;
    });
    // Nothing has read yet: the first read meets a tty that is already hung up and returns 0 bytes.
    await pair.close();
    port.on('data', () => {});
    await waitFor('the port to close after the hang-up', () => closedWith !== undefined, 10_000);
    expect(closedWith?.message).toMatch(/hung up \(read returned end of file\)/);
  });

  it('notices each of 50 pulls, reopens the node on each re-plug and loses none of the lines it sends to the reopened port', async () => {
    requireCommand('socat', 'apt-get install socat');
    const dir = tempDir('replug');
    cleanups.push(() => dir.remove());
    const links = { nodeLink: join(dir.path, 'n.node'), edgeLink: join(dir.path, 'n.edge') };
    const edge = watchedSource(links.edgeLink);
    cleanups.push(() => edge.source.stop());
    await edge.source.start(); // nothing plugged in yet

    // Short gaps re-plug before (or while) the edge notices the pull; long ones outlast many looks at the path.
    const gapsMs = [0, 5, 20, 50, 100, 200, 400, 700, 1000, 2500];
    const pulls = 50;
    const sent: number[][] = [];
    for (let i = 0; i < pulls; i++) {
      const pair = await openPtyPair(links);
      await waitFor(`re-plug ${i}: the port reopened`, () => edge.opens() === i + 1, 20_000);
      sent.push([]);
      const node = await plugIn(pair, sent[i] as number[]);
      await waitFor(`re-plug ${i}: the edge reading the node`, () => edge.sessions.length === i + 1 && edge.received(i) >= 10, 20_000);
      // Half the pulls come once the node fell quiet and all it sent arrived, half while it is sending.
      if (i % 2 === 0) {
        await node.quiet();
        await waitFor(`re-plug ${i}: every line the node sent`, () => edge.received(i) === sent[i]?.length, 20_000);
      }
      await pair.close();
      await node.unplug();
      await sleep(gapsMs[i % gapsMs.length] as number);
    }
    await waitFor('the last pull noticed', () => edge.offline.length === pulls, 10_000);

    expect(edge.opens()).toBe(pulls); // one open per re-plug: the edge never let go of a node that was there
    expect(edge.offline).toHaveLength(pulls);
    expect(edge.problems).toEqual([]);
    for (const [i, received] of edge.sessions.entries()) {
      // Pulled mid-stream, the lines on the wire at that moment are the pull's loss; everything before them arrived, in order.
      const expected = i % 2 === 0 ? sent[i] : sent[i]?.slice(0, received.length);
      expect(received, `session ${i}`).toEqual(expected);
    }
    const reasons = new Map<string, number>();
    for (const reason of edge.offline) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    const lines = edge.sessions.reduce((sum, s) => sum + s.length, 0);
    console.log(
      `${pulls} pulls: ${lines} lines received, none lost after a re-plug; noticed by: ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
  }, 180_000);

  it('reopens at once when the by-id link is moved to a new tty while the old one stays open', async () => {
    requireCommand('socat', 'apt-get install socat');
    const dir = tempDir('byid');
    cleanups.push(() => dir.remove());
    const byId = join(dir.path, 'usb-Minotake_node-if00');
    const first = await openPtyPair({ nodeLink: join(dir.path, 'a.node'), edgeLink: join(dir.path, 'a.edge') });
    cleanups.push(() => first.close());
    await symlink(first.edgeLink, byId);
    const edge = watchedSource(byId);
    cleanups.push(() => edge.source.stop());
    await edge.source.start();
    const a = await plugIn(first, []);
    cleanups.push(() => a.unplug());
    await waitFor('the first node read', () => edge.received(0) >= 10);

    // udev re-points the link; the old tty does not hang up, so only the path can tell.
    const second = await openPtyPair({ nodeLink: join(dir.path, 'b.node'), edgeLink: join(dir.path, 'b.edge') });
    cleanups.push(() => second.close());
    await symlink(second.edgeLink, `${byId}.new`);
    await rename(`${byId}.new`, byId);
    await waitFor('the port reopened on the new tty', () => edge.opens() === 2);
    const sentByB: number[] = [];
    const b = await plugIn(second, sentByB);
    cleanups.push(() => b.unplug());
    await waitFor('the second node read', () => edge.received(1) >= 10);
    await b.quiet();
    await waitFor('every line of the second node', () => edge.received(1) === sentByB.length);
    expect(edge.sessions[1]).toEqual(sentByB);
    expect(edge.offline).toEqual(['device path now leads to another device']);
  });
});

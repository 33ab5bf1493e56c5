import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { Backoff } from '../../edge/sources/backoff.js';
import { createSerialNode } from '../../edge/sources/serial/serialNode.js';
import { openPtyPair } from '../../firmware-sim/ptyPair.js';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('serial port watchdog', () => {
  it('reopens a port that stays open but brings no data (a hung adapter, a vanished pty)', async () => {
    requireCommand('socat', 'apt-get install socat');
    const dir = tempDir('watchdog');
    cleanups.push(() => dir.remove());
    const pair = await openPtyPair({ nodeLink: join(dir.path, 'n.node'), edgeLink: join(dir.path, 'n.edge') });
    cleanups.push(() => pair.close());
    const messages: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => messages.push(JSON.parse(line).msg) });
    const config = parseKitConfig({
      kit: { id: 'k', site: 's' },
      sources: { serial: [{ id: 'n1', path: pair.edgeLink, silentAfterSeconds: 1 }] },
    });
    const source = createSerialNode(
      config.sources.serial[0] as (typeof config.sources.serial)[number],
      { emit: () => {}, log, now: Date.now },
      {
        backoff: new Backoff(50, 200),
      },
    );
    cleanups.push(() => source.stop());
    await source.start();
    // Nobody writes to the node end: the port is open and silent.
    await waitFor('the port reopened twice', () => messages.filter((m) => m === 'serial port open').length >= 3, 10_000);
    expect(messages).toContain('no data on an open serial port, reopening it');
  });
});

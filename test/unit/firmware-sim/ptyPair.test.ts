import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimNode } from '../../../firmware-sim/node.js';
import { openPtyPair, PtyError, type PtyPair } from '../../../firmware-sim/ptyPair.js';
import { loadScenario, type Scenario } from '../../../firmware-sim/scenario.js';
import { checkLine } from './lineCheck.js';

/** Reads the edge end like a serial port would, until `count` CRLF lines have arrived. */
function readLines(path: string, count: number, timeoutMs = 10_000) {
  const stream = createReadStream(path, { encoding: 'latin1' });
  const lines = new Promise<string[]>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`only ${text.split('\r\n').length - 1} of ${count} lines arrived on ${path}`)),
      timeoutMs,
    );
    stream.on('data', (chunk) => {
      text += chunk;
      const parts = text.split('\r\n');
      if (parts.length - 1 >= count) {
        clearTimeout(timer);
        resolve(parts.slice(0, count));
      }
    });
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  // A read blocked on the pty only returns when data comes or the pty goes away, so the stream is
  // destroyed before the pair is closed and its 'close' awaited afterwards.
  return { lines, stream };
}

async function gone(path: string): Promise<boolean> {
  return lstat(path).then(
    () => false,
    () => true,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pty pair (socat)', () => {
  let dir: string;
  let scenario: Scenario;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minotake-pty-'));
    scenario = await loadScenario('normal-day');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function carryLines(pair: PtyPair, count: number): Promise<string[]> {
    const reader = readLines(pair.edgeLink, count);
    const node = new SimNode(pair.nodeLink, scenario, { linesPerSecond: 200, maxLines: count });
    node.start();
    try {
      return await reader.lines;
    } finally {
      await node.stop();
      reader.stream.destroy();
    }
  }

  it('carries SimNode lines from the node link to the edge link, and comes back after the cable is pulled', async () => {
    const links = { nodeLink: join(dir, 'node-a-node'), edgeLink: join(dir, 'node-a-edge') };
    const pair = await openPtyPair(links);
    expect((await lstat(pair.nodeLink)).isSymbolicLink()).toBe(true);
    expect((await lstat(pair.edgeLink)).isSymbolicLink()).toBe(true);
    expect(pair.nodeDevice).toMatch(/^\/dev\/pts\/\d+$/);
    expect(pair.edgeDevice).toMatch(/^\/dev\/pts\/\d+$/);

    const first = await carryLines(pair, 30);
    expect(first[0]).toBe('M1,0,H,node-a,1.2.0,ct1:I;ct2:I;ct3:I;ct4:I;env1:C*9129');
    first.forEach((line, index) => {
      expect(checkLine(line)?.crcOk).toBe(true);
      expect(checkLine(line)?.seq).toBe(index);
    });

    // A second pair cannot take links that are in use.
    await expect(openPtyPair(links)).rejects.toMatchObject({ code: 'PTY_LINK_IN_USE' });

    await pair.close();
    expect(await gone(links.nodeLink)).toBe(true);
    expect(await gone(links.edgeLink)).toBe(true);
    expect(alive(pair.pid)).toBe(false);
    expect(await pair.exited).not.toBeUndefined();

    // Plugged back in: same paths, a fresh node (seq restarts at 0 with its hello).
    const again = await openPtyPair(links);
    try {
      const second = await carryLines(again, 10);
      expect(second).toHaveLength(10);
      expect(checkLine(second[0] as string)?.seq).toBe(0);
      expect(second.every((line) => checkLine(line)?.crcOk)).toBe(true);
    } finally {
      await again.close();
    }
    expect(await gone(links.edgeLink)).toBe(true);
  });

  it('says how to install socat when it is missing', async () => {
    const attempt = openPtyPair({ nodeLink: join(dir, 'x-node'), edgeLink: join(dir, 'x-edge'), socatPath: join(dir, 'no-such-socat') });
    await expect(attempt).rejects.toBeInstanceOf(PtyError);
    await expect(attempt).rejects.toMatchObject({
      code: 'SOCAT_NOT_FOUND',
      message: "socat not found: install it with 'apt-get install socat'",
    });
  });

  it('refuses link paths that socat would misread', async () => {
    await expect(openPtyPair({ nodeLink: join(dir, 'a,b'), edgeLink: join(dir, 'edge') })).rejects.toMatchObject({ code: 'PTY_BAD_LINK' });
  });
});

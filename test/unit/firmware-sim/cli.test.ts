import { lstatSync } from 'node:fs';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP, main, parseCliArgs, resolveStartAt, UsageError } from '../../../firmware-sim/cli.js';
import { checkLine, splitWire } from './lineCheck.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('firmware-sim CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minotake-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses its options with defaults', () => {
    expect(parseCliArgs(['--port', '/dev/ttyUSB0'])).toEqual({
      scenario: 'normal-day',
      port: '/dev/ttyUSB0',
      ptyDir: null,
      edgeLink: null,
      rate: 1,
      nodeId: null,
      speed: 1,
      startAt: null,
      lines: null,
      calendar: null,
      history: null,
      stepS: 10,
      mqtt: null,
    });
    expect(
      parseCliArgs([
        '--scenario',
        'heat-wave',
        '--pty',
        '/tmp/x',
        '--rate',
        '50',
        '--node',
        'node-b',
        '--speed',
        '60',
        '--start-at',
        '13:00',
        '--lines',
        '9',
      ]),
    ).toEqual({
      scenario: 'heat-wave',
      port: null,
      ptyDir: '/tmp/x',
      edgeLink: null,
      rate: 50,
      nodeId: 'node-b',
      speed: 60,
      startAt: '13:00',
      lines: 9,
      calendar: null,
      history: null,
      stepS: 10,
      mqtt: null,
    });
    expect(parseCliArgs(['--mqtt', 'mqtts://kit.local:8883', '--kit', 'demo', '--ca', 'kit.crt'])?.mqtt).toEqual({
      url: 'mqtts://kit.local:8883',
      kit: 'demo',
      username: null,
      ca: 'kit.crt',
    });
    // The demo's history needs no port: the lines go to stdout with their simulated times.
    expect(
      parseCliArgs(['--history', '2025-06-02T00:00:00Z/1748912400000', '--step', '5', '--calendar', '{"weekdays":["mon"]}']),
    ).toMatchObject({
      history: { from: Date.parse('2025-06-02T00:00:00Z'), to: 1748912400000 },
      stepS: 5,
      calendar: '{"weekdays":["mon"]}',
    });
    expect(() => parseCliArgs(['--history', '2025-06-02/2025-06-01'])).toThrow(/from before to/);
    expect(parseCliArgs(['--help'])).toBeNull();
    expect(parseCliArgs(['-h'])).toBeNull();
  });

  it('rejects bad command lines with a usage error', () => {
    expect(() => parseCliArgs([])).toThrow(UsageError);
    expect(() => parseCliArgs(['--port', 'a', '--pty', 'b'])).toThrow(/exactly one of --port, --pty, --edge-link and --mqtt/);
    expect(() => parseCliArgs(['--mqtt', 'http://kit:1883', '--kit', 'demo'])).toThrow(/mqtt:\/\/ or mqtts:\/\//);
    expect(() => parseCliArgs(['--mqtt', 'mqtt://kit:1883'])).toThrow(/needs the kit id/);
    expect(() => parseCliArgs(['--port', 'a', '--rate', 'fast'])).toThrow(/--rate must be a positive number/);
    expect(() => parseCliArgs(['--port', 'a', '--lines', '2.5'])).toThrow(/--lines must be a positive integer/);
    expect(() => parseCliArgs(['--port', 'a', '--node', 'Node B'])).toThrow(/--node/);
    expect(() => parseCliArgs(['--port', 'a', '--colour'])).toThrow(UsageError);
  });

  it('has help in Japanese and English', () => {
    expect(HELP).toContain('使い方 / Usage');
    expect(HELP).toContain('--scenario');
    expect(HELP).toContain('--pty');
    expect(HELP).toMatch(/pty の組/);
    expect(HELP).toMatch(/print the edge-side path/);
  });

  it('resolves --start-at as a local clock time today or an ISO date-time', () => {
    const now = Date.UTC(2025, 5, 2, 1, 0); // 10:00 in Tokyo
    expect(new Date(resolveStartAt('13:00', { tzOffsetMinutes: 540 }, now)).toISOString()).toBe('2025-06-02T04:00:00.000Z');
    expect(resolveStartAt('2025-06-02T13:00:00+09:00', { tzOffsetMinutes: 540 }, now)).toBe(Date.UTC(2025, 5, 2, 4));
    expect(() => resolveStartAt('1pm', { tzOffsetMinutes: 540 }, now)).toThrow(UsageError);
  });

  it('writes the requested lines to a port and exits 0', async () => {
    const port = join(dir, 'port.txt');
    const { io, out, err } = capture();
    const code = await main(['--scenario', 'normal-day', '--port', port, '--rate', '500', '--lines', '25', '--node', 'node-z'], io);
    expect(code).toBe(0);
    expect(out).toEqual([]);
    expect(err.join('')).toMatch(/sent 25 lines/);
    const { lines, rest } = splitWire(await readFile(port, 'latin1'));
    expect(rest).toBe('');
    expect(lines).toHaveLength(25);
    expect(lines[0]).toMatch(/^M1,0,H,node-z,1\.2\.0,ct1:I;ct2:I;ct3:I;ct4:I;env1:C\*/);
    expect(lines.map((line) => checkLine(line)?.seq)).toEqual(lines.map((_, index) => index));
    expect(lines.every((line) => checkLine(line)?.crcOk)).toBe(true);
  });

  it('creates its own pty pair with --pty, prints the edge path and removes the links at the end', async () => {
    const ptyDir = join(dir, 'pty');
    let edgeWasThere = false;
    const { io, out, err } = capture();
    const printed = io.out;
    io.out = (text: string) => {
      printed(text);
      edgeWasThere = lstatSync(text.trim()).isSymbolicLink();
    };
    const code = await main(['--pty', ptyDir, '--rate', '200', '--lines', '10'], io);
    expect(code, err.join('')).toBe(0);
    expect(out).toEqual([`${ptyDir}/node-a-edge\n`]);
    expect(edgeWasThere).toBe(true);
    await expect(lstat(join(ptyDir, 'node-a-edge'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(join(ptyDir, 'node-a-node'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 with the help on a usage error and 1 when the scenario is missing', async () => {
    const usage = capture();
    expect(await main(['--rate', '3'], usage.io)).toBe(2);
    expect(usage.err.join('')).toContain('使い方 / Usage');
    const missing = capture();
    expect(await main(['--scenario', 'no-such-day', '--port', join(dir, 'never.txt')], missing.io)).toBe(1);
    expect(missing.err.join('')).toMatch(/scenario not found: no-such-day/);
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('')).toMatch(/breakdown, demo-week, heat-wave, normal-day/);
  });
});

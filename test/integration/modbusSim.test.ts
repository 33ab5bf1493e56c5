import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimSdm630, SimXyMd02 } from '../../firmware-sim/modbus/index.js';
import { startSimulatedBus } from '../helpers/modbus.js';
import { requireCommand, tempDir } from '../helpers/services.js';

/** The Modbus slave simulator held to an independent master: mbpoll (libmodbus), as mosquitto_sub holds the broker. */

function mbpoll(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireCommand('mbpoll', 'apt-get install mbpoll');
  return new Promise((resolve) => {
    const child = spawn('mbpoll', ['-m', 'rtu', '-b', '9600', '-P', 'none', '-0', '-1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** mbpoll prints each value as `[reference]: value`. */
const values = (stdout: string) => [...stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)].map((m) => Number(m[2]));

describe('simulated Modbus devices, read by mbpoll', () => {
  const dir = tempDir('modbus-sim');
  let bus: Awaited<ReturnType<typeof startSimulatedBus>>;
  const sensor = new SimXyMd02(1);
  const meter = new SimSdm630();

  beforeAll(async () => {
    Object.assign(sensor, { temperatureC: -4.2, humidityPct: 66.6 });
    meter.setAmps(12.5);
    bus = await startSimulatedBus(dir.path);
    bus.sim.add(1, sensor).add(2, meter).add(3, new SimXyMd02(3), { exception: 4 });
    await bus.open();
  });
  afterAll(async () => {
    await bus?.stop();
    dir.remove();
  });

  it('answers the XY-MD02 registers in tenths, the temperature signed', async () => {
    const run = await mbpoll(['-a', '1', '-t', '3', '-r', '1', '-c', '2', bus.path]);
    expect(run.code, run.stderr).toBe(0);
    expect(values(run.stdout)).toEqual([0x10000 - 42, 666]);
  });

  it('answers the SDM630 as big-endian floats', async () => {
    const run = await mbpoll(['-a', '2', '-t', '3:float', '-B', '-r', '6', '-c', '3', bus.path]);
    expect(run.code, run.stderr).toBe(0);
    expect(values(run.stdout)).toEqual([12.5, 12.5, 12.5]);
    const sum = await mbpoll(['-a', '2', '-t', '3:float', '-B', '-r', '48', '-c', '1', bus.path]);
    expect(values(sum.stdout)).toEqual([37.5]);
  });

  it('refuses a register it does not have, and says so with the exception a real device sends', async () => {
    const missing = await mbpoll(['-a', '1', '-t', '3', '-r', '0', '-c', '1', bus.path]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr + missing.stdout).toMatch(/Illegal data address/i);
    const broken = await mbpoll(['-a', '3', '-t', '3', '-r', '1', '-c', '2', bus.path]);
    expect(broken.stderr + broken.stdout).toMatch(/Slave device or server failure/i);
  });

  it('stays silent for an address nobody has', async () => {
    const nobody = await mbpoll(['-a', '9', '-t', '3', '-r', '1', '-c', '1', '-o', '0.3', bus.path]);
    expect(nobody.stderr + nobody.stdout).toMatch(/timed out/i);
    expect(bus.sim.stats.unaddressed).toBeGreaterThan(0);
  });
});

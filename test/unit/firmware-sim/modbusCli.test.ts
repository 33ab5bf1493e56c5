import { describe, expect, it } from 'vitest';
import { busHistory } from '../../../firmware-sim/modbus/history.js';
import { type SimSdm120, SimSdm630, type SimXyMd02 } from '../../../firmware-sim/modbus/index.js';
import { createSimDevice, livenUp } from '../../../firmware-sim/modbus/plant.js';
import { parseModbusArgs, UsageError } from '../../../firmware-sim/modbusCli.js';

describe('Modbus simulator command line', () => {
  it('takes devices, faults and the bus settings', () => {
    const options = parseModbusArgs([
      '--pty',
      '/tmp/x',
      '--device',
      'xy-md02@1',
      '--device',
      'sdm630@12',
      '--fault',
      '12:crc=0.2',
      '--fault',
      '1:silent',
      '--baud',
      '19200',
      '--parity',
      'even',
    ]);
    expect(options?.devices).toEqual([
      { model: 'xy-md02', address: 1 },
      { model: 'sdm630', address: 12 },
    ]);
    expect(options?.faults.get(12)).toEqual({ badCrc: 0.2 });
    expect(options?.faults.get(1)).toEqual({ silent: true });
    expect(options).toMatchObject({ ptyDir: '/tmp/x', baudRate: 19200, parity: 'even' });
    expect(parseModbusArgs(['--help'])).toBeNull();
  });

  it('says what is wrong with a bad command line', () => {
    const bad = [
      ['--pty', '/tmp/x'],
      ['--pty', '/tmp/x', '--device', 'sdm999@1'],
      ['--pty', '/tmp/x', '--device', 'xy-md02@248'],
      ['--device', 'xy-md02@1'],
      ['--pty', '/tmp/x', '--port', '/dev/ttyUSB0', '--device', 'xy-md02@1'],
      ['--pty', '/tmp/x', '--device', 'xy-md02@1', '--fault', '1:loud'],
      ['--pty', '/tmp/x', '--device', 'xy-md02@1', '--parity', 'mark'],
      ['--device', 'xy-md02@1', '--history', '2026-06-01T00:00Z/2026-06-02T00:00Z'],
      ['--device', 'xy-md02@1', '--history', '2026-06-02T00:00Z/2026-06-01T00:00Z', '--read', '1:4:1:2'],
      ['--device', 'xy-md02@1', '--history', '0/60000', '--read', '1:5:1:2'],
      ['--device', 'xy-md02@1', '--history', '0/60000', '--read', '1:4:1:200'],
      ['--device', 'xy-md02@1', '--history', '0/60000', '--read', '1:4:1:2', '--step', '0'],
    ];
    for (const argv of bad) expect(() => parseModbusArgs(argv), argv.join(' ')).toThrow(UsageError);
  });

  it('moves meters through run, idle and stop, and climate within a shop floor range', () => {
    const meter = createSimDevice('sdm120', 2) as SimSdm120;
    const seen = new Set<string>();
    for (let t = 0; t < 7 * 60_000; t += 10_000) {
      livenUp(meter, 2, t);
      seen.add(meter.amps > 5 ? 'run' : meter.amps > 1 ? 'idle' : 'stop');
    }
    expect(seen).toEqual(new Set(['run', 'idle', 'stop']));
    const sensor = createSimDevice('xy-md02', 1) as SimXyMd02;
    livenUp(sensor, 1, Date.UTC(2026, 6, 1, 5));
    expect(sensor.temperatureC).toBeGreaterThan(15);
    expect(sensor.temperatureC).toBeLessThan(35);
    expect(createSimDevice('sdm630', 3)).toBeInstanceOf(SimSdm630);
  });

  it('answers the kit’s read plan over a past period as the live devices would have, a refused read as its exception', () => {
    const options = parseModbusArgs(['--device', 'xy-md02@2', '--history', '0/30000', '--read', '2:4:1:2', '--read', '2:3:0:1']);
    expect(options).toMatchObject({ history: { from: 0, to: 30_000 }, stepS: 10, reads: [{ address: 2, fn: 4, start: 1, count: 2 }, {}] });
    const lines = [...busHistory([{ model: 'xy-md02', address: 2 }], options?.reads ?? [], 0, 30_000, 10_000)];
    expect(lines).toHaveLength(6);
    const sensor = createSimDevice('xy-md02', 2) as SimXyMd02;
    livenUp(sensor, 2, 20_000);
    expect(lines[4]).toBe(`20000 2 4 1 ${Math.round(sensor.temperatureC * 10)},${Math.round(sensor.humidityPct * 10)}`);
    // Holding register 0 is not in the XY-MD02's table: illegal data address (2), as the device answers.
    expect(lines[5]).toBe('20000 2 3 0 !2');
  });
});

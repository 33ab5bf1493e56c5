import { describe, expect, it } from 'vitest';
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
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  crc16Modbus,
  crcOk,
  EXCEPTION,
  encodeException,
  encodeRegisters,
  encodeRequest,
  parseRequest,
  READ_HOLDING,
  READ_INPUT,
  SimSdm120,
  SimSdm630,
  SimXyMd02,
} from '../../../firmware-sim/modbus/index.js';
import { mulberry32 } from '../../../firmware-sim/random.js';

// The edge's Modbus library brings its own CRC: the two, written apart, must agree.
const libraryCrc = createRequire(import.meta.url)('modbus-serial/utils/crc16.js') as (bytes: Buffer) => number;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

describe('simulated Modbus frames and CRC-16/MODBUS', () => {
  it('gives the catalogue check value and the CRCs printed in device manuals', () => {
    expect(crc16Modbus(Buffer.from('123456789'))).toBe(0x4b37);
    // "01 03 00 00 00 01 84 0A": read one holding register of unit 1, the example of countless manuals.
    expect(hex(encodeRequest(1, READ_HOLDING, 0, 1))).toBe('010300000001840A');
    // The XY-MD02's own manual: read temperature and humidity.
    expect(hex(encodeRequest(1, READ_INPUT, 1, 2))).toBe('010400010002200B');
  });

  it('agrees with the CRC of the library the edge uses on random frames', () => {
    const random = mulberry32(7);
    for (let n = 0; n < 200; n++) {
      const frame = Buffer.from(Array.from({ length: 1 + (n % 60) }, () => Math.floor(random() * 256)));
      expect(crc16Modbus(frame)).toBe(libraryCrc(frame));
    }
  });

  it('parses requests and refuses a damaged one', () => {
    const request = encodeRequest(7, READ_INPUT, 0x0156, 2);
    expect(parseRequest(request)).toEqual({ ok: true, unit: 7, fn: READ_INPUT, start: 0x0156, count: 2 });
    const damaged = Buffer.from(request);
    damaged[3] = (damaged[3] as number) ^ 1;
    expect(parseRequest(damaged)).toEqual({ ok: false, reason: 'crc' });
    expect(parseRequest(request.subarray(0, 6))).toEqual({ ok: false, reason: 'short' });
  });

  it('encodes register answers and exceptions with a valid CRC', () => {
    const answer = encodeRegisters(1, READ_INPUT, [0x00ec, 0x01e1]);
    expect(hex(answer.subarray(0, 7))).toBe('01040400EC01E1');
    expect(crcOk(answer)).toBe(true);
    const refusal = encodeException(1, READ_INPUT, EXCEPTION.illegalDataAddress);
    expect(hex(refusal.subarray(0, 3))).toBe('018402');
    expect(crcOk(refusal)).toBe(true);
  });
});

describe('simulated devices', () => {
  it('XY-MD02 answers input registers 1 and 2 in tenths, signed, and refuses the rest', () => {
    const sensor = new SimXyMd02(3);
    sensor.temperatureC = -5.3;
    sensor.humidityPct = 81.2;
    expect(sensor.read(READ_INPUT, 1, 2)).toEqual([0xffcb, 812]);
    expect(sensor.read(READ_INPUT, 0, 2)).toBe(EXCEPTION.illegalDataAddress);
    expect(sensor.read(READ_HOLDING, 0x101, 1)).toEqual([3]);
    expect(sensor.read(6, 0x101, 1)).toBe(EXCEPTION.illegalFunction);
  });

  it('Eastron meters answer floats high word first and count energy up with time', () => {
    const meter = new SimSdm120();
    meter.amps = 10;
    meter.powerFactor = 1;
    const words = meter.read(READ_INPUT, 0x0006, 2, 0) as number[];
    const bytes = Buffer.alloc(4);
    bytes.writeUInt16BE(words[0] as number, 0);
    bytes.writeUInt16BE(words[1] as number, 2);
    expect(bytes.readFloatBE(0)).toBe(10);
    meter.read(READ_INPUT, 0x0156, 2, 3_600_000);
    expect(meter.kwh).toBeCloseTo(1.015, 6); // 101.5 V × 10 A for an hour
    expect(meter.read(READ_INPUT, 0x01fe, 4, 0)).toBe(EXCEPTION.illegalDataAddress);

    const three = new SimSdm630();
    three.setAmps(4);
    const sum = three.read(READ_INPUT, 0x0030, 2, 0) as number[];
    bytes.writeUInt16BE(sum[0] as number, 0);
    bytes.writeUInt16BE(sum[1] as number, 2);
    expect(bytes.readFloatBE(0)).toBe(12);
  });
});

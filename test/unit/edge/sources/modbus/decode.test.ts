import { describe, expect, it } from 'vitest';
import { MODBUS_MAPS } from '../../../../../config/modbusMaps.js';
import { decodeRegister, readingsOf } from '../../../../../edge/sources/modbus/decode.js';
import { type PlannedRegister, planReads, type ReadBlock } from '../../../../../edge/sources/modbus/readPlan.js';

const register = (over: Partial<PlannedRegister> & Pick<PlannedRegister, 'type'>): PlannedRegister => ({
  channel: 'c1',
  quantity: 'temperature' as const,
  address: 0,
  table: 'input' as const,
  scale: 1,
  wordOrder: 'high-first' as const,
  offset: 0,
  ...over,
});

/** The two words of a float as an Eastron meter sends them (IEEE 754, high word first). */
function floatWords(value: number): [number, number] {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatBE(value);
  return [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
}

describe('Modbus register decoding', () => {
  it('reads 16-bit values signed and unsigned, scaled without binary noise', () => {
    expect(decodeRegister([234], register({ type: 'int16', scale: 0.1 }))).toBe(23.4);
    // −5.3 °C on an XY-MD02 is 0xFFCB: signed, or it would read as 6548.3 °C.
    expect(decodeRegister([0xffcb], register({ type: 'int16', scale: 0.1 }))).toBe(-5.3);
    expect(decodeRegister([0xffcb], register({ type: 'uint16', scale: 0.1 }))).toBe(6548.3);
    expect(decodeRegister([553], register({ type: 'uint16', scale: 0.1 }))).toBe(55.3);
  });

  it('reads 32-bit values in either word order', () => {
    expect(decodeRegister([0x0001, 0x86a0], register({ type: 'uint32' }))).toBe(100_000);
    expect(decodeRegister([0x86a0, 0x0001], register({ type: 'uint32', wordOrder: 'low-first' }))).toBe(100_000);
    expect(decodeRegister([0xffff, 0xfffe], register({ type: 'int32' }))).toBe(-2);
    expect(decodeRegister([0xffff, 0xfffe], register({ type: 'uint32' }))).toBe(4_294_967_294);
    expect(decodeRegister([0x0001, 0x86a0], register({ type: 'uint32', scale: 0.01 }))).toBe(1000);
  });

  it('reads IEEE floats as the shortest decimal that is the same float', () => {
    expect(decodeRegister(floatWords(230.1), register({ type: 'float32' }))).toBe(230.1);
    expect(decodeRegister(floatWords(12.3), register({ type: 'float32' }))).toBe(12.3);
    expect(decodeRegister(floatWords(1227.1875), register({ type: 'float32' }))).toBe(1227.1875);
    expect(decodeRegister(floatWords(-0.85), register({ type: 'float32' }))).toBe(-0.85);
    const [high, low] = floatWords(49.98);
    expect(decodeRegister([low, high], register({ type: 'float32', wordOrder: 'low-first' }))).toBe(49.98);
    expect(decodeRegister([0, 0, ...floatWords(12345.67)], register({ type: 'float32', offset: 2 }))).toBe(12345.67);
  });
});

describe('readings of a poll', () => {
  const [block] = planReads(MODBUS_MAPS['xy-md02']?.registers ?? []) as [ReadBlock];

  it('turns the XY-MD02 map into one climate reading', () => {
    expect(readingsOf([{ block, words: [236, 481] }])).toEqual({
      amps: {},
      climate: [{ channel: 'env1', temperatureC: 23.6, humidityPct: 48.1 }],
      power: [],
      counts: [],
      badValues: [],
      errors: [],
    });
  });

  it('drops values no such quantity can have, and with half a climate pair publishes none', () => {
    // 0x7FFF = 3276.7 °C: an XY-MD02 whose element is gone.
    const readings = readingsOf([{ block, words: [0x7fff, 481] }]);
    expect(readings.climate).toEqual([]);
    expect(readings.badValues).toEqual([{ channel: 'env1', quantity: 'temperature', value: 3276.7 }]);
  });

  it('reports each channel of a refused block as a sensor error with the exception code', () => {
    expect(readingsOf([{ block, exception: 4 }]).errors).toEqual([{ channel: 'env1', code: 'MODBUS_EXCEPTION_4' }]);
  });

  it('splits an SDM630 answer into amps per phase and power readings per channel', () => {
    const blocks = planReads(MODBUS_MAPS.sdm630?.registers ?? []);
    const values = new Map<number, number>([
      [0x00, 115.5],
      [0x06, 10],
      [0x0c, 981.75],
      [0x1e, 0.85],
      [0x30, 10],
      [0x34, 981.75],
      [0x3e, 0.85],
      [0x46, 50],
      [0x156, 1234.5],
    ]);
    const results = blocks.map((b) => ({
      block: b,
      words: Array.from({ length: b.count }, (_, i) => floatWords(values.get((b.start + i) & ~1) ?? 0)[(b.start + i) % 2] as number),
    }));
    const readings = readingsOf(results);
    expect(readings.amps).toEqual({ l1: 10, l2: 0, l3: 0, total: 10 });
    expect(readings.power).toContainEqual({ channel: 'l1', volts: 115.5, watts: 981.75, powerFactor: 0.85 });
    expect(readings.power).toContainEqual({ channel: 'total', watts: 981.75, powerFactor: 0.85, hz: 50, kwh: 1234.5 });
    expect(readings.badValues).toEqual([]);
  });
});

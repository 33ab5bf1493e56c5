import { describe, expect, it } from 'vitest';
import { crc16, crc16Hex } from '../../../firmware-sim/crc16.js';
import { readVectors } from './lineCheck.js';

describe('firmware-sim crc16 (CRC-16/CCITT-FALSE, bitwise)', () => {
  it('gives the catalogue check value 29B1 for "123456789"', () => {
    expect(crc16Hex('123456789')).toBe('29B1');
    expect(crc16('123456789')).toBe(0x29b1);
  });

  it('returns the init value for no data and pads to four upper-case hex digits', () => {
    expect(crc16Hex('')).toBe('FFFF');
    // A checksum below 0x1000 must keep its leading zero on the wire.
    const padded = ['M1,5,X,env1,I2C_NACK', 'a', 'ab', 'abc'].map((text) => crc16Hex(text));
    for (const hex of padded) expect(hex).toMatch(/^[0-9A-F]{4}$/);
    expect(crc16Hex('M1,5,X,env1,I2C_NACK')).toBe('0AA2');
  });

  it('treats a string and its bytes the same', () => {
    const text = 'M1,2,C,env1,t=24.31,h=55.2';
    expect(crc16(Buffer.from(text, 'latin1'))).toBe(crc16(text));
  });

  it('matches the checksum of every test-vector line that carries a correct one', () => {
    const vectors = readVectors();
    for (const vector of vectors.good) {
      const star = vector.line.lastIndexOf('*');
      expect(crc16Hex(vector.line.slice(0, star)), vector.name).toBe(vector.line.slice(star + 1));
    }
    const bad = vectors.bad.find((v) => v.name === 'checksum wrong');
    expect(bad).toBeDefined();
    expect(crc16Hex('M1,1,I,ct1=12.34')).not.toBe('0000');
  });
});

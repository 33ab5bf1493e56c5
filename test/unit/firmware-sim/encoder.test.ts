import { describe, expect, it } from 'vitest';
import { encodeFrame, formatFixed, frameBody, nextSeq, type SimFrame } from '../../../firmware-sim/encoder.js';
import { readVectors } from './lineCheck.js';

describe('firmware-sim encoder', () => {
  const vectors = readVectors();

  it('has good vectors to check against', () => {
    expect(vectors.good.length).toBeGreaterThanOrEqual(7);
  });

  for (const vector of readVectors().good) {
    it(`reproduces the good vector "${vector.name}" exactly`, () => {
      expect(encodeFrame(vector.frame as SimFrame)).toBe(vector.line);
    });
  }

  it('reproduces the CRLF vector without its terminator', () => {
    expect(`${encodeFrame(vectors.crlf.frame as SimFrame)}\r`).toBe(vectors.crlf.line);
  });

  it('formats amps and temperature with 2 decimals, humidity with 1, uptime as an integer', () => {
    expect(encodeFrame({ type: 'current', seq: 7, amps: { ct1: 3, ct2: 0.005, ct3: 999.999 } })).toMatch(
      /^M1,7,I,ct1=3\.00,ct2=0\.01,ct3=1000\.00\*[0-9A-F]{4}$/,
    );
    expect(frameBody({ type: 'climate', seq: 8, channel: 'env1', temperatureC: 30, humidityPct: 60.04 })).toBe(
      'M1,8,C,env1,t=30.00,h=60.0',
    );
    expect(frameBody({ type: 'heartbeat', seq: 9, uptimeS: 86400 })).toBe('M1,9,B,86400');
  });

  it('never writes "-0.00" (the edge would reject a negative current)', () => {
    expect(formatFixed(-0.001, 2)).toBe('0.00');
    expect(formatFixed(-0, 1)).toBe('0.0');
    expect(formatFixed(-0.25, 2)).toBe('-0.25');
    expect(frameBody({ type: 'current', seq: 1, amps: { ct1: -0.004 } })).toBe('M1,1,I,ct1=0.00');
  });

  it('refuses frames that cannot be sent', () => {
    expect(() => encodeFrame({ type: 'heartbeat', seq: 65536, uptimeS: 1 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'heartbeat', seq: -1, uptimeS: 1 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'heartbeat', seq: 1, uptimeS: 1.5 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'current', seq: 1, amps: { ct1: Number.NaN } })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'sensorError', seq: 1, channel: 'env1', code: 'A,B' })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'sensorError', seq: 1, channel: 'env*1', code: 'X' })).toThrow(RangeError);
  });

  it('wraps the sequence number at 65536', () => {
    expect(nextSeq(0)).toBe(1);
    expect(nextSeq(65534)).toBe(65535);
    expect(nextSeq(65535)).toBe(0);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc16Hex } from '../../../edge/protocol/crc16.js';
import { parseLine } from '../../../edge/protocol/parseLine.js';
import { linesLost } from '../../../edge/protocol/sequence.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/lines.json', import.meta.url), 'utf8'));

describe('serial line parser against the shared test vectors', () => {
  it('uses CRC-16/CCITT-FALSE (check value 29B1)', () => {
    expect(crc16Hex('123456789')).toBe('29B1');
  });

  for (const vector of vectors.good) {
    it(`accepts: ${vector.name}`, () => {
      expect(parseLine(vector.line)).toEqual({ ok: true, frame: vector.frame });
    });
  }

  for (const vector of vectors.bad) {
    it(`rejects as ${vector.reason}: ${vector.name}`, () => {
      const result = parseLine(vector.line);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toBe(vector.reason);
        expect(result.detail.length).toBeGreaterThan(0);
      }
    });
  }

  it('accepts a CRLF line end', () => {
    expect(parseLine(vectors.crlf.line)).toEqual({ ok: true, frame: vectors.crlf.frame });
  });

  it('accepts a lower-case checksum', () => {
    const good = vectors.good[1].line as string;
    expect(parseLine(good.slice(0, -4) + good.slice(-4).toLowerCase()).ok).toBe(true);
  });
});

describe('sequence gaps', () => {
  it('counts lines lost between sequence numbers, across the wrap', () => {
    expect(linesLost(undefined, 5)).toBe(0);
    expect(linesLost(5, 6)).toBe(0);
    expect(linesLost(5, 9)).toBe(3);
    expect(linesLost(65534, 1)).toBe(2);
    expect(linesLost(65535, 0)).toBe(0);
  });
});

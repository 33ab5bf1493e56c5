import { describe, expect, it } from 'vitest';
import { corruptLine, garbageBytes, overlongLine, truncateLine } from '../../../firmware-sim/faults.js';
import { mulberry32 } from '../../../firmware-sim/random.js';
import { checkLine, readVectors } from './lineCheck.js';

const goodLines = readVectors().good.map((v) => v.line);

describe('fault line builders', () => {
  it('corrupts exactly one digit so that only the checksum is wrong', () => {
    const random = mulberry32(1);
    for (const line of goodLines) {
      for (let i = 0; i < 20; i++) {
        const bad = corruptLine(line, random);
        expect(bad).toHaveLength(line.length);
        expect([...bad].filter((c, k) => c !== line[k])).toHaveLength(1);
        const checked = checkLine(bad);
        expect(checked, bad).not.toBeNull();
        expect(checked?.crcOk).toBe(false);
        expect(bad.slice(0, bad.indexOf(',', 3))).toBe(line.slice(0, line.indexOf(',', 3))); // same seq
      }
    }
  });

  it('cuts a line inside its fields, before the checksum', () => {
    const random = mulberry32(2);
    for (const line of goodLines) {
      for (let i = 0; i < 20; i++) {
        const cut = truncateLine(line, random);
        expect(line.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThan(line.lastIndexOf('*'));
        expect(cut).not.toContain('*');
        expect(cut).toMatch(/^M1,\d+,[A-Z],./);
      }
    }
  });

  it('makes noise bytes without line breaks that never look like a version-1 line', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const noise = garbageBytes(1 + (i % 40), random);
      expect(noise).toHaveLength(1 + (i % 40));
      expect(noise).not.toMatch(/[\r\n]/);
      expect(noise.startsWith('M')).toBe(false);
      expect([...noise].every((c) => c.charCodeAt(0) < 256)).toBe(true);
    }
  });

  it('builds overlong lines of exactly the asked length with a good checksum and valid ids', () => {
    for (const seq of [0, 7, 65535]) {
      for (let length = 161; length <= 420; length += 1) {
        const line = overlongLine(seq, length);
        expect(line).toHaveLength(length);
        const checked = checkLine(line);
        expect(checked?.crcOk).toBe(true);
        expect(checked?.seq).toBe(seq);
        expect(checked?.type).toBe('I');
        const ids = checked?.fields.map((f) => f.split('=')[0]) ?? [];
        for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9_-]{0,31}$/);
        expect(new Set(ids).size).toBe(ids.length);
      }
    }
    expect(() => overlongLine(1, 160)).toThrow(RangeError);
  });
});

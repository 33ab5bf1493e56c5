import { describe, expect, it } from 'vitest';
import { countText } from '../../../gateway/countText.js';

describe('countText', () => {
  it('groups thousands as Japanese and English readers both write them', () => {
    expect(countText(4160)).toBe('4,160');
    expect(countText(1_234_567)).toBe('1,234,567');
    expect(countText(-12_345)).toBe('-12,345');
  });

  it('leaves counts below a thousand as they are and rounds to whole units', () => {
    expect(countText(0)).toBe('0');
    expect(countText(999)).toBe('999');
    expect(countText(999.6)).toBe('1,000');
  });
});

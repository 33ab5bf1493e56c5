import { describe, expect, it } from 'vitest';
import { assessHeat, estimateWbgt, wbgtLevel } from '../../../edge/stages/wbgt.js';

describe('WBGT estimate (Ono & Tonouchi 2014, indoor)', () => {
  it('follows the published regression', () => {
    // 0.735·30 + 0.0374·60 + 0.00292·30·60 − 4.064 = 25.5
    expect(estimateWbgt(30, 60)).toBeCloseTo(25.5, 1);
    expect(estimateWbgt(25, 50)).toBeCloseTo(0.735 * 25 + 0.0374 * 50 + 0.00292 * 25 * 50 - 4.064, 1);
  });

  it('rises with humidity at the same temperature', () => {
    expect(estimateWbgt(32, 80)).toBeGreaterThan(estimateWbgt(32, 40));
  });

  it('bands the guideline levels at 21 / 25 / 28 / 31', () => {
    expect([20.9, 21, 24.9, 25, 27.9, 28, 30.9, 31].map(wbgtLevel)).toEqual([
      'safe',
      'caution',
      'caution',
      'warning',
      'warning',
      'severe',
      'severe',
      'danger',
    ]);
  });

  it('flags the legal threshold at WBGT 28, and at 31 °C air temperature on its own', () => {
    expect(assessHeat(30, 60).legalThreshold).toBe(false); // WBGT 25.5
    expect(assessHeat(33, 70).legalThreshold).toBe(true); // WBGT ≥ 28
    const dryHeat = assessHeat(31, 10); // WBGT well below 28, but 31 °C
    expect(dryHeat.wbgtC).toBeLessThan(28);
    expect(dryHeat.legalThreshold).toBe(true);
  });
});

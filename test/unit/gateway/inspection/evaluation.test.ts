import { describe, expect, it } from 'vitest';
import { auroc, confusionAt, evaluate, studentT, thresholdAt } from '../../../../gateway/inspection/evaluation.js';

describe('threshold and metrics', () => {
  it('sets the threshold so that at most the stated share of held-out good images is rejected', () => {
    const good = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const atZero = thresholdAt(good, 0);
    expect(good.filter((s) => s > atZero)).toEqual([]);
    const atTen = thresholdAt(good, 0.1);
    expect(good.filter((s) => s > atTen)).toEqual([10]);
    // 5 % of ten images is less than one image: nothing may be rejected.
    expect(good.filter((s) => s > thresholdAt(good, 0.05))).toEqual([]);
  });

  it('keeps a margin above a tight cluster of few held-out scores, as a new good part may score higher', () => {
    const six = [2.069, 2.071, 2.082, 2.109, 2.124, 2.2];
    const threshold = thresholdAt(six, 0.05);
    // mean 2.109, s 0.050: the 95 % prediction bound with t(5) = 2.015 lies at 2.217, above the largest of the six.
    expect(threshold).toBeCloseTo(2.217, 3);
    expect(studentT(0.95, 5)).toBeCloseTo(2.015, 2);
    expect(studentT(0.95, 1000)).toBeCloseTo(1.645, 2);
  });

  it('computes AUROC as the chance that a defect outscores a good image', () => {
    expect(auroc([1, 2], [3, 4])).toBe(1);
    expect(auroc([3, 4], [1, 2])).toBe(0);
    expect(auroc([1, 3], [2, 4])).toBe(0.75);
    expect(auroc([1], [1])).toBe(0.5);
    expect(auroc([], [1])).toBeNull();
  });

  it('counts the confusion matrix and names the hardest cases', () => {
    const images = [
      { id: 'g1', truth: 'ok' as const, score: 1 },
      { id: 'g2', truth: 'ok' as const, score: 5 },
      { id: 'd1', truth: 'ng' as const, score: 4, label: 'scratch' },
      { id: 'd2', truth: 'ng' as const, score: 9, label: 'dent' },
    ];
    expect(confusionAt(images, 4.5)).toEqual({ truePositive: 1, falseNegative: 1, falsePositive: 1, trueNegative: 1 });
    const result = evaluate(images, 4.5, 0.05);
    expect(result.worstGood[0]?.id).toBe('g2');
    expect(result.bestHiddenDefects[0]?.id).toBe('d1');
    expect(result.aurocByLabel).toEqual({ dent: 1, scratch: 0.5 });
  });
});

/**
 * From scores to a judgment: the threshold set on held-out good images at a stated false-reject rate, and, when defect
 * images were given, how well the scores separate them (AUROC, the confusion matrix at the threshold).
 */

export interface ScoredImage {
  id: string;
  score: number;
  /** ok = a good image held out from fitting; ng = a defect image (with its defect class, when known). */
  truth: 'ok' | 'ng';
  label?: string;
}

/**
 * The threshold for a stated false-reject rate from the held-out good images' scores. Two rules, and the higher wins:
 * - empirical: no more than that share of the held-out images may be rejected (with ten images the rate can only be
 *   0 %, 10 %, 20 %…);
 * - predictive: where a *new* good part's score stays with probability 1 − rate, if good scores are roughly normal
 *   (mean + t·s·√(1 + 1/n), Student's t for the few images there are). With six held-out images the largest of them is a
 *   poor guess of the tail: on the demo it alone rejected a quarter of the good parts that came next.
 */
export function thresholdAt(goodScores: number[], falseRejectRate: number): number {
  if (goodScores.length === 0) throw new Error('no held-out good images to set a threshold from');
  const sorted = [...goodScores].sort((a, b) => a - b);
  const allowed = Math.floor(falseRejectRate * sorted.length);
  // Just above the highest good score that must still pass, so that score itself is OK (score > threshold is NG).
  const empirical = (sorted[sorted.length - 1 - allowed] as number) * 1.0001 + 1e-9;
  const n = sorted.length;
  if (n < 3 || falseRejectRate <= 0) return empirical;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  const sd = Math.sqrt(sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const predictive = mean + studentT(1 - falseRejectRate, n - 1) * sd * Math.sqrt(1 + 1 / n);
  return Math.max(empirical, predictive);
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((sum, coefficient) => sum * x + coefficient, 0);
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** Student's t quantile by the Cornish–Fisher expansion around the normal one: within 1 % from 3 degrees of freedom (1.2 % low at 2). */
export function studentT(p: number, df: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Area under the ROC curve, as the probability that a random defect image outscores a random good one (ties count half). */
export function auroc(goodScores: number[], defectScores: number[]): number | null {
  if (goodScores.length === 0 || defectScores.length === 0) return null;
  let wins = 0;
  for (const d of defectScores) for (const g of goodScores) wins += d > g ? 1 : d === g ? 0.5 : 0;
  return wins / (goodScores.length * defectScores.length);
}

export interface Confusion {
  /** Defect images judged NG. */
  truePositive: number;
  /** Defect images judged OK: the escapes. */
  falseNegative: number;
  /** Good images judged NG: the false rejects. */
  falsePositive: number;
  trueNegative: number;
}

export function confusionAt(images: ScoredImage[], threshold: number): Confusion {
  const matrix: Confusion = { truePositive: 0, falseNegative: 0, falsePositive: 0, trueNegative: 0 };
  for (const image of images) {
    const ng = image.score > threshold;
    if (image.truth === 'ng') ng ? matrix.truePositive++ : matrix.falseNegative++;
    else ng ? matrix.falsePositive++ : matrix.trueNegative++;
  }
  return matrix;
}

export interface Evaluation {
  threshold: number;
  falseRejectRate: number;
  heldOutGood: number;
  defects: number;
  auroc: number | null;
  /** AUROC of each defect class against all held-out good images. */
  aurocByLabel: Record<string, number | null>;
  confusion: Confusion;
  /** The good images that scored highest: what would be falsely rejected first. */
  worstGood: ScoredImage[];
  /** The defect images that scored lowest: what would escape first. */
  bestHiddenDefects: ScoredImage[];
}

export function evaluate(images: ScoredImage[], threshold: number, falseRejectRate: number, show = 4): Evaluation {
  const good = images.filter((i) => i.truth === 'ok');
  const defects = images.filter((i) => i.truth === 'ng');
  const goodScores = good.map((i) => i.score);
  const labels = [...new Set(defects.map((d) => d.label ?? 'ng'))].sort();
  return {
    threshold,
    falseRejectRate,
    heldOutGood: good.length,
    defects: defects.length,
    auroc: auroc(
      goodScores,
      defects.map((d) => d.score),
    ),
    aurocByLabel: Object.fromEntries(
      labels.map((label) => [
        label,
        auroc(
          goodScores,
          defects.filter((d) => (d.label ?? 'ng') === label).map((d) => d.score),
        ),
      ]),
    ),
    confusion: confusionAt(images, threshold),
    worstGood: [...good].sort((a, b) => b.score - a.score).slice(0, show),
    bestHiddenDefects: [...defects].sort((a, b) => a.score - b.score).slice(0, show),
  };
}

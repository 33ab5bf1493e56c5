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
 * The smallest threshold at which no more than `falseRejectRate` of the held-out good images would be rejected. With ten
 * images the rate can only be 0 %, 10 %, 20 %…: the report says how many images stand behind it.
 */
export function thresholdAt(goodScores: number[], falseRejectRate: number): number {
  if (goodScores.length === 0) throw new Error('no held-out good images to set a threshold from');
  const sorted = [...goodScores].sort((a, b) => a - b);
  const allowed = Math.floor(falseRejectRate * sorted.length);
  // Just above the highest good score that must still pass, so that score itself is OK (score > threshold is NG).
  const kept = sorted[sorted.length - 1 - allowed] as number;
  return kept * 1.0001 + 1e-9;
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

/**
 * The classic baseline beside PatchCore: a golden template. Good images are aligned (a small shift search, for a part that
 * sits a few pixels off in its jig), then every pixel gets a mean and a spread; a new image is aligned the same way and
 * each pixel scored by how many spreads it lies from the mean. With a fixed jig and steady light this alone may be enough,
 * and the trial report shows both so the company can see whether it is.
 */

export interface GoldenTemplate {
  size: number;
  /** Largest shift (pixels at `size`) the alignment searches in each direction. */
  maxShift: number;
  mean: Float32Array;
  spread: Float32Array;
}

/** Grey levels below which a pixel's spread is not trusted: sensor noise alone gives about this much. */
const SPREAD_FLOOR = 6;

function shifted(image: Float32Array, size: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y + dy));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, x + dx));
      out[y * size + x] = image[sy * size + sx] as number;
    }
  }
  return out;
}

/** The shift that makes `image` look most like `reference` (least mean absolute difference over the inner area). */
export function bestShift(image: Float32Array, reference: Float32Array, size: number, maxShift: number): { dx: number; dy: number } {
  let best = { dx: 0, dy: 0 };
  let bestCost = Number.POSITIVE_INFINITY;
  // Every second pixel is plenty to find a shift; the edge band that a shift exposes is left out.
  for (let dy = -maxShift; dy <= maxShift; dy++) {
    for (let dx = -maxShift; dx <= maxShift; dx++) {
      let cost = 0;
      for (let y = maxShift; y < size - maxShift; y += 2) {
        const row = y * size;
        const srow = (y + dy) * size + dx;
        for (let x = maxShift; x < size - maxShift; x += 2) cost += Math.abs((image[srow + x] as number) - (reference[row + x] as number));
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = { dx, dy };
      }
    }
  }
  return best;
}

function align(image: Float32Array, reference: Float32Array, size: number, maxShift: number): Float32Array {
  const { dx, dy } = bestShift(image, reference, size, maxShift);
  return shifted(image, size, dx, dy);
}

export function fitTemplate(images: Float32Array[], size: number, maxShift: number): GoldenTemplate {
  const [first] = images;
  if (!first) throw new Error('no images to build a template from');
  let reference = first;
  let aligned = images;
  // Twice: first to the first image, then to the mean of the aligned set, so no single image decides the pose.
  for (let pass = 0; pass < 2; pass++) {
    aligned = images.map((image) => align(image, reference, size, maxShift));
    reference = meanOf(aligned, size);
  }
  const mean = reference;
  const spread = new Float32Array(size * size);
  for (const image of aligned) {
    for (let i = 0; i < spread.length; i++) spread[i] = (spread[i] as number) + ((image[i] as number) - (mean[i] as number)) ** 2;
  }
  for (let i = 0; i < spread.length; i++)
    spread[i] = Math.max(SPREAD_FLOOR, Math.sqrt((spread[i] as number) / Math.max(1, images.length - 1)));
  return { size, maxShift, mean, spread };
}

function meanOf(images: Float32Array[], size: number): Float32Array {
  const mean = new Float32Array(size * size);
  for (const image of images) for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (image[i] as number);
  for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) / images.length;
  return mean;
}

/**
 * Per-pixel deviation in spreads, smoothed over 5 × 5 so a single noisy pixel is not a defect, and the image's score (the
 * largest smoothed deviation away from the border band that alignment cannot vouch for).
 */
export function scoreTemplate(template: GoldenTemplate, image: Float32Array): { score: number; map: Float32Array } {
  const { size, maxShift, mean, spread } = template;
  const aligned = align(image, mean, size, maxShift);
  const deviation = new Float32Array(size * size);
  for (let i = 0; i < deviation.length; i++) deviation[i] = Math.abs((aligned[i] as number) - (mean[i] as number)) / (spread[i] as number);
  const map = boxBlur(deviation, size, 2);
  let score = 0;
  for (let y = maxShift; y < size - maxShift; y++) {
    for (let x = maxShift; x < size - maxShift; x++) score = Math.max(score, map[y * size + x] as number);
  }
  return { score, map };
}

function boxBlur(values: Float32Array, size: number, radius: number): Float32Array {
  const horizontal = new Float32Array(values.length);
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      let n = 0;
      for (let k = Math.max(0, x - radius); k <= Math.min(size - 1, x + radius); k++, n++) sum += values[y * size + k] as number;
      horizontal[y * size + x] = sum / n;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      let n = 0;
      for (let k = Math.max(0, y - radius); k <= Math.min(size - 1, y + radius); k++, n++) sum += horizontal[k * size + x] as number;
      out[y * size + x] = sum / n;
    }
  }
  return out;
}

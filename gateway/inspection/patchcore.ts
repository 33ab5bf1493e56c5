/**
 * PatchCore (Roth et al., 2022) without any training by gradient: describe every patch of every good image by the backbone's
 * middle layers, keep a representative subset (greedy coreset) as the memory bank, and score a new image by how far its
 * worst patch lies from the nearest good patch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './backbone.js';
import type { RgbImage } from './image.js';

export interface PatchGrid {
  /** Patches per column and row of the feature grid (28 × 28 for 224 px and a stride-8 first layer). */
  rows: number;
  cols: number;
  dims: number;
  /** count × rows × cols × dims, image by image, row by row. */
  data: Float32Array;
  count: number;
}

/** Averages neighbouring channels into `bins` groups (PatchCore's adaptive average pooling): a fixed [channels, bins] matrix. */
function channelPooling(channels: number, bins: number): tf.Tensor2D {
  const weights = new Float32Array(channels * bins);
  for (let bin = 0; bin < bins; bin++) {
    const from = Math.floor((bin * channels) / bins);
    const to = Math.max(from + 1, Math.ceil(((bin + 1) * channels) / bins));
    for (let c = from; c < to; c++) weights[c * bins + bin] = 1 / (to - from);
  }
  return tf.tensor2d(weights, [channels, bins]);
}

/**
 * Patch features of a batch of images already at the backbone's size: each layer averaged over a 3 × 3 neighbourhood (so a
 * patch knows its surroundings), the coarser layers brought to the finest grid, channels pooled to `dims` in all.
 */
export function patchFeatures(backbone: Backbone, images: RgbImage[], dims: number): PatchGrid {
  const size = backbone.imageSize;
  const pixels = new Float32Array(images.length * size * size * 3);
  images.forEach((image, i) => {
    if (image.width !== size || image.height !== size) throw new Error(`image ${i} is ${image.width} × ${image.height}, not ${size}`);
    pixels.set(image.data, i * size * size * 3);
  });
  const perLayer = Math.floor(dims / backbone.layers.length);
  const result = tf.tidy(() => {
    const layers = backbone.extract(tf.tensor4d(pixels, [images.length, size, size, 3]));
    const [first] = layers;
    if (!first) throw new Error('the backbone returned no layer');
    const [, rows, cols] = first.shape;
    const parts = layers.map((layer, index) => {
      const bins = index === layers.length - 1 ? dims - perLayer * (layers.length - 1) : perLayer;
      const smoothed = tf.avgPool(layer, 3, 1, 'same');
      const onGrid = layer.shape[1] === rows && layer.shape[2] === cols ? smoothed : tf.image.resizeBilinear(smoothed, [rows, cols]);
      const channels = layer.shape[3];
      return tf.matMul(tf.reshape(onGrid, [-1, channels]), channelPooling(channels, bins));
    });
    return { features: tf.concat(parts, 1), rows, cols };
  });
  const data = result.features.dataSync() as Float32Array;
  result.features.dispose();
  return { rows: result.rows, cols: result.cols, dims, data, count: images.length };
}

/** A Gaussian random projection (seeded), used only to make the coreset search cheaper; the bank keeps full features. */
function projection(dims: number, target: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const matrix = new Float32Array(dims * target);
  for (let i = 0; i < matrix.length; i++) {
    const u = Math.max(next(), 1e-12);
    matrix[i] = (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())) / Math.sqrt(target);
  }
  return matrix;
}

export interface CoresetOptions {
  /** How many patches to keep. */
  size: number;
  /** Dimensions of the random projection the search runs in (PatchCore uses 128). */
  projectionDims: number;
  seed: number;
  progress?: (fraction: number) => void;
}

/**
 * Greedy k-centre selection: start anywhere, then repeatedly take the patch farthest from everything taken so far. The
 * kept patches cover the good images' feature space with the fewest points, so rare good details are not averaged away.
 */
export function greedyCoreset(features: Float32Array, dims: number, options: CoresetOptions): Int32Array {
  const total = features.length / dims;
  const size = Math.min(options.size, total);
  const p = options.projectionDims;
  const matrix = projection(dims, p, options.seed);
  const projected = new Float32Array(total * p);
  for (let i = 0; i < total; i++) {
    const row = i * dims;
    for (let k = 0; k < p; k++) {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += (features[row + d] as number) * (matrix[d * p + k] as number);
      projected[i * p + k] = sum;
    }
  }
  const nearest = new Float32Array(total).fill(Number.POSITIVE_INFINITY);
  const chosen = new Int32Array(size);
  let pick = Math.floor(((options.seed % 1000) / 1000) * total);
  for (let n = 0; n < size; n++) {
    chosen[n] = pick;
    const base = pick * p;
    let farthest = -1;
    let farthestIndex = 0;
    for (let i = 0; i < total; i++) {
      const row = i * p;
      let distance = 0;
      for (let k = 0; k < p; k++) {
        const diff = (projected[row + k] as number) - (projected[base + k] as number);
        distance += diff * diff;
      }
      if (distance < (nearest[i] as number)) nearest[i] = distance;
      if ((nearest[i] as number) > farthest) {
        farthest = nearest[i] as number;
        farthestIndex = i;
      }
    }
    pick = farthestIndex;
    if (n % 256 === 255) options.progress?.(n / size);
  }
  return chosen;
}

/** The good patches the kit remembers, held as one tensor on the WASM backend for fast nearest-neighbour search. */
export class MemoryBank {
  readonly size: number;
  /** dims × size: stored transposed because the WASM backend's matMul with a transposed right operand is ~30× slower. */
  private readonly bankT: tf.Tensor2D;
  private readonly bankNorms: tf.Tensor2D;

  constructor(
    readonly data: Float32Array,
    readonly dims: number,
  ) {
    this.size = data.length / dims;
    this.bankT = tf.tidy(() => tf.transpose(tf.tensor2d(data, [this.size, dims])));
    this.bankNorms = tf.tidy(() => tf.reshape(tf.sum(tf.square(this.bankT), 0), [1, -1]));
  }

  /** Distance of each patch to its nearest remembered good patch: ‖q‖² − 2 q·m + ‖m‖², minimised over the bank. */
  nearestDistances(patches: Float32Array): Float32Array {
    const count = patches.length / this.dims;
    const result = tf.tidy(() => {
      const q = tf.tensor2d(patches, [count, this.dims]);
      const qNorms = tf.reshape(tf.sum(tf.square(q), 1), [-1, 1]);
      const squared = tf.add(tf.sub(qNorms, tf.mul(tf.matMul(q, this.bankT), 2)), this.bankNorms);
      return tf.sqrt(tf.relu(tf.min(squared, 1)));
    });
    const distances = result.dataSync() as Float32Array;
    result.dispose();
    return distances;
  }

  dispose(): void {
    this.bankT.dispose();
    this.bankNorms.dispose();
  }
}

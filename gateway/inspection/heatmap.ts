/** Heat maps: a coarse grid of patch scores brought to the image's size, smoothed, and laid over the image in colour. */
import type { RgbImage } from './image.js';

/** Bilinear resampling of a rows × cols grid to width × height (grid cell centres on pixel centres). */
export function upsample(grid: Float32Array, rows: number, cols: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(rows - 1, Math.max(0, ((y + 0.5) * rows) / height - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(rows - 1, y0 + 1);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = Math.min(cols - 1, Math.max(0, ((x + 0.5) * cols) / width - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(cols - 1, x0 + 1);
      const fx = gx - x0;
      const top = (grid[y0 * cols + x0] as number) * (1 - fx) + (grid[y0 * cols + x1] as number) * fx;
      const bottom = (grid[y1 * cols + x0] as number) * (1 - fx) + (grid[y1 * cols + x1] as number) * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Separable Gaussian blur (PatchCore smooths its anomaly map with σ = 4 px at 224 px). */
export function gaussianBlur(values: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const pass = (input: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(input.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        let weight = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          const w = kernel[k + radius] as number;
          sum += (input[yy * width + xx] as number) * w;
          weight += w;
        }
        out[y * width + x] = sum / weight;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}

/** Blue → green → yellow → red, for 0..1. */
function colour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [40, 60, 255],
    [0, 200, 120],
    [255, 230, 0],
    [255, 30, 0],
  ];
  const at = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(at);
  const f = at - i;
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/**
 * The image with its anomaly map on top, scaled to the threshold so that every image's colours mean the same: nothing is
 * drawn below 60 % of the threshold, yellow-to-red from the threshold up.
 */
export function overlay(image: RgbImage, map: Float32Array, mapRows: number, mapCols: number, threshold: number): RgbImage {
  const { width, height } = image;
  const smooth = gaussianBlur(upsample(map, mapRows, mapCols, width, height), width, height, Math.max(1, (4 * width) / 224));
  const data = new Uint8Array(image.data);
  for (let i = 0; i < width * height; i++) {
    const relative = (smooth[i] as number) / threshold;
    if (relative < 0.6) continue;
    const alpha = Math.min(0.7, (relative - 0.6) * 1.4);
    const [r, g, b] = colour((relative - 0.6) / 1.1);
    data[i * 3] = (data[i * 3] as number) * (1 - alpha) + r * alpha;
    data[i * 3 + 1] = (data[i * 3 + 1] as number) * (1 - alpha) + g * alpha;
    data[i * 3 + 2] = (data[i * 3 + 2] as number) * (1 - alpha) + b * alpha;
  }
  return { width, height, data };
}

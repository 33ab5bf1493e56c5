/**
 * A synthetic machined part as a camera on a fixed station would see it: a brushed plate with punched holes and a printed
 * marking, with pose and lighting jitter, and optionally one planted defect. Test and demo data that nobody has to download.
 */
import { mulberry32 } from '../random.js';

export const DEFECT_KINDS = ['scratch', 'dent', 'stain', 'missing-hole'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

export interface PartOptions {
  /** Square image side in pixels. */
  size: number;
  /** One seed, one image: the same seed always gives the same part, pose, light and defect. */
  seed: number;
  defect?: DefectKind;
  /** How far pose and light wander between parts (0 = a perfect jig and lamp, 1 = the default of a simple fixture). */
  jitter?: number;
}

/** An RGB image, 3 bytes a pixel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const PLATE_HALF_W = 0.4;
const PLATE_HALF_H = 0.3;
const CORNER_RADIUS = 0.06;
const HOLES = [
  { x: -0.27, y: -0.19, r: 0.035 },
  { x: 0.27, y: -0.19, r: 0.035 },
  { x: -0.27, y: 0.19, r: 0.035 },
  { x: 0.27, y: 0.19, r: 0.035 },
  { x: 0.1, y: 0.05, r: 0.075 },
];

/** Signed distance to the plate's rounded rectangle (negative inside). */
function plateDistance(u: number, v: number): number {
  const qx = Math.abs(u) - (PLATE_HALF_W - CORNER_RADIUS);
  const qy = Math.abs(v) - (PLATE_HALF_H - CORNER_RADIUS);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - CORNER_RADIUS;
}

/** Deterministic value noise in [0, 1) on an integer lattice, smoothed between lattice points. */
function valueNoise(seed: number, x: number, y: number): number {
  const hash = (i: number, j: number) => {
    let h = Math.imul(i, 374761393) ^ Math.imul(j, 668265263) ^ Math.imul(seed, 1274126177);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const top = hash(x0, y0) * (1 - sx) + hash(x0 + 1, y0) * sx;
  const bottom = hash(x0, y0 + 1) * (1 - sx) + hash(x0 + 1, y0 + 1) * sx;
  return top * (1 - sy) + bottom * sy;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface PlantedDefect {
  kind: DefectKind;
  /** Shade change (grey levels) at a point of the part, or 0 where the defect is not. */
  shade(u: number, v: number): number;
  /** For a stain: how much the colour turns brown there (0..1). */
  tint?(u: number, v: number): number;
  missingHole?: number;
}

/** The printed marking's box: a defect planted on it would be a different, harder test (print inspection). */
const PRINT = { u0: -0.16, u1: 0.16, v0: -0.2, v1: -0.14 };

/** Plain metal: inside the plate by `margin`, clear of the holes and the print. */
function onPlainMetal(x: number, y: number, margin: number): boolean {
  return (
    Math.abs(x) < PLATE_HALF_W - margin &&
    Math.abs(y) < PLATE_HALF_H - margin &&
    HOLES.every((h) => Math.hypot(x - h.x, y - h.y) > h.r + margin) &&
    !(x > PRINT.u0 - margin && x < PRINT.u1 + margin && y > PRINT.v0 - margin && y < PRINT.v1 + margin)
  );
}

/** Where a defect goes: anywhere on the plate's plain metal. */
function spotOnMetal(random: () => number, margin: number): { x: number; y: number } {
  for (;;) {
    const x = (random() * 2 - 1) * PLATE_HALF_W;
    const y = (random() * 2 - 1) * PLATE_HALF_H;
    if (onPlainMetal(x, y, margin)) return { x, y };
  }
}

function plantDefect(kind: DefectKind, random: () => number, pixel: number): PlantedDefect {
  switch (kind) {
    case 'scratch': {
      let a = spotOnMetal(random, 0.03);
      let angle = random() * Math.PI;
      const length = 0.16 + random() * 0.12;
      // The whole scratch on plain metal: its end and middle too.
      while (![0.5, 1].every((f) => onPlainMetal(a.x + Math.cos(angle) * length * f, a.y + Math.sin(angle) * length * f, 0.03))) {
        a = spotOnMetal(random, 0.03);
        angle = random() * Math.PI;
      }
      const dx = Math.cos(angle);
      const dy = Math.sin(angle);
      const halfWidth = 1.1 * pixel;
      const sign = random() < 0.5 ? -1 : 1;
      return {
        kind,
        shade(u, v) {
          const t = (u - a.x) * dx + (v - a.y) * dy;
          if (t < 0 || t > length) return 0;
          const off = Math.abs(-(u - a.x) * dy + (v - a.y) * dx);
          return off < halfWidth ? sign * 70 * (1 - off / halfWidth / 2) : 0;
        },
      };
    }
    case 'dent': {
      const c = spotOnMetal(random, 0.1);
      const r = 0.045 + random() * 0.025;
      // Lit from the upper left: the slope facing the lamp is bright, the far slope dark.
      return {
        kind,
        shade(u, v) {
          const du = (u - c.x) / r;
          const dv = (v - c.y) / r;
          const d2 = du * du + dv * dv;
          if (d2 >= 1) return 0;
          const falloff = 1 - d2;
          return 75 * (du + dv) * falloff;
        },
      };
    }
    case 'stain': {
      const c = spotOnMetal(random, 0.1);
      const blobs = Array.from({ length: 4 }, () => ({
        x: c.x + (random() - 0.5) * 0.06,
        y: c.y + (random() - 0.5) * 0.06,
        s: 0.02 + random() * 0.02,
      }));
      const amount = (u: number, v: number) =>
        Math.min(
          1,
          blobs.reduce((sum, b) => sum + Math.exp(-((u - b.x) ** 2 + (v - b.y) ** 2) / (2 * b.s * b.s)), 0),
        );
      // Faint on purpose: the low-contrast kind that a trial report must warn about.
      return { kind, shade: (u, v) => -14 * amount(u, v), tint: (u, v) => 0.5 * amount(u, v) };
    }
    case 'missing-hole':
      return { kind, shade: () => 0, missingHole: Math.floor(random() * 4) };
  }
}

/** Renders one part. Pixels are supersampled 2×2 so that edges look like a camera's, not like a stencil. */
export function renderPart(options: PartOptions): RgbImage {
  const { size, seed } = options;
  const jitter = options.jitter ?? 1;
  const random = mulberry32(seed * 2654435761 + 1);
  // Pose: a simple fixture lets the part shift a few pixels and turn a degree or two.
  const angle = gaussian(random) * 0.025 * jitter;
  const shiftX = gaussian(random) * 0.012 * jitter;
  const shiftY = gaussian(random) * 0.012 * jitter;
  // Light: overall level and a soft gradient across the field from a lamp that is not quite centred.
  const gain = 1 + gaussian(random) * 0.05 * jitter;
  const gradX = gaussian(random) * 0.06 * jitter;
  const gradY = gaussian(random) * 0.06 * jitter;
  const textureSeed = Math.floor(random() * 1e9);
  const pixel = 1 / size;
  const defect = options.defect ? plantDefect(options.defect, random, pixel) : undefined;
  const noise = mulberry32(seed ^ 0x5bd1e995);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);

  const data = new Uint8Array(size * size * 3);
  const sample = (px: number, py: number): [number, number, number] => {
    // Image coordinates centred on the frame, then into the part's own coordinates.
    const x = px / size - 0.5 - shiftX;
    const y = py / size - 0.5 - shiftY;
    const u = cos * x + sin * y;
    const v = -sin * x + cos * y;
    const background = 38 + 10 * valueNoise(7, px / 6, py / 6);
    let grey = background;
    let tint = 0;
    if (plateDistance(u, v) < 0) {
      const inHole = HOLES.some((h, i) => i !== defect?.missingHole && Math.hypot(u - h.x, v - h.y) < h.r);
      if (inHole) {
        grey = background * 0.7;
      } else {
        // Brushed metal: streaks along the plate's length, fixed to the part, not to the frame.
        const streaks = valueNoise(textureSeed, u * 8, v * 220) - 0.5;
        grey = 168 + 16 * streaks + 10 * valueNoise(textureSeed + 1, u * 30, v * 30);
        // The printed marking: a row of dark glyph blocks near the top edge.
        if (v > PRINT.v0 && v < PRINT.v1 && u > PRINT.u0 && u < PRINT.u1) {
          const glyph = Math.floor((u - PRINT.u0) / 0.04);
          const inGlyph = (u - PRINT.u0) % 0.04 < 0.028;
          if (inGlyph && (glyph * 7 + 3) % 5 !== 0) grey = 60;
        }
        // A chamfer along the outline catches the light.
        const edge = -plateDistance(u, v);
        if (edge < 0.012) grey += 40 * (1 - edge / 0.012);
        if (defect) {
          grey += defect.shade(u, v);
          tint = defect.tint?.(u, v) ?? 0;
        }
      }
    }
    const light = gain * (1 + gradX * x * 2 + gradY * y * 2);
    grey *= light;
    return [grey * (1 - 0.1 * tint), grey * (1 - 0.25 * tint), grey * (1 - 0.45 * tint)];
  };

  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [ox, oy] of [
        [0.25, 0.25],
        [0.75, 0.25],
        [0.25, 0.75],
        [0.75, 0.75],
      ] as const) {
        const [sr, sg, sb] = sample(px + ox, py + oy);
        r += sr;
        g += sg;
        b += sb;
      }
      const sensor = gaussian(noise) * 2.5;
      const i = (py * size + px) * 3;
      data[i] = clamp(r / 4 + sensor);
      data[i + 1] = clamp(g / 4 + sensor);
      data[i + 2] = clamp(b / 4 + sensor);
    }
  }
  return { width: size, height: size, data };
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/**
 * Image files in, RGB pixels out: JPEG and PNG only, recognised by their first bytes, refused before decoding when the
 * header promises more pixels than the kit will hold (a decompression bomb says 60000 × 60000 in a 1 KB file).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InspectionError } from './errors.js';

export interface RgbImage {
  width: number;
  height: number;
  /** 3 bytes a pixel, rows top to bottom. */
  data: Uint8Array;
}

export interface ImageLimits {
  maxBytes: number;
  maxPixels: number;
  minSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 25 * 1024 * 1024, maxPixels: 40_000_000, minSide: 32 };

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type ImageFormat = 'png' | 'jpeg';

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_MAGIC)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Width and height from the header alone, without decoding a single pixel. */
export function readDimensions(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // IHDR is always the first chunk: length(4) 'IHDR'(4) width(4) height(4).
    if (bytes.length < 24 || Buffer.from(bytes.subarray(12, 16)).toString('latin1') !== 'IHDR') return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = view.getUint16(at + 2);
    // Start of frame (baseline, progressive, …), but not DHT (C4), JPG (C8) or DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) return undefined;
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    at += 2 + length;
  }
  return undefined;
}

function refuse(code: 'UNSUPPORTED_IMAGE' | 'BROKEN_IMAGE' | 'IMAGE_TOO_LARGE' | 'IMAGE_TOO_SMALL', en: string, ja: string, name: string) {
  return new InspectionError(code, `${name}: ${en}`, `${name}: ${ja}`, name);
}

/** Decodes a JPEG or PNG file to RGB, or throws an InspectionError that says what was wrong with which file. */
export function decodeImage(bytes: Uint8Array, name: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): RgbImage {
  if (bytes.length > limits.maxBytes) {
    const mb = (limits.maxBytes / 1048576).toFixed(0);
    throw refuse('IMAGE_TOO_LARGE', `the file is larger than ${mb} MB`, `ファイルが ${mb} MB を超えています`, name);
  }
  const format = sniffFormat(bytes);
  if (!format) {
    throw refuse(
      'UNSUPPORTED_IMAGE',
      'not a JPEG or PNG image (the first bytes say otherwise, whatever the name)',
      'JPEG または PNG 画像ではありません（ファイル名に関わらず中身が画像形式ではありません）',
      name,
    );
  }
  const size = readDimensions(bytes, format);
  if (!size || size.width === 0 || size.height === 0) {
    throw refuse('BROKEN_IMAGE', 'the image header is damaged or cut short', '画像のヘッダーが壊れているか途中で切れています', name);
  }
  const megapixels = (limits.maxPixels / 1e6).toFixed(0);
  if (size.width * size.height > limits.maxPixels) {
    throw refuse(
      'IMAGE_TOO_LARGE',
      `${size.width} × ${size.height} pixels is more than the ${megapixels} megapixels the kit accepts`,
      `${size.width} × ${size.height} 画素は受け付ける上限（${megapixels} メガ画素）を超えています`,
      name,
    );
  }
  if (Math.min(size.width, size.height) < limits.minSide) {
    throw refuse(
      'IMAGE_TOO_SMALL',
      `${size.width} × ${size.height} pixels is too small to inspect (at least ${limits.minSide} on each side)`,
      `${size.width} × ${size.height} 画素は小さすぎます（各辺 ${limits.minSide} 画素以上が必要です）`,
      name,
    );
  }
  try {
    return format === 'png' ? decodePng(bytes) : decodeJpeg(bytes, limits);
  } catch (error) {
    throw refuse(
      'BROKEN_IMAGE',
      `the image could not be decoded (${(error as Error).message})`,
      `画像を読み取れません（${(error as Error).message}）`,
      name,
    );
  }
}

function decodePng(bytes: Uint8Array): RgbImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  const rgba = png.data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    // Transparent pixels are shown over black, as a viewer would.
    const alpha = (rgba[j + 3] as number) / 255;
    data[i * 3] = (rgba[j] as number) * alpha;
    data[i * 3 + 1] = (rgba[j + 1] as number) * alpha;
    data[i * 3 + 2] = (rgba[j + 2] as number) * alpha;
  }
  return { width, height, data };
}

function decodeJpeg(bytes: Uint8Array, limits: ImageLimits): RgbImage {
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: limits.maxPixels / 1e6,
    // RGB output plus the decoder's own component planes.
    maxMemoryUsageInMB: Math.ceil((limits.maxPixels * 8) / 1048576) + 64,
  });
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

/** Area-averaging resize: every source pixel counts, so a thin scratch is not skipped over when the image shrinks. */
export function resize(image: RgbImage, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < width; x++) {
      const x0 = x * sx;
      const x1 = x0 + sx;
      let r = 0;
      let g = 0;
      let b = 0;
      let weight = 0;
      for (let yy = Math.floor(y0); yy < Math.min(image.height, Math.ceil(y1)); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.min(image.width, Math.ceil(x1)); xx++) {
          const w = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
          const i = (yy * image.width + xx) * 3;
          r += (image.data[i] as number) * w;
          g += (image.data[i + 1] as number) * w;
          b += (image.data[i + 2] as number) * w;
          weight += w;
        }
      }
      const o = (y * width + x) * 3;
      out[o] = Math.round(r / weight);
      out[o + 1] = Math.round(g / weight);
      out[o + 2] = Math.round(b / weight);
    }
  }
  return { width, height, data: out };
}

/** Shrinks so the longer side is at most `maxSide` (never enlarges). */
export function fitWithin(image: RgbImage, maxSide: number): RgbImage {
  const scale = maxSide / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  return resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

export function encodePng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Luma (BT.601) as floats, for the template baseline. */
export function toGray(image: RgbImage): Float32Array {
  const gray = new Float32Array(image.width * image.height);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = 0.299 * (image.data[i * 3] as number) + 0.587 * (image.data[i * 3 + 1] as number) + 0.114 * (image.data[i * 3 + 2] as number);
  }
  return gray;
}

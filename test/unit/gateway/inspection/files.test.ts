import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { renderPart } from '../../../../firmware-sim/camera/part.js';
import { encodePng } from '../../../../firmware-sim/camera/png.js';
import { readArchive } from '../../../../gateway/inspection/archive.js';
import { InspectionError } from '../../../../gateway/inspection/errors.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage } from '../../../../gateway/inspection/image.js';
import { makeZip } from '../../../helpers/zip.js';

const part = renderPart({ size: 64, seed: 1 });
const png = encodePng(part);
const rgba = Buffer.alloc(64 * 64 * 4, 200);
const jpg = jpeg.encode({ data: rgba, width: 64, height: 64 }, 90).data;

function refusal(bytes: Uint8Array, name = 'part.png', limits = DEFAULT_IMAGE_LIMITS): InspectionError {
  try {
    decodeImage(bytes, name, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InspectionError);
    return error as InspectionError;
  }
  throw new Error('the file was accepted');
}

/** A PNG whose header says width × height, with no pixel data behind it: the shape of a decompression bomb's first bytes. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.from(png.subarray(0, 33));
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return Buffer.concat([header, Buffer.alloc(64)]);
}

describe('image files', () => {
  it('decodes PNG and JPEG to RGB', () => {
    const fromPng = decodeImage(png, 'a.png');
    expect([fromPng.width, fromPng.height, fromPng.data.length]).toEqual([64, 64, 64 * 64 * 3]);
    expect(Array.from(fromPng.data.subarray(0, 3))).toEqual(Array.from(part.data.subarray(0, 3)));
    const fromJpeg = decodeImage(jpg, 'a.jpg');
    expect([fromJpeg.width, fromJpeg.height]).toEqual([64, 64]);
    expect(Math.abs((fromJpeg.data[0] as number) - 200)).toBeLessThan(4);
  });

  it('refuses a file that is not an image whatever its name, in Japanese and English', () => {
    const error = refusal(Buffer.from('#!/bin/sh\nrm -rf /\n'), 'evil.png');
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.message).toMatch(/evil\.png: not a JPEG or PNG/);
    expect(error.messageJa).toMatch(/evil\.png: JPEG または PNG 画像ではありません/);
  });

  it('refuses a header that promises more pixels than the limit, before decoding anything', () => {
    const error = refusal(pngHeader(60000, 60000), 'bomb.png');
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toContain('60000 × 60000');
    // JPEG: the SOF marker's size, found by walking the segments.
    const hugeJpeg = Buffer.from(jpg);
    const sof = hugeJpeg.indexOf(Buffer.from([0xff, 0xc0]));
    hugeJpeg.writeUInt16BE(65000, sof + 5);
    hugeJpeg.writeUInt16BE(65000, sof + 7);
    expect(refusal(hugeJpeg, 'bomb.jpg').code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses damaged, cut-short, too small and oversized files with their own codes', () => {
    expect(refusal(png.subarray(0, 20)).code).toBe('BROKEN_IMAGE');
    const corrupt = Buffer.from(png);
    corrupt.fill(0x55, 60, 400);
    expect(refusal(corrupt).code).toBe('BROKEN_IMAGE');
    expect(refusal(jpg.subarray(0, jpg.length / 2), 'half.jpg').code).toBe('BROKEN_IMAGE');
    expect(refusal(encodePng(renderPart({ size: 16, seed: 1 }))).code).toBe('IMAGE_TOO_SMALL');
    expect(refusal(png, 'a.png', { ...DEFAULT_IMAGE_LIMITS, maxBytes: 100 }).code).toBe('IMAGE_TOO_LARGE');
  });
});

describe('zip archives', () => {
  const limits = { maxEntries: 10, maxEntryBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

  it('reads images with their folders and leaves out what is not an image', async () => {
    const zip = makeZip([
      { name: 'ok/a.png', data: png },
      { name: 'ng/scratch/b.png', data: png },
      { name: 'notes.txt', data: Buffer.from('hello') },
      { name: '__MACOSX/ok/._a.png', data: Buffer.from('x') },
    ]);
    const { entries, skipped } = await readArchive(zip, 'set.zip', limits);
    expect(entries.map((e) => [e.name, e.folders])).toEqual([
      ['ok/a.png', ['ok']],
      ['ng/scratch/b.png', ['ng', 'scratch']],
    ]);
    expect(skipped.map((s) => s.file)).toEqual(['notes.txt']);
  });

  it('skips an entry that declares more than the per-image limit without inflating it', async () => {
    const zeros = Buffer.alloc(3 * 1024 * 1024);
    const { entries, skipped } = await readArchive(
      makeZip([
        { name: 'big.png', data: zeros },
        { name: 'a.png', data: png },
      ]),
      'z.zip',
      limits,
    );
    expect(entries.map((e) => e.name)).toEqual(['a.png']);
    expect(skipped[0]?.code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses an archive whose entry inflates past what it declared (a zip bomb that lies)', async () => {
    const zeros = Buffer.alloc(3 * 1024 * 1024);
    const bomb = makeZip([{ name: 'liar.png', data: zeros, declaredSize: 1000 }]);
    await expect(readArchive(bomb, 'bomb.zip', limits)).rejects.toMatchObject({ code: 'BROKEN_ARCHIVE' });
  });

  it('refuses too many entries, too much in total, and a damaged archive', async () => {
    const many = makeZip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.png`, data: png })));
    await expect(readArchive(many, 'many.zip', limits)).rejects.toMatchObject({ code: 'TOO_MANY_IMAGES' });
    const heavy = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.png`, data: Buffer.alloc(1000 * 1024) })));
    await expect(readArchive(heavy, 'heavy.zip', limits)).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE' });
    const damaged = makeZip([{ name: 'a.png', data: png }]).subarray(0, 200);
    await expect(readArchive(damaged, 'cut.zip', limits)).rejects.toMatchObject({ code: 'BROKEN_ARCHIVE' });
  });
});

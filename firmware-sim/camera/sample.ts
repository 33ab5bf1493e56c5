/** A ready-made set of part images for a trial: good parts in ok/, defects in ng/<kind>/, as a company would bring them. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFECT_KINDS, renderPart } from './part.js';
import { encodePng } from './png.js';

export interface SampleOptions {
  good: number;
  /** Defect images per kind. */
  perDefect: number;
  size: number;
  seed?: number;
}

export function writeSample(dir: string, options: SampleOptions): string[] {
  const seed = options.seed ?? 1;
  const written: string[] = [];
  mkdirSync(join(dir, 'ok'), { recursive: true });
  for (let i = 0; i < options.good; i++) {
    const path = join(dir, 'ok', `ok-${String(i + 1).padStart(3, '0')}.png`);
    writeFileSync(path, encodePng(renderPart({ size: options.size, seed: seed + i })));
    written.push(path);
  }
  DEFECT_KINDS.forEach((defect, k) => {
    mkdirSync(join(dir, 'ng', defect), { recursive: true });
    for (let i = 0; i < options.perDefect; i++) {
      const path = join(dir, 'ng', defect, `${defect}-${i + 1}.png`);
      writeFileSync(path, encodePng(renderPart({ size: options.size, seed: seed + 10_000 + k * 1000 + i, defect })));
      written.push(path);
    }
  });
  return written;
}

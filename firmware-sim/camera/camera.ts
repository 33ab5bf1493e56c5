/** A simulated inspection camera: drops part images into a folder, as a camera's FTP/SMB upload would, with some defects. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFECT_KINDS, type DefectKind, renderPart } from './part.js';
import { encodePng } from './png.js';

export interface CameraOptions {
  /** The watched folder the gateway judges from. */
  folder: string;
  size: number;
  intervalMs: number;
  /** Share of parts that carry a defect (0..1). */
  defectRate: number;
  /** First part's seed; each part takes the next. */
  seed?: number;
}

/** Writes one image atomically (a temporary name, then rename), so a watcher never reads half a file. */
export function dropImage(folder: string, name: string, png: Buffer): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(`${path}.part`, png);
  renameSync(`${path}.part`, path);
  return path;
}

/** Drops the first part at once (a demo shows a judgment as soon as its trial is fitted), then one every interval. */
export function startCamera(options: CameraOptions): { stop(): void } {
  let seed = options.seed ?? 100_000;
  let shot = 0;
  const take = () => {
    seed++;
    shot++;
    const defect: DefectKind | undefined =
      (seed * 2654435761) % 1000 < options.defectRate * 1000 ? DEFECT_KINDS[shot % DEFECT_KINDS.length] : undefined;
    const name = `part-${String(shot).padStart(6, '0')}.png`;
    dropImage(options.folder, name, encodePng(renderPart({ size: options.size, seed, ...(defect ? { defect } : {}) })));
  };
  take();
  const timer = setInterval(take, options.intervalMs);
  return { stop: () => clearInterval(timer) };
}

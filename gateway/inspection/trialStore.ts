/**
 * Inspection trials on disk: one folder each under <dataDir>/inspection/trials/<id>/ with trial.json, the images as the kit
 * keeps them (PNG), their heat maps, and the fitted model (model.json + model.bin). Writes go to a temporary file first and
 * are renamed into place, so a power cut leaves either the old file or the new one.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../privateFiles.js';
import type { FittedModel } from './detector.js';
import type { Evaluation } from './evaluation.js';
import type { FitStage } from './protocol.js';
import type { DetectorSettings } from './settings.js';

export type ImageRole = 'ok' | 'ng' | 'test';

export interface TrialImage {
  id: string;
  /** The file name as given (or the archive entry's path). */
  name: string;
  /** ok / ng: brought as good / defect; test: brought to be judged, truth unknown. */
  role: ImageRole;
  /** The defect class of an NG image (from its folder in a zip, or given at upload). */
  label: string | null;
  width: number;
  height: number;
  addedAt: number;
  /** After a fit: learned from, held out to set the threshold, or judged only. */
  use: 'train' | 'heldOut' | 'judged' | null;
  score: number | null;
  templateScore: number | null;
}

export interface FitSummary {
  fittedAt: number;
  durationMs: number;
  backbone: string;
  trainImages: number;
  heldOutImages: number;
  bankSize: number;
  goodPatches: number;
  modelBytes: number;
  /** The thresholds the fit set from the held-out good images; the trial's own may have been moved since. */
  fittedThresholds: { patchcore: number; template: number };
  patchcore: Evaluation;
  template: Evaluation;
}

export interface Trial {
  id: string;
  name: string;
  product: string;
  camera: string;
  note: string;
  createdAt: number;
  updatedAt: number;
  status: 'draft' | 'fitting' | 'fitted' | 'failed';
  error: { code: string; message: string; messageJa: string } | null;
  progress: { stage: FitStage; fraction: number } | null;
  settings: DetectorSettings;
  /** The thresholds judgments use now (PatchCore's moved by the sensitivity control, no refit needed). */
  thresholds: { patchcore: number; template: number } | null;
  fit: FitSummary | null;
  images: TrialImage[];
}

export class TrialStore {
  constructor(readonly dir: string) {
    // The company's product images: owner-only like everything else in the data folder.
    ensurePrivateDir(dir);
  }

  folder(id: string): string {
    return join(this.dir, id);
  }

  list(): Trial[] {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(this.dir, entry.name, 'trial.json')))
      .map((entry) => this.read(entry.name))
      .filter((trial): trial is Trial => trial !== undefined);
  }

  read(id: string): Trial | undefined {
    try {
      return JSON.parse(readFileSync(join(this.folder(id), 'trial.json'), 'utf8')) as Trial;
    } catch {
      return undefined;
    }
  }

  write(trial: Trial): void {
    ensurePrivateDir(join(this.folder(trial.id), 'images'));
    ensurePrivateDir(join(this.folder(trial.id), 'heat'));
    writePrivateFile(join(this.folder(trial.id), 'trial.json'), JSON.stringify(trial, null, 1));
  }

  remove(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
  }

  imagePath(id: string, imageId: string, kind: 'image' | 'heatmap' | 'template'): string {
    if (kind === 'image') return join(this.folder(id), 'images', `${imageId}.png`);
    return join(this.folder(id), 'heat', kind === 'heatmap' ? `${imageId}.png` : `${imageId}.template.png`);
  }

  writeImage(id: string, imageId: string, kind: 'image' | 'heatmap' | 'template', png: Uint8Array): void {
    writePrivateFile(this.imagePath(id, imageId, kind), png);
  }

  readImage(id: string, imageId: string, kind: 'image' | 'heatmap' | 'template'): Buffer | undefined {
    try {
      return readFileSync(this.imagePath(id, imageId, kind));
    } catch {
      return undefined;
    }
  }

  removeImage(id: string, imageId: string): void {
    for (const kind of ['image', 'heatmap', 'template'] as const) rmSync(this.imagePath(id, imageId, kind), { force: true });
  }

  /** The model: metadata as JSON, the memory bank and the template as raw float32 in one binary file. Returns its bytes. */
  writeModel(id: string, model: FittedModel): number {
    const { bank, template, ...meta } = model;
    const arrays = [bank, template.mean, template.spread];
    const binary = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
    writePrivateFile(join(this.folder(id), 'model.bin'), binary);
    writePrivateFile(
      join(this.folder(id), 'model.json'),
      JSON.stringify({
        ...meta,
        template: { size: template.size, maxShift: template.maxShift },
        lengths: arrays.map((a) => a.length),
      }),
    );
    return binary.length;
  }
}

/** The model in a trial's folder, or undefined when it has none (or it cannot be read). */
export function readModel(folder: string): FittedModel | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as Omit<FittedModel, 'bank' | 'template'> & {
      template: { size: number; maxShift: number };
      lengths: [number, number, number];
    };
    const binary = readFileSync(join(folder, 'model.bin'));
    const floats = new Float32Array(binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.byteLength));
    const [bankLength, meanLength, spreadLength] = meta.lengths;
    // model.json and model.bin are replaced one after the other by a refit: a pair that does not match is no model.
    if (floats.length !== bankLength + meanLength + spreadLength) return undefined;
    const { lengths: _lengths, template, ...rest } = meta;
    return {
      ...rest,
      bank: floats.slice(0, bankLength),
      template: {
        ...template,
        mean: floats.slice(bankLength, bankLength + meanLength),
        spread: floats.slice(bankLength + meanLength),
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * The detector: fits PatchCore and the golden-template baseline on good images and judges new ones. Pure computation on
 * decoded images (no files, no network, no clock); it runs inside the inspection runtime, a child process of the gateway.
 */
import type { Backbone } from './backbone.js';
import { type Evaluation, evaluate, type ScoredImage, thresholdAt } from './evaluation.js';
import { type RgbImage, resize, toGray } from './image.js';
import { greedyCoreset, MemoryBank, patchFeatures } from './patchcore.js';
import type { DetectorSettings } from './settings.js';
import { fitTemplate, type GoldenTemplate, scoreTemplate } from './template.js';

/** The template's deviation map is kept at this many cells a side: enough for a heat map, small enough to store per image. */
export const TEMPLATE_GRID = 32;

export interface FittedModel {
  settings: DetectorSettings;
  backbone: string;
  rows: number;
  cols: number;
  dims: number;
  bank: Float32Array;
  template: GoldenTemplate;
  thresholds: { patchcore: number; template: number };
  trainImages: number;
  goodPatches: number;
}

export interface Judgment {
  score: number;
  /** Patch scores, rows × cols. */
  grid: Float32Array;
  templateScore: number;
  /** Template deviations, TEMPLATE_GRID². */
  templateGrid: Float32Array;
}

export interface EvaluationImage {
  id: string;
  truth: 'ok' | 'ng';
  label?: string;
  image: RgbImage;
}

export interface FitHooks {
  progress?: (stage: 'features' | 'coreset' | 'template' | 'evaluation', fraction: number) => void;
}

export interface FitResult {
  model: FittedModel;
  judgments: Map<string, Judgment>;
  patchcore: Evaluation;
  template: Evaluation;
}

const FEATURE_BATCH = 4;

export class Detector {
  private bank: MemoryBank | undefined;
  private model: FittedModel | undefined;

  constructor(private readonly backbone: Backbone) {}

  get fitted(): FittedModel | undefined {
    return this.model;
  }

  fit(train: RgbImage[], evaluation: EvaluationImage[], settings: DetectorSettings, hooks: FitHooks = {}): FitResult {
    const size = this.backbone.imageSize;
    const features: Float32Array[] = [];
    let grid = { rows: 0, cols: 0 };
    for (let i = 0; i < train.length; i += FEATURE_BATCH) {
      const batch = train.slice(i, i + FEATURE_BATCH).map((image) => resize(image, size, size));
      const patches = patchFeatures(this.backbone, batch, settings.embedDims);
      grid = { rows: patches.rows, cols: patches.cols };
      features.push(patches.data);
      hooks.progress?.('features', Math.min(1, (i + FEATURE_BATCH) / train.length));
    }
    const all = concat(features);
    const goodPatches = all.length / settings.embedDims;
    const bankSize = Math.min(settings.maxBank, Math.max(1, Math.ceil(goodPatches * settings.coresetRatio)));
    const chosen = greedyCoreset(all, settings.embedDims, {
      size: bankSize,
      projectionDims: settings.projectionDims,
      seed: settings.seed,
      progress: (f) => hooks.progress?.('coreset', f),
    });
    const bank = new Float32Array(chosen.length * settings.embedDims);
    chosen.forEach((index, row) => {
      bank.set(all.subarray(index * settings.embedDims, (index + 1) * settings.embedDims), row * settings.embedDims);
    });
    hooks.progress?.('template', 0);
    const template = fitTemplate(
      train.map((image) => grayAt(image, settings.templateSize)),
      settings.templateSize,
      settings.templateMaxShift,
    );
    this.load({
      settings,
      backbone: this.backbone.description,
      ...grid,
      dims: settings.embedDims,
      bank,
      template,
      thresholds: { patchcore: 1, template: 1 },
      trainImages: train.length,
      goodPatches,
    });

    const judgments = new Map<string, Judgment>();
    evaluation.forEach((item, i) => {
      judgments.set(item.id, this.judge(item.image));
      hooks.progress?.('evaluation', (i + 1) / evaluation.length);
    });
    const scored = (pick: (j: Judgment) => number): ScoredImage[] =>
      evaluation.map((item) => ({
        id: item.id,
        truth: item.truth,
        score: pick(judgments.get(item.id) as Judgment),
        ...(item.label ? { label: item.label } : {}),
      }));
    const patchcoreScores = scored((j) => j.score);
    const templateScores = scored((j) => j.templateScore);
    const goodOnly = (images: ScoredImage[]) => images.filter((i) => i.truth === 'ok').map((i) => i.score);
    const thresholds = {
      patchcore: thresholdAt(goodOnly(patchcoreScores), settings.falseRejectRate),
      template: thresholdAt(goodOnly(templateScores), settings.falseRejectRate),
    };
    (this.model as FittedModel).thresholds = thresholds;
    return {
      model: this.model as FittedModel,
      judgments,
      patchcore: evaluate(patchcoreScores, thresholds.patchcore, settings.falseRejectRate),
      template: evaluate(templateScores, thresholds.template, settings.falseRejectRate),
    };
  }

  /** Takes a model fitted earlier (from disk) as the one to judge with. */
  load(model: FittedModel): void {
    this.bank?.dispose();
    this.bank = new MemoryBank(model.bank, model.dims);
    this.model = model;
  }

  judge(image: RgbImage): Judgment {
    const model = this.model;
    const bank = this.bank;
    if (!model || !bank) throw new Error('no model loaded');
    const size = this.backbone.imageSize;
    const patches = patchFeatures(this.backbone, [resize(image, size, size)], model.dims);
    const grid = bank.nearestDistances(patches.data);
    let score = 0;
    for (const value of grid) score = Math.max(score, value);
    const template = scoreTemplate(model.template, grayAt(image, model.template.size));
    return { score, grid, templateScore: template.score, templateGrid: maxPool(template.map, model.template.size, TEMPLATE_GRID) };
  }

  dispose(): void {
    this.bank?.dispose();
    this.bank = undefined;
  }
}

function grayAt(image: RgbImage, size: number): Float32Array {
  return toGray(resize(image, size, size));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Keeps the largest value of each block, so a one-pixel-wide scratch survives the shrink. */
function maxPool(map: Float32Array, size: number, cells: number): Float32Array {
  const out = new Float32Array(cells * cells);
  const step = size / cells;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cell = Math.floor(y / step) * cells + Math.floor(x / step);
      out[cell] = Math.max(out[cell] as number, map[y * size + x] as number);
    }
  }
  return out;
}

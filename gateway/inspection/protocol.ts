/** The messages between the inspection service and its worker thread (structured-clone friendly: typed arrays, no classes). */

import type { DetectorSettings, FittedModel, Judgment } from './detector.js';
import type { Evaluation } from './evaluation.js';
import type { ImageLimits } from './image.js';

export interface PreparedImage {
  /** The image as the kit keeps it: PNG, longer side at most `displaySize`. */
  png: Uint8Array;
  width: number;
  height: number;
  /** The size of the file as it came. */
  originalWidth: number;
  originalHeight: number;
}

export interface EvaluationInput {
  id: string;
  truth: 'ok' | 'ng';
  label?: string;
  png: Uint8Array;
}

export interface JudgedImage extends Judgment {
  /** The image with its PatchCore map, and with its template map, coloured against the fitted thresholds. */
  overlay: Uint8Array;
  templateOverlay: Uint8Array;
}

export type WorkerRequest =
  | { id: number; type: 'prepare'; name: string; bytes: Uint8Array; limits: ImageLimits; displaySize: number }
  | { id: number; type: 'fit'; settings: DetectorSettings; train: Uint8Array[]; evaluation: EvaluationInput[]; cancel: SharedArrayBuffer }
  /** `model` is sent only when the worker does not hold `modelKey` yet. */
  | {
      id: number;
      type: 'judge';
      modelKey: string;
      model?: FittedModel;
      png?: Uint8Array;
      bytes?: Uint8Array;
      name: string;
      limits: ImageLimits;
      displaySize: number;
    };

export type FitStage = 'loading' | 'features' | 'coreset' | 'template' | 'evaluation';

export interface FitOutput {
  model: FittedModel;
  judged: [string, JudgedImage][];
  patchcore: Evaluation;
  template: Evaluation;
}

export interface JudgeOutput {
  judged: JudgedImage;
  /** Present when the input was a raw file: the image as kept. */
  prepared?: PreparedImage;
}

export type WorkerReply =
  | { id: number; type: 'progress'; stage: FitStage; fraction: number }
  | { id: number; type: 'done'; result: PreparedImage | FitOutput | JudgeOutput }
  | { id: number; type: 'failed'; error: { code: string; message: string; messageJa: string; file?: string } };

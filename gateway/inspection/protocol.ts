/**
 * The messages between the inspection service (in the gateway) and the inspection runtime (its child process), over the
 * process's IPC channel with structured-clone serialisation: typed arrays, no classes. Images the trial already keeps
 * and the fitted model go by their paths, so the gateway never holds a whole training set or a memory bank.
 */

import type { FittedModel, Judgment } from './detector.js';
import type { Evaluation } from './evaluation.js';
import type { ImageLimits } from './image.js';
import type { DetectorSettings } from './settings.js';

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
  /** The kept PNG. */
  file: string;
}

export interface JudgedImage extends Judgment {
  /** The image with its PatchCore map, and with its template map, coloured against the fitted thresholds. */
  overlay: Uint8Array;
  templateOverlay: Uint8Array;
}

export type RuntimeRequest =
  | { id: number; type: 'prepare'; name: string; bytes: Uint8Array; limits: ImageLimits; displaySize: number }
  /** `train`: the kept PNGs to learn from. */
  | { id: number; type: 'fit'; settings: DetectorSettings; train: string[]; evaluation: EvaluationInput[] }
  /**
   * Judges a kept PNG (`kept`, a path) or a file as it came (`bytes`, prepared first) with the model in the trial folder
   * `model.folder`; the runtime keeps that model loaded until `model.key` changes (a refit).
   */
  | {
      id: number;
      type: 'judge';
      model: { key: string; folder: string };
      kept?: string;
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

export type RuntimeReply =
  | { id: number; type: 'progress'; stage: FitStage; fraction: number }
  | { id: number; type: 'done'; result: PreparedImage | FitOutput | JudgeOutput }
  | { id: number; type: 'failed'; error: { code: string; message: string; messageJa: string; file?: string } };

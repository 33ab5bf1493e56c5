/**
 * What a trial's detector is fitted with. Kept apart from the detector so that the gateway, which only stores and shows
 * these settings, never loads the runtime's modules (TensorFlow.js, the image decoders) to read them.
 */
import type { BackboneConfig } from './backbone.js';

export interface DetectorSettings {
  backbone: BackboneConfig;
  /** Side of the square the backbone sees (a multiple of 32; 224 suits a Pi 4, 128 is enough for the tests). */
  imageSize: number;
  /** Feature dimensions per patch after channel pooling. */
  embedDims: number;
  /** Share of all good patches kept in the memory bank … */
  coresetRatio: number;
  /** … but never more than this many (memory and judgment time grow with it). */
  maxBank: number;
  projectionDims: number;
  /** Side of the grey image the template baseline works on, and how far (pixels at that size) it searches for alignment. */
  templateSize: number;
  templateMaxShift: number;
  /** The false-reject rate the threshold is set for, on held-out good images. */
  falseRejectRate: number;
  /** Share of the good images held out from fitting to set the threshold (at least 2 are always held out). */
  heldOutShare: number;
  seed: number;
}

export const DEFAULT_SETTINGS: DetectorSettings = {
  backbone: { kind: 'mobilenet_v2' },
  imageSize: 224,
  embedDims: 256,
  coresetRatio: 0.05,
  maxBank: 4000,
  projectionDims: 64,
  templateSize: 128,
  templateMaxShift: 8,
  falseRejectRate: 0.05,
  heldOutShare: 0.2,
  seed: 1,
};

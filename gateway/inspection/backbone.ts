/**
 * The pretrained CNN whose intermediate layers describe each image patch. Weights never come from the network: the default
 * is the MobileNetV2 that the nsfwjs package carries inside its tarball (an ImageNet MobileNetV2 fine-tuned by its authors;
 * its early and middle layers still respond to edges, texture and small shapes, which is all PatchCore asks of them), and a
 * centre can point the kit at any TensorFlow.js layers model on disk instead (docs/inspection.md says how).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InspectionError } from './errors.js';

export interface BackboneConfig {
  /** `mobilenet_v2` (bundled) or `file` (a TensorFlow.js layers model.json the centre provides). */
  kind: 'mobilenet_v2' | 'file';
  /** For `file`: the model.json path; its weight files sit beside it. */
  path?: string;
  /** Layer names whose outputs become patch features: a finer one first, a coarser one second. */
  layers?: string[];
  /** How the network wants its pixels: `unit` 0..1 (the bundled model) or `symmetric` −1..1 (Keras MobileNet's own). */
  pixelScale?: 'unit' | 'symmetric';
}

export const DEFAULT_BACKBONE: Required<Omit<BackboneConfig, 'path'>> = {
  kind: 'mobilenet_v2',
  // Stride 8 (28 × 28 × 192 at 224 px) for small defects, stride 16 (14 × 14 × 384) for context; the deep layers that
  // say "what object is this" are never computed.
  layers: ['block_6_expand_relu', 'block_10_expand_relu'],
  pixelScale: 'unit',
};

export interface Backbone {
  /** What the report and the API show: the model and the layers used. */
  description: string;
  layers: string[];
  /** The image side the network runs at (a multiple of 32). */
  imageSize: number;
  /** One tensor per layer, [batch, h, w, channels], for a batch of images [batch, size, size, 3] with values 0..255. */
  extract(images: tf.Tensor4D): tf.Tensor4D[];
  dispose(): void;
}

const require = createRequire(import.meta.url);
let backendReady: Promise<void> | undefined;

/** TensorFlow.js on its WebAssembly backend, single-threaded: the gateway's other work keeps the remaining cores. */
export function initWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm files ship inside the package: point the loader at them instead of a CDN.
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly backend did not start');
    await tf.ready();
  })();
  return backendReady;
}

interface ModelFiles {
  modelTopology: Record<string, unknown>;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

async function bundledMobileNetV2(): Promise<ModelFiles> {
  const { MobileNetV2Model } = (await import('nsfwjs/models/mobilenet_v2')) as unknown as {
    MobileNetV2Model: { modelJson: () => Promise<{ default: unknown }>; weightBundles: (() => Promise<{ default: unknown }>)[] };
  };
  const json = (await MobileNetV2Model.modelJson()).default as {
    modelTopology: Record<string, unknown>;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = await Promise.all(
    MobileNetV2Model.weightBundles.map(async (load) => Buffer.from((await load()).default as string, 'base64')),
  );
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: toArrayBuffer(Buffer.concat(shards)),
  };
}

function modelFromFile(path: string): ModelFiles {
  const file = resolve(path);
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    modelTopology: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(file), p))));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: toArrayBuffer(Buffer.concat(buffers)),
  };
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, unknown][][];
}

/**
 * The network cut after the deepest layer asked for, with its input resized: the convolutional part works at any multiple
 * of 32, and the classifier head (which would need 224 px) is gone with the rest.
 */
function truncated(topology: Record<string, unknown>, size: number, outputs: string[]): Record<string, unknown> {
  const copy = structuredClone(topology) as {
    model_config?: { config?: { layers?: KerasLayer[]; output_layers?: unknown[]; input_layers?: unknown[] } };
  };
  const config = copy.model_config?.config;
  if (!config?.layers) throw new Error('not a Keras functional model');
  const byName = new Map(config.layers.map((layer) => [layer.name, layer]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const layer = byName.get(name);
    if (!layer) return;
    needed.add(name);
    for (const node of layer.inbound_nodes) for (const [inbound] of node) visit(inbound);
  };
  for (const name of outputs) visit(name);
  config.layers = config.layers.filter((layer) => needed.has(layer.name));
  for (const layer of config.layers) {
    if (layer.class_name === 'InputLayer') layer.config.batch_input_shape = [null, size, size, 3];
  }
  config.output_layers = outputs.filter((name) => byName.has(name)).map((name) => [name, 0, 0]);
  return copy as Record<string, unknown>;
}

export async function loadBackbone(config: BackboneConfig, imageSize: number): Promise<Backbone> {
  await initWasmBackend();
  if (imageSize % 32 !== 0) throw new Error(`imageSize must be a multiple of 32, got ${imageSize}`);
  const layers = config.layers ?? DEFAULT_BACKBONE.layers;
  const pixelScale = config.pixelScale ?? DEFAULT_BACKBONE.pixelScale;
  let files: ModelFiles;
  try {
    files = config.kind === 'file' ? modelFromFile(config.path ?? '') : await bundledMobileNetV2();
  } catch (error) {
    throw new InspectionError(
      'BACKBONE_UNAVAILABLE',
      `the feature network could not be loaded: ${(error as Error).message}`,
      `特徴抽出ネットワークを読み込めません: ${(error as Error).message}`,
    );
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: truncated(files.modelTopology, imageSize, layers),
        weightSpecs: files.weightSpecs,
        weightData: files.weightData,
      }),
      // The weights of the cut-off head are in the file but have no layer any more.
      { strict: false },
    );
  } catch (error) {
    throw new InspectionError(
      'BACKBONE_UNAVAILABLE',
      `the feature network could not be built: ${(error as Error).message}`,
      `特徴抽出ネットワークを構築できません: ${(error as Error).message}`,
    );
  }
  const missing = layers.filter((name) => !model.layers.some((layer) => layer.name === name));
  if (missing.length > 0) {
    model.dispose();
    throw new InspectionError(
      'BACKBONE_UNAVAILABLE',
      `the feature network has no layer named ${missing.join(', ')}`,
      `特徴抽出ネットワークに層 ${missing.join(', ')} がありません`,
    );
  }
  const features = tfl.model({ inputs: model.inputs, outputs: layers.map((name) => model.getLayer(name).output as tfl.SymbolicTensor) });
  const name = config.kind === 'file' ? `file ${config.path}` : 'MobileNetV2 (nsfwjs bundle, Keras 2.2.4, uint8-quantised)';
  return {
    description: `${name}; layers ${layers.join(' + ')}; ${imageSize} px`,
    layers,
    imageSize,
    extract(images) {
      return tf.tidy(() => {
        const scaled = pixelScale === 'unit' ? tf.div(images, 255) : tf.sub(tf.div(images, 127.5), 1);
        const out = features.predict(scaled);
        return (Array.isArray(out) ? out : [out]) as tf.Tensor4D[];
      });
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * The inspection runtime: a child process the gateway starts when there is inspection work (runtime.ts). Every heavy step
 * runs here: decoding, the CNN on TensorFlow.js's WebAssembly backend, the coreset, scoring, heat maps. Its memory is its
 * own and goes back to the system when it exits, and if it dies (a hostile image, the memory cap) the gateway lives on.
 * It takes one request at a time over the IPC channel and exits when the channel closes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { basename } from 'node:path';
import { type Backbone, loadBackbone } from './backbone.js';
import { Detector, type FittedModel, type Judgment, TEMPLATE_GRID } from './detector.js';
import { InspectionError } from './errors.js';
import { overlay } from './heatmap.js';
import { decodeImage, encodePng, fitWithin, type ImageLimits, type RgbImage } from './image.js';
import type { JudgedImage, PreparedImage, RuntimeReply, RuntimeRequest } from './protocol.js';
import type { DetectorSettings } from './settings.js';
import { readModel } from './trialStore.js';

const send = process.send?.bind(process);
if (!send) throw new Error('runtimeProcess.ts runs as the gateway’s child process (child_process.fork)');

// The gateway renices this process's main thread as soon as it exists; the threads V8 started before that (the garbage
// collector's and the compiler's helpers) are reniced here, and every thread started later inherits the value.
const nice = Number(process.argv[2] ?? 10);
try {
  for (const task of readdirSync('/proc/self/task')) setPriority(Number(task), nice);
} catch {
  setPriority(nice);
}
// Should the Pi run out of memory all the same, the kernel ends this process first, not the gateway or InfluxDB.
try {
  writeFileSync('/proc/self/oom_score_adj', '1000');
} catch {}

const backbones = new Map<string, Promise<Backbone>>();
let judging: { key: string; detector: Detector } | undefined;

function backboneFor(settings: DetectorSettings): Promise<Backbone> {
  const key = JSON.stringify([settings.backbone, settings.imageSize]);
  let backbone = backbones.get(key);
  if (!backbone) {
    backbone = loadBackbone(settings.backbone, settings.imageSize);
    backbones.set(key, backbone);
    backbone.catch(() => backbones.delete(key));
  }
  return backbone;
}

function prepare(bytes: Uint8Array, name: string, limits: ImageLimits, displaySize: number): { image: RgbImage; prepared: PreparedImage } {
  const decoded = decodeImage(bytes, name, limits);
  const image = fitWithin(decoded, displaySize);
  return {
    image,
    prepared: {
      png: encodePng(image),
      width: image.width,
      height: image.height,
      originalWidth: decoded.width,
      originalHeight: decoded.height,
    },
  };
}

/** An image the trial keeps (a PNG the kit wrote itself). */
function kept(file: string): RgbImage {
  const name = basename(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InspectionError(
      'NO_SUCH_IMAGE',
      `${name}: the trial's copy of this image cannot be read (${code}); was it deleted meanwhile?`,
      `${name}: トライアルに保存した画像を読めません（${code}）。処理中に削除されましたか？`,
      name,
    );
  }
  return decodeImage(bytes, name);
}

function render(model: FittedModel, image: RgbImage, judgment: Judgment): JudgedImage {
  return {
    ...judgment,
    overlay: encodePng(overlay(image, judgment.grid, model.rows, model.cols, model.thresholds.patchcore)),
    templateOverlay: encodePng(overlay(image, judgment.templateGrid, TEMPLATE_GRID, TEMPLATE_GRID, model.thresholds.template)),
  };
}

async function detectorFor(model: { key: string; folder: string }): Promise<Detector> {
  if (judging?.key === model.key) return judging.detector;
  const fitted = readModel(model.folder);
  if (!fitted) {
    throw new InspectionError(
      'NOT_FITTED',
      'the trial has no readable model; fit it again',
      'トライアルのモデルを読めません。もう一度学習してください',
    );
  }
  judging?.detector.dispose();
  judging = undefined;
  const detector = new Detector(await backboneFor(fitted.settings));
  detector.load(fitted);
  judging = { key: model.key, detector };
  return detector;
}

async function handle(request: RuntimeRequest): Promise<unknown> {
  switch (request.type) {
    case 'prepare':
      return prepare(request.bytes, request.name, request.limits, request.displaySize).prepared;
    case 'fit': {
      send?.({ id: request.id, type: 'progress', stage: 'loading', fraction: 0 } satisfies RuntimeReply);
      const detector = new Detector(await backboneFor(request.settings));
      const evaluation = request.evaluation.map((item) => ({
        id: item.id,
        truth: item.truth,
        image: kept(item.file),
        ...(item.label ? { label: item.label } : {}),
      }));
      const result = detector.fit(request.train.map(kept), evaluation, request.settings, {
        progress: (stage, fraction) => send?.({ id: request.id, type: 'progress', stage, fraction } satisfies RuntimeReply),
      });
      const judged = evaluation.map((item): [string, JudgedImage] => [
        item.id,
        render(result.model, item.image, result.judgments.get(item.id) as Judgment),
      ]);
      detector.dispose();
      return { model: result.model, judged, patchcore: result.patchcore, template: result.template };
    }
    case 'judge': {
      const detector = await detectorFor(request.model);
      const model = detector.fitted as FittedModel;
      if (request.kept) {
        const image = kept(request.kept);
        return { judged: render(model, image, detector.judge(image)) };
      }
      const { image, prepared } = prepare(request.bytes ?? new Uint8Array(), request.name, request.limits, request.displaySize);
      return { judged: render(model, image, detector.judge(image)), prepared };
    }
  }
}

process.on('message', (request: RuntimeRequest) => {
  handle(request).then(
    (result) => send({ id: request.id, type: 'done', result: result as never } satisfies RuntimeReply),
    (error: unknown) => {
      const plain =
        error instanceof InspectionError
          ? error.body()
          : {
              code: 'WORKER_FAILED',
              message: `the inspection runtime failed: ${(error as Error).message}`,
              messageJa: `検査処理でエラーが発生しました: ${(error as Error).message}`,
            };
      send({ id: request.id, type: 'failed', error: plain } satisfies RuntimeReply);
    },
  );
});
// The gateway closes the channel when the runtime has been idle long enough, or when the gateway itself goes away.
process.on('disconnect', () => process.exit(0));

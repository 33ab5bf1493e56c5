/**
 * The inspection worker thread: every heavy step (decoding, the CNN, the coreset, scoring, heat maps) runs here, so the
 * gateway's own thread keeps taking MQTT messages and serving the dashboard while a model is fitted.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type Backbone, loadBackbone } from './backbone.js';
import { Cancelled, Detector, type DetectorSettings, type FittedModel, TEMPLATE_GRID } from './detector.js';
import { InspectionError } from './errors.js';
import { overlay } from './heatmap.js';
import { decodeImage, encodePng, fitWithin, type ImageLimits, type RgbImage } from './image.js';
import type { JudgedImage, PreparedImage, WorkerReply, WorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');

// On Linux the nice value belongs to the thread: this one yields the CPU to the gateway's own thread (MQTT, ingest,
// dashboard) whenever both want it, and still has every idle cycle.
try {
  setPriority(10);
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

function kept(png: Uint8Array, name: string): RgbImage {
  return decodeImage(png, name);
}

function render(detector: Detector, image: RgbImage): JudgedImage {
  const model = detector.fitted as FittedModel;
  const judgment = detector.judge(image);
  return {
    ...judgment,
    overlay: encodePng(overlay(image, judgment.grid, model.rows, model.cols, model.thresholds.patchcore)),
    templateOverlay: encodePng(overlay(image, judgment.templateGrid, TEMPLATE_GRID, TEMPLATE_GRID, model.thresholds.template)),
  };
}

async function handle(request: WorkerRequest, reply: (message: WorkerReply) => void): Promise<unknown> {
  switch (request.type) {
    case 'prepare':
      return prepare(request.bytes, request.name, request.limits, request.displaySize).prepared;
    case 'fit': {
      const flag = new Int32Array(request.cancel);
      const cancelled = () => Atomics.load(flag, 0) === 1;
      reply({ id: request.id, type: 'progress', stage: 'loading', fraction: 0 });
      const detector = new Detector(await backboneFor(request.settings));
      const evaluation = request.evaluation.map((item) => ({
        id: item.id,
        truth: item.truth,
        image: kept(item.png, item.id),
        ...(item.label ? { label: item.label } : {}),
      }));
      const result = detector.fit(
        request.train.map((png, i) => kept(png, `train ${i}`)),
        evaluation,
        request.settings,
        { cancelled, progress: (stage, fraction) => reply({ id: request.id, type: 'progress', stage, fraction }) },
      );
      const model = result.model;
      const judged = evaluation.map((item): [string, JudgedImage] => {
        const judgment = result.judgments.get(item.id) as JudgedImage;
        return [
          item.id,
          {
            ...judgment,
            overlay: encodePng(overlay(item.image, judgment.grid, model.rows, model.cols, model.thresholds.patchcore)),
            templateOverlay: encodePng(overlay(item.image, judgment.templateGrid, TEMPLATE_GRID, TEMPLATE_GRID, model.thresholds.template)),
          },
        ];
      });
      detector.dispose();
      return { model, judged, patchcore: result.patchcore, template: result.template };
    }
    case 'judge': {
      if (judging?.key !== request.modelKey) {
        if (!request.model) throw new Error('the worker does not hold this model; send it along');
        judging?.detector.dispose();
        const detector = new Detector(await backboneFor(request.model.settings));
        detector.load(request.model);
        judging = { key: request.modelKey, detector };
      }
      if (request.png) return { judged: render(judging.detector, kept(request.png, request.name)) };
      const { image, prepared } = prepare(request.bytes ?? new Uint8Array(), request.name, request.limits, request.displaySize);
      return { judged: render(judging.detector, image), prepared };
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  const reply = (message: WorkerReply) => port.postMessage(message);
  handle(request, reply).then(
    (result) => reply({ id: request.id, type: 'done', result: result as never }),
    (error: unknown) => {
      const plain =
        error instanceof InspectionError
          ? error.body()
          : error instanceof Cancelled
            ? { code: 'CANCELLED', message: 'the fit was cancelled', messageJa: '学習を中止しました' }
            : {
                code: 'WORKER_FAILED',
                message: `the inspection worker failed: ${(error as Error).message}`,
                messageJa: `検査処理でエラーが発生しました: ${(error as Error).message}`,
              };
      reply({ id: request.id, type: 'failed', error: plain });
    },
  );
});

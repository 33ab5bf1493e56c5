/**
 * The inspection trial service: owns the trials' files, sends the heavy work to the inspection runtime (child processes
 * started on demand, runtime.ts), and keeps each trial's state (images, fit, thresholds, evaluation) in trial.json. One
 * runtime fits; another prepares uploads and judges, so a live station keeps judging while a fit runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { InspectionConfig } from '../../config/schema.js';
import { type ArchiveSkip, isZip, readArchive } from './archive.js';
import { InspectionError } from './errors.js';
import { evaluate, type ScoredImage } from './evaluation.js';
import type { ImageLimits } from './image.js';
import type { FitOutput, FitStage, JudgedImage, PreparedImage } from './protocol.js';
import { InspectionRuntime, type RunningFit, type RuntimeStatus } from './runtime.js';
import { DEFAULT_SETTINGS, type DetectorSettings } from './settings.js';
import { type ImageRole, type Trial, type TrialImage, TrialStore } from './trialStore.js';

/** The longer side of the images the kit keeps: enough for a heat map on a tablet and in the report. */
export const DISPLAY_SIZE = 384;
const MIN_TRAIN = 3;
const MIN_HELD_OUT = 2;
const MAX_IMAGES = 2000;

export interface NewTrial {
  id?: string;
  name: string;
  product?: string;
  camera?: string;
  note?: string;
}

export interface UploadResult {
  added: TrialImage[];
  refused: ArchiveSkip[];
}

export interface JudgeResult {
  score: number;
  templateScore: number;
  threshold: number;
  verdict: 'OK' | 'NG';
  judged: JudgedImage;
  prepared: PreparedImage;
}

export interface InspectionServiceOptions {
  dir: string;
  config: InspectionConfig;
  log: Logger;
}

export class InspectionService {
  readonly store: TrialStore;
  private readonly fitter: InspectionRuntime;
  private readonly judge: InspectionRuntime;
  private readonly fits = new Map<string, RunningFit<FitOutput>>();
  private readonly config: InspectionConfig;
  private readonly log: Logger;

  constructor(options: InspectionServiceOptions) {
    this.config = options.config;
    this.log = options.log;
    this.store = new TrialStore(options.dir);
    this.fitter = new InspectionRuntime(this.config.runtime, { role: 'fit', log: this.log });
    this.judge = new InspectionRuntime(this.config.runtime, { role: 'judge', log: this.log });
    // A fit that was running when the kit stopped did not finish: say so instead of showing it as running for ever.
    for (const trial of this.store.list()) {
      if (trial.status === 'fitting') {
        this.store.write({
          ...trial,
          status: trial.fit ? 'fitted' : 'draft',
          progress: null,
          error: { code: 'INTERRUPTED', message: 'the kit stopped during the fit', messageJa: '学習中にキットが停止しました' },
        });
      }
    }
  }

  get limits(): ImageLimits {
    return { maxBytes: 25 * 1024 * 1024, maxPixels: this.config.maxImageMegapixels * 1e6, minSide: 32 };
  }

  list(): Trial[] {
    return this.store.list().sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): Trial {
    const trial = this.store.read(id);
    if (!trial) throw new InspectionError('NO_SUCH_TRIAL', `no inspection trial "${id}"`, `検査トライアル「${id}」はありません`);
    return trial;
  }

  create(input: NewTrial): Trial {
    const id = input.id ?? `t-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
    if (this.store.read(id)) throw new InspectionError('BUSY', `a trial "${id}" already exists`, `トライアル「${id}」はすでにあります`);
    const now = Date.now();
    const settings: DetectorSettings = {
      ...DEFAULT_SETTINGS,
      backbone: { ...this.config.backbone },
      imageSize: this.config.imageSize,
      falseRejectRate: this.config.falseRejectRate,
      coresetRatio: this.config.coresetRatio,
      maxBank: this.config.maxBank,
    };
    const trial: Trial = {
      id,
      name: input.name,
      product: input.product ?? '',
      camera: input.camera ?? '',
      note: input.note ?? '',
      createdAt: now,
      updatedAt: now,
      status: 'draft',
      error: null,
      progress: null,
      settings,
      thresholds: null,
      fit: null,
      images: [],
    };
    this.store.write(trial);
    return trial;
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    await this.fits.get(id)?.cancel();
    this.store.remove(id);
  }

  /** One uploaded file: an image, or a zip of images (folders named ok/ng mark the role, other folder names the defect class). */
  async upload(id: string, role: ImageRole, label: string | null, name: string, bytes: Buffer): Promise<UploadResult> {
    this.get(id);
    if (!isZip(bytes)) {
      const added = await this.addImage(id, role, label, name, bytes);
      return { added: [added], refused: [] };
    }
    const { entries, skipped } = await readArchive(bytes, name, {
      maxEntries: MAX_IMAGES,
      maxEntryBytes: this.limits.maxBytes,
      maxTotalBytes: this.config.maxUploadMegabytes * 4 * 1048576,
    });
    const result: UploadResult = { added: [], refused: [...skipped] };
    for (const entry of entries) {
      const folders = entry.folders.map((f) => f.toLowerCase());
      const ngAt = folders.findIndex((f) => f === 'ng' || f === 'defect');
      const okAt = folders.findIndex((f) => f === 'ok' || f === 'good');
      const entryRole: ImageRole = ngAt >= 0 ? 'ng' : okAt >= 0 ? 'ok' : role;
      // ng/<kind>/file: the folder under ng/ names the defect; a zip uploaded as NG uses its innermost folder.
      const entryLabel = ngAt >= 0 ? (entry.folders[ngAt + 1] ?? label) : entryRole === 'ng' ? (entry.folders.at(-1) ?? label) : label;
      try {
        result.added.push(await this.addImage(id, entryRole, entryLabel, entry.name, entry.bytes));
      } catch (error) {
        if (!(error instanceof InspectionError)) throw error;
        result.refused.push({ file: entry.name, code: error.code, message: error.message, messageJa: error.messageJa });
      }
    }
    return result;
  }

  private async addImage(id: string, role: ImageRole, label: string | null, name: string, bytes: Buffer): Promise<TrialImage> {
    const trial = this.get(id);
    if (trial.images.length >= MAX_IMAGES) {
      throw new InspectionError(
        'TOO_MANY_IMAGES',
        `a trial holds at most ${MAX_IMAGES} images`,
        `1 つのトライアルに登録できる画像は ${MAX_IMAGES} 枚までです`,
        name,
      );
    }
    const imageId = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const existing = trial.images.find((image) => image.id === imageId);
    if (existing) return existing;
    // With a model at hand the new image is judged right away; otherwise it is only checked and kept.
    let prepared: PreparedImage;
    let judged: JudgedImage | undefined;
    if (trial.status === 'fitted' && trial.fit) {
      const result = await this.judgeWith(trial, { name, bytes });
      prepared = result.prepared as PreparedImage;
      judged = result.judged;
    } else {
      prepared = await this.judge.prepare({ name, bytes: new Uint8Array(bytes), limits: this.limits, displaySize: DISPLAY_SIZE });
    }
    this.store.writeImage(id, imageId, 'image', prepared.png);
    if (judged) {
      this.store.writeImage(id, imageId, 'heatmap', judged.overlay);
      this.store.writeImage(id, imageId, 'template', judged.templateOverlay);
    }
    const image: TrialImage = {
      id: imageId,
      name,
      role,
      label: role === 'ng' ? label : null,
      width: prepared.originalWidth,
      height: prepared.originalHeight,
      addedAt: Date.now(),
      use: judged ? 'judged' : null,
      score: judged?.score ?? null,
      templateScore: judged?.templateScore ?? null,
    };
    // Re-read: other uploads may have landed while the runtime decoded this one.
    const fresh = this.get(id);
    fresh.images.push(image);
    this.save(this.reevaluate(fresh));
    return image;
  }

  removeImage(id: string, imageId: string): Trial {
    const trial = this.get(id);
    if (!trial.images.some((image) => image.id === imageId)) {
      throw new InspectionError('NO_SUCH_IMAGE', `no image "${imageId}" in this trial`, `このトライアルに画像「${imageId}」はありません`);
    }
    trial.images = trial.images.filter((image) => image.id !== imageId);
    this.store.removeImage(id, imageId);
    return this.save(this.reevaluate(trial));
  }

  /** Starts fitting in the runtime; the trial's status and progress say how it goes. */
  startFit(id: string): Trial {
    const trial = this.get(id);
    if (this.fits.has(id)) throw new InspectionError('BUSY', 'this trial is already being fitted', 'このトライアルはすでに学習中です');
    const good = trial.images.filter((image) => image.role === 'ok');
    const heldOutCount = Math.max(MIN_HELD_OUT, Math.round(good.length * trial.settings.heldOutShare));
    if (good.length - heldOutCount < MIN_TRAIN) {
      throw new InspectionError(
        'NOT_ENOUGH_IMAGES',
        `at least ${MIN_TRAIN + MIN_HELD_OUT} good images are needed (${MIN_TRAIN} to learn from, ${MIN_HELD_OUT} to set the threshold); this trial has ${good.length}`,
        `良品画像が ${MIN_TRAIN + MIN_HELD_OUT} 枚以上必要です（学習用 ${MIN_TRAIN} 枚・しきい値設定用 ${MIN_HELD_OUT} 枚）。現在 ${good.length} 枚です`,
      );
    }
    // A fixed, content-based split: the same images always give the same held-out set.
    const ordered = [...good].sort((a, b) => (a.id < b.id ? -1 : 1));
    const heldOut = new Set(ordered.slice(0, heldOutCount).map((image) => image.id));
    const train = ordered.filter((image) => !heldOut.has(image.id));
    const evaluation = trial.images.filter((image) => heldOut.has(image.id) || image.role === 'ng');
    const file = (image: TrialImage) => this.store.imagePath(id, image.id, 'image');
    const started = Date.now();
    const running = this.fitter.fit(
      {
        settings: trial.settings,
        train: train.map(file),
        evaluation: evaluation.map((image) => ({
          id: image.id,
          truth: image.role === 'ng' ? ('ng' as const) : ('ok' as const),
          file: file(image),
          ...(image.label ? { label: image.label } : {}),
        })),
      },
      (stage, fraction) => this.onProgress(id, stage, fraction),
    );
    this.fits.set(id, running);
    trial.status = 'fitting';
    trial.error = null;
    trial.progress = { stage: 'loading', fraction: 0 };
    this.save(trial);
    running.result.then(
      (output) => this.fitDone(id, output, train, heldOut, Date.now() - started),
      (error: InspectionError) => {
        this.fits.delete(id);
        const failed = this.store.read(id);
        if (!failed) return;
        this.log.warn({ trial: id, code: error.code, err: error.message }, 'inspection fit ended without a model');
        failed.status = failed.fit ? 'fitted' : error.code === 'CANCELLED' ? 'draft' : 'failed';
        failed.progress = null;
        failed.error = { code: error.code ?? 'WORKER_FAILED', message: error.message, messageJa: error.messageJa ?? error.message };
        this.save(failed);
      },
    );
    return trial;
  }

  async cancelFit(id: string): Promise<Trial> {
    this.get(id);
    const running = this.fits.get(id);
    if (running) await running.cancel();
    // The result handler has run by now (the cancel waits for the runtime to be free).
    await new Promise((resolve) => setImmediate(resolve));
    return this.get(id);
  }

  /** Resolves when the trial's fit (if any) has ended, however it ended. */
  async fitSettled(id: string): Promise<Trial> {
    const running = this.fits.get(id);
    if (running) await running.result.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    return this.get(id);
  }

  private onProgress(id: string, stage: FitStage, fraction: number) {
    const trial = this.store.read(id);
    if (trial?.status !== 'fitting') return;
    trial.progress = { stage, fraction: Math.round(fraction * 100) / 100 };
    this.store.write(trial);
  }

  private fitDone(id: string, output: FitOutput, train: TrialImage[], heldOut: Set<string>, durationMs: number): void {
    this.fits.delete(id);
    const trial = this.store.read(id);
    if (!trial) return;
    const modelBytes = this.store.writeModel(id, output.model);
    const judged = new Map(output.judged);
    const trainIds = new Set(train.map((image) => image.id));
    for (const image of trial.images) {
      const result = judged.get(image.id);
      if (result) {
        this.store.writeImage(id, image.id, 'heatmap', result.overlay);
        this.store.writeImage(id, image.id, 'template', result.templateOverlay);
      }
      image.use = trainIds.has(image.id) ? 'train' : heldOut.has(image.id) ? 'heldOut' : result ? 'judged' : null;
      image.score = result?.score ?? null;
      image.templateScore = result?.templateScore ?? null;
    }
    trial.status = 'fitted';
    trial.progress = null;
    trial.error = null;
    trial.thresholds = { ...output.model.thresholds };
    trial.fit = {
      fittedAt: Date.now(),
      durationMs,
      backbone: output.model.backbone,
      trainImages: output.model.trainImages,
      heldOutImages: heldOut.size,
      bankSize: output.model.bank.length / output.model.dims,
      goodPatches: output.model.goodPatches,
      modelBytes,
      fittedThresholds: { ...output.model.thresholds },
      patchcore: output.patchcore,
      template: output.template,
    };
    this.save(this.reevaluate(trial));
    this.log.info({ trial: id, durationMs, auroc: output.patchcore.auroc }, 'inspection model fitted');
    void this.judgeUnscored(id);
  }

  /** Images brought only to be judged before the model existed: judged now with it. */
  private async judgeUnscored(id: string): Promise<void> {
    const waiting = this.store.read(id)?.images.filter((image) => image.role === 'test' && image.score === null) ?? [];
    for (const image of waiting) {
      try {
        const { judged } = await this.judgeWith(this.get(id), { name: image.name, kept: this.store.imagePath(id, image.id, 'image') });
        this.store.writeImage(id, image.id, 'heatmap', judged.overlay);
        this.store.writeImage(id, image.id, 'template', judged.templateOverlay);
        const trial = this.get(id);
        const kept = trial.images.find((i) => i.id === image.id);
        if (!kept) continue;
        Object.assign(kept, { use: 'judged', score: judged.score, templateScore: judged.templateScore });
        this.save(trial);
      } catch (error) {
        this.log.warn({ trial: id, image: image.id, err: (error as Error).message }, 'image not judged after the fit');
      }
    }
  }

  /** The sensitivity control: move PatchCore's threshold (null = back to the fitted one); no refit. */
  setThreshold(id: string, patchcore: number | null): Trial {
    const trial = this.get(id);
    if (!trial.fit || !trial.thresholds) throw new InspectionError('NOT_FITTED', 'fit the trial first', '先に学習を実行してください');
    trial.thresholds.patchcore = patchcore ?? trial.fit.fittedThresholds.patchcore;
    return this.save(this.reevaluate(trial));
  }

  /** The evaluation from the stored scores: held-out good images and every defect image against the current thresholds. */
  private reevaluate(trial: Trial): Trial {
    if (!trial.fit || !trial.thresholds) return trial;
    const scored = (pick: (image: TrialImage) => number | null): ScoredImage[] =>
      trial.images
        .filter((image) => image.role !== 'test' && image.use !== 'train' && pick(image) !== null)
        .map((image) => ({
          id: image.id,
          truth: image.role === 'ng' ? ('ng' as const) : ('ok' as const),
          score: pick(image) as number,
          ...(image.label ? { label: image.label } : {}),
        }));
    const rate = trial.settings.falseRejectRate;
    trial.fit.patchcore = evaluate(
      scored((i) => i.score),
      trial.thresholds.patchcore,
      rate,
    );
    trial.fit.template = evaluate(
      scored((i) => i.templateScore),
      trial.thresholds.template,
      rate,
    );
    return trial;
  }

  private save(trial: Trial): Trial {
    trial.updatedAt = Date.now();
    this.store.write(trial);
    return trial;
  }

  /** The runtime loads the model from the trial's folder and keeps it until the trial is fitted again. */
  private judgeWith(trial: Trial, input: { name: string; bytes?: Uint8Array; kept?: string }) {
    return this.judge.judge({
      model: { key: `${trial.id}@${trial.fit?.fittedAt}`, folder: this.store.folder(trial.id) },
      ...input,
      limits: this.limits,
      displaySize: DISPLAY_SIZE,
    });
  }

  /** Judges one file against a fitted trial without keeping it (live stations, the API's try-one). */
  async judgeFile(id: string, name: string, bytes: Uint8Array): Promise<JudgeResult> {
    const trial = this.get(id);
    if (!trial.fit || !trial.thresholds)
      throw new InspectionError('NOT_FITTED', `trial "${id}" has no model yet`, `トライアル「${id}」はまだ学習していません`);
    const { judged, prepared } = await this.judgeWith(trial, { name, bytes });
    const threshold = trial.thresholds.patchcore;
    return {
      score: judged.score,
      templateScore: judged.templateScore,
      threshold,
      verdict: judged.score > threshold ? 'NG' : 'OK',
      judged,
      prepared: prepared as PreparedImage,
    };
  }

  fitting(id: string): boolean {
    return this.fits.has(id);
  }

  /** Where the inspection computes and what it costs: the two runtimes, each a child process while it has work. */
  runtimes(): { fit: RuntimeStatus; judge: RuntimeStatus } {
    return { fit: this.fitter.status(), judge: this.judge.status() };
  }

  async stop(): Promise<void> {
    await Promise.all([this.fitter.close(), this.judge.close()]);
  }
}

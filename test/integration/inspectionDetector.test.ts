/**
 * The detector end to end through the service and its runtime processes, on generated parts: learns from good images only,
 * ranks every planted defect of the easy kinds above every held-out good part, moves its threshold without a refit, and
 * stops cleanly when a fit is cancelled. Needs the build (npm run build) for the runtime.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { DEFECT_KINDS, renderPart } from '../../firmware-sim/camera/part.js';
import { encodePng } from '../../firmware-sim/camera/png.js';
import { DEFAULT_IMAGE_LIMITS } from '../../gateway/inspection/image.js';
import { InspectionRuntime } from '../../gateway/inspection/runtime.js';
import { InspectionService } from '../../gateway/inspection/service.js';
import { DEFAULT_SETTINGS } from '../../gateway/inspection/settings.js';
import type { Trial } from '../../gateway/inspection/trialStore.js';
import { testLog } from '../helpers/log.js';
import { tempDir } from '../helpers/services.js';

const EASY = ['scratch', 'dent', 'missing-hole'];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const dir = tempDir('inspection-detector');
const config = parseKitConfig({ kit: { id: 'test', site: 'test' }, inspection: { imageSize: 128 } }).inspection;
let service: InspectionService;
let fitted: Trial;

const part = (seed: number, defect?: (typeof DEFECT_KINDS)[number]) =>
  encodePng(renderPart({ size: 160, seed, ...(defect ? { defect } : {}) }));

beforeAll(async () => {
  service = new InspectionService({ dir: join(dir.path, 'trials'), config, log: testLog });
  service.create({ id: 'plate', name: 'plate' });
  // 20 good parts: 16 to learn from, 4 held out for the threshold; 3 of each defect kind.
  for (let i = 0; i < 20; i++) await service.upload('plate', 'ok', null, `ok-${i}.png`, part(i + 1));
  for (const [k, defect] of DEFECT_KINDS.entries()) {
    for (let i = 0; i < 3; i++) await service.upload('plate', 'ng', defect, `${defect}-${i}.png`, part(5000 + k * 100 + i, defect));
  }
  service.startFit('plate');
  fitted = await service.fitSettled('plate');
}, 300_000);
afterAll(async () => {
  await service?.stop();
  dir.remove();
});

describe('PatchCore and the template baseline on generated parts', () => {
  it('fits from good images only and scores every easy defect above every held-out good part', () => {
    expect(fitted.status).toBe('fitted');
    const fit = fitted.fit!;
    expect(fit.trainImages).toBe(16);
    expect(fit.heldOutImages).toBe(4);
    expect(fit.bankSize).toBeGreaterThan(0);
    const heldOut = fitted.images.filter((i) => i.use === 'heldOut').map((i) => i.score as number);
    const maxGood = Math.max(...heldOut);
    for (const kind of EASY) {
      const scores = fitted.images.filter((i) => i.label === kind).map((i) => i.score as number);
      expect(scores, `${kind} scores ${scores} vs best good ${maxGood}`).toHaveLength(3);
      expect(Math.min(...scores), kind).toBeGreaterThan(maxGood);
    }
    for (const method of ['patchcore', 'template'] as const) {
      const byLabel = Object.entries(fit[method].aurocByLabel)
        .map(([label, value]) => `${label} ${value?.toFixed(3)}`)
        .join(', ');
      process.stdout.write(`AUROC ${method}: all ${fit[method].auroc?.toFixed(3)}; ${byLabel}\n`);
    }
    for (const kind of EASY) expect(fit.patchcore.aurocByLabel[kind]).toBe(1);
    // Heat maps were drawn for every judged image.
    const judged = fitted.images.filter((i) => i.score !== null);
    for (const image of judged) expect(service.store.readImage('plate', image.id, 'heatmap')?.length).toBeGreaterThan(1000);
  });

  it('judges a new image: a defect NG with its hot spot, a good part OK', async () => {
    const bad = await service.judgeFile('plate', 'new-scratch.png', part(9001, 'missing-hole'));
    expect(bad.verdict).toBe('NG');
    const good = await service.judgeFile('plate', 'new-good.png', part(9002));
    expect(good.score).toBeLessThan(bad.score);
    expect(bad.judged.overlay.length).toBeGreaterThan(1000);
  });

  it('moves the threshold (sensitivity) without refitting, and goes back to the fitted one', () => {
    const modelFile = join(service.store.folder('plate'), 'model.bin');
    const before = statSync(modelFile).mtimeMs;
    const fit = fitted.fit!;
    const lowest = Math.min(...fitted.images.filter((i) => i.use === 'heldOut').map((i) => i.score as number));
    const lowered = service.setThreshold('plate', lowest * 0.99);
    expect(lowered.fit!.patchcore.confusion.falsePositive).toBe(fit.heldOutImages);
    expect(lowered.fit!.patchcore.confusion.truePositive).toBe(fit.patchcore.defects);
    const reset = service.setThreshold('plate', null);
    expect(reset.thresholds!.patchcore).toBe(fit.fittedThresholds.patchcore);
    expect(statSync(modelFile).mtimeMs).toBe(before);
  });

  it('cancels a running fit cleanly: the trial keeps its model, the runtime goes on', async () => {
    service.startFit('plate');
    await expect(() => service.startFit('plate')).toThrow(expect.objectContaining({ code: 'BUSY' }));
    const cancelled = await service.cancelFit('plate');
    expect(cancelled.status).toBe('fitted');
    expect(cancelled.error?.code).toBe('CANCELLED');
    expect(service.fitting('plate')).toBe(false);
    // The trial still judges with the model it had, and a new fit runs to the end.
    expect((await service.judgeFile('plate', 'again.png', part(9003))).verdict).toMatch(/OK|NG/);
    service.startFit('plate');
    expect((await service.fitSettled('plate')).status).toBe('fitted');
  }, 300_000);

  it('ends the process of a cancelled fit at once, and the next job runs in a fresh one', async () => {
    const runtime = new InspectionRuntime(config.runtime, { role: 'fit', log: testLog });
    try {
      const settings = { ...DEFAULT_SETTINGS, imageSize: 64, templateSize: 64 };
      const train = Array.from({ length: 6 }, (_, i) => {
        const file = join(dir.path, `cancel-${i}.png`);
        writeFileSync(file, part(i + 1));
        return file;
      });
      let started: () => void = () => {};
      const loading = new Promise<void>((resolve) => {
        started = resolve;
      });
      const fit = runtime.fit({ settings, train, evaluation: [] }, () => started());
      await loading;
      const pid = runtime.status().pid as number;
      const refused = expect(fit.result).rejects.toMatchObject({ code: 'CANCELLED' });
      await fit.cancel();
      await refused;
      expect(alive(pid), 'the cancelled fit’s process is gone').toBe(false);
      const prepared = await runtime.prepare({
        name: 'after.png',
        bytes: new Uint8Array(part(77)),
        limits: DEFAULT_IMAGE_LIMITS,
        displaySize: 96,
      });
      expect([prepared.width, prepared.height]).toEqual([96, 96]);
      // A cancel is not a failure: two processes started, none counted as a restart.
      expect(runtime.status()).toMatchObject({ starts: 2, restarts: 0, lastError: null });
    } finally {
      await runtime.close();
    }
  });

  it('refuses to fit with too few good images, saying how many are needed', () => {
    service.create({ id: 'few', name: 'few' });
    expect(() => service.startFit('few')).toThrow(
      expect.objectContaining({ code: 'NOT_ENOUGH_IMAGES', messageJa: expect.stringContaining('5 枚以上') }),
    );
  });
});

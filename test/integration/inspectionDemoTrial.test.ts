/**
 * The demo's ready-made inspection trial across starts: a first start stopped while uploading its images, a second stopped
 * mid-fit, and the third finishes it with every sample image and a model; a fitted trial is left as it is. The fit runs in the
 * real inspection runtime, so this needs the build (npm run build).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { writeSample } from '../../firmware-sim/camera/sample.js';
import { createInspection, DEMO_TRIAL_ID, type Inspection } from '../../gateway/inspection/inspection.js';
import { testLog } from '../helpers/log.js';
import { tempDir, waitFor } from '../helpers/services.js';

const dir = tempDir('inspection-demo-trial');
const config = parseKitConfig({ kit: { id: 'demo', site: 'test' }, inspection: { imageSize: 128, demoTrial: true } });
const running = new Set<Inspection>();

/** One start of the kit's inspection part, on the same data folder each time. */
function start(): Inspection {
  const inspection = createInspection({
    config,
    dir: join(dir.path, 'inspection'),
    baseDir: dir.path,
    log: testLog,
    publish: () => {},
    store: () => {},
  });
  running.add(inspection);
  return inspection;
}

/** The kit stopping: its inspection part stops (a fit under way is cancelled). */
async function stop(inspection: Inspection): Promise<void> {
  running.delete(inspection);
  await inspection.stop();
}

afterEach(async () => {
  for (const inspection of running) await stop(inspection);
});
afterAll(() => dir.remove());

describe('the demo inspection trial', () => {
  it('is finished by the next start when a start stopped while uploading or mid-fit, and left alone once fitted', async () => {
    const sample = join(dir.path, 'demo-sample');
    const files = writeSample(sample, { good: 12, perDefect: 1, size: 160 });
    const okFiles = readdirSync(join(sample, 'ok')).sort();

    // First start: stopped after three images.
    const first = start();
    first.service.create({ id: DEMO_TRIAL_ID, name: 'demo' });
    for (const name of okFiles.slice(0, 3))
      await first.service.upload(DEMO_TRIAL_ID, 'ok', null, `ok/${name}`, readFileSync(join(sample, 'ok', name)));
    await stop(first);

    // Second start: stopped while the model is being fitted.
    const second = start();
    // Caught at once: it ends while the part stops, before anything below awaits it.
    const fitting = second.ensureDemoTrial(sample).then(
      () => 'fitted',
      (error: Error) => error.message,
    );
    await waitFor('the demo fit to begin', () => second.service.store.read(DEMO_TRIAL_ID)?.status === 'fitting', 120_000, 20);
    await stop(second);
    expect(await fitting).toMatch(/without a model/);
    const stopped = second.service.store.read(DEMO_TRIAL_ID);
    expect(stopped?.fit).toBeNull();
    expect(stopped?.status).not.toBe('fitted');

    // Third start: every sample image once, and a model.
    const third = start();
    await third.ensureDemoTrial(sample);
    const done = third.service.get(DEMO_TRIAL_ID);
    expect(done.status).toBe('fitted');
    expect(done.fit?.trainImages).toBeGreaterThan(0);
    expect(done.images).toHaveLength(files.length);
    expect(new Set(done.images.map((i) => i.id)).size).toBe(files.length);

    // Fourth start: nothing to do, the model is kept.
    await stop(third);
    const fourth = start();
    await fourth.ensureDemoTrial(sample);
    expect(fourth.service.get(DEMO_TRIAL_ID).fit?.fittedAt).toBe(done.fit?.fittedAt);
  }, 300_000);
});

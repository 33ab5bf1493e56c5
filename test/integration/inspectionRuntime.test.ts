/**
 * The inspection runtime as a process of its own: a kit that has not inspected anything carries none of it (no
 * TensorFlow.js, no image decoders, no child process); the first job starts it, niced and first in line for the kernel's
 * OOM killer, and it ends when idle. A runtime killed mid-fit fails that fit with a clear error while the gateway keeps
 * taking readings, and the next fit succeeds; a file that takes the runtime down twice is set aside; the memory caps hold.
 * Needs the build (npm run build): the kit runs as `minotake run`, and the runtime is dist/.../runtimeProcess.js.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dropImage } from '../../firmware-sim/camera/camera.js';
import { renderPart } from '../../firmware-sim/camera/part.js';
import { encodePng } from '../../firmware-sim/camera/png.js';
import { DEFAULT_IMAGE_LIMITS } from '../../gateway/inspection/image.js';
import { InspectionRuntime } from '../../gateway/inspection/runtime.js';
import type { InspectionService } from '../../gateway/inspection/service.js';
import { DEFAULT_SETTINGS } from '../../gateway/inspection/settings.js';
import { readRunInfo } from '../../gateway/kitlife/runInfo.js';
import { CLI } from '../helpers/cli.js';
import { call, signIn } from '../helpers/http.js';
import { KIT, PASSWORDS, startTestKit } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { mosquitto, requireCommand, stopProcess, tempDir, waitFor } from '../helpers/services.js';

const TRACE = join(import.meta.dirname, '..', 'helpers', 'moduleTrace.mjs');
/** What only the runtime needs: the ML runtime, the backbone's package, the image decoders, the zip reader, the PDF stack. */
const RUNTIME_PACKAGES = ['@tensorflow/', 'nsfwjs', 'pngjs', 'jpeg-js', 'yauzl', 'pdfkit'];

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const part = (seed: number, defect?: 'missing-hole') => encodePng(renderPart({ size: 160, seed, ...(defect ? { defect } : {}) }));

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, …]. */
function stat(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The processes whose parent is `pid`, with their command lines. */
function childrenOf(pid: number): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(stat(`/proc/${entry}/stat`)[1]) !== pid) continue;
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {} // it ended while we looked
  }
  return found;
}

/** Every module the traced process holds: ES modules as they loaded, and the CommonJS cache, written on SIGUSR2. */
async function modulesOf(kit: ChildProcess, trace: string): Promise<string[]> {
  const cjs = `${trace}.cjs`;
  writeFileSync(cjs, '');
  kit.kill('SIGUSR2');
  const required = await waitFor('the kit to write its CommonJS modules', () => readFileSync(cjs, 'utf8').trim());
  return [...readFileSync(trace, 'utf8').split('\n'), ...required.split('\n')].filter(Boolean);
}

function runtimePackagesIn(modules: string[]): string[] {
  return modules.filter((m) => RUNTIME_PACKAGES.some((p) => m.includes(`/node_modules/${p}`)));
}

describe('a kit that has not inspected anything', () => {
  it('holds none of the runtime and starts no process; the first job starts one, niced, and it ends when idle', async () => {
    requireCommand('socat', 'apt-get install socat');
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const dir = tempDir('inspection-idle');
    cleanups.push(() => dir.remove());
    const file = join(dir.path, 'kit.yaml');
    writeFileSync(
      file,
      stringify({
        kit: { id: 'k1', site: 'idle' },
        dataDir: join(dir.path, 'var'),
        // No InfluxDB: the kit spools, and this test needs none.
        storage: { influx: { url: 'http://127.0.0.1:9' } },
        broker: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0 },
        inspection: {
          // A station whose trial does not exist yet: it watches its folder, and cannot judge what lands there.
          stations: [{ id: 'line-1', name: 'ライン1', trial: 'plate', watch: join(dir.path, 'drop'), pollMs: 200 }],
          runtime: { idleSeconds: 2 },
        },
      }),
    );
    const admin = spawnSync(process.execPath, [CLI, 'admin', 'add', 'center', '--config', file], { input: 'center-password-1' });
    expect(admin.status, admin.stderr.toString()).toBe(0);

    const trace = join(dir.path, 'modules.txt');
    const kit = spawn(process.execPath, ['--import', TRACE, CLI, 'run', '--config', file, '--no-sim'], {
      cwd: dir.path,
      env: { ...process.env, MODULE_TRACE: trace, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    kit.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    cleanups.push(() => stopProcess(kit));
    const kitPid = kit.pid as number;
    const run = await waitFor('the kit to start', () => readRunInfo(join(dir.path, 'var')), 60_000);
    const base = `http://127.0.0.1:${run.httpPort}/`;
    const session = await signIn(base, 'center', 'center-password-1');

    // A file lands in the station's folder; the station looks, finds no trial to judge with, and leaves it there.
    dropImage(join(dir.path, 'drop'), 'part-0001.png', part(1));
    await waitFor('the station to try the file', async () => {
      const { body } = await call(session, 'GET', 'api/inspection/stations');
      return body.stations[0].lastError?.code === 'NO_SUCH_TRIAL';
    });
    const before = (await call(session, 'GET', 'api/health')).body.inspection;
    expect(before.runtimes.judge).toMatchObject({ pid: null, starts: 0 });
    expect(before.runtimes.fit).toMatchObject({ pid: null, starts: 0 });
    expect(childrenOf(kitPid), output).toEqual([]);
    const atRest = await modulesOf(kit, trace);
    expect(atRest.length, 'the trace saw the gateway load').toBeGreaterThan(100);
    expect(runtimePackagesIn(atRest)).toEqual([]);

    // The first job: an upload, checked and shrunk by the runtime.
    expect((await call(session, 'POST', 'api/inspection/trials', { id: 'plate', name: 'プレート' })).status).toBe(201);
    const upload = await fetch(`${base}api/inspection/trials/plate/images?role=ok&name=ok-1.png`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'image/png' },
      body: part(2),
    });
    expect(upload.status, await upload.clone().text()).toBe(200);
    const [runtime, ...others] = childrenOf(kitPid);
    expect(others).toEqual([]);
    expect(runtime?.command).toContain('runtimeProcess.js');
    const pid = runtime?.pid as number;
    const health = (await call(session, 'GET', 'api/health')).body.inspection;
    expect(health.runtimes.judge).toMatchObject({ pid, starts: 1, restarts: 0, busy: false });
    expect(health.runtimes.judge.rssMb).toBeGreaterThan(20);
    // Niced, every thread of it (field 19 of /proc/…/stat), and the kernel's first choice should memory run out.
    const threads = readdirSync(`/proc/${pid}/task`);
    expect(threads.length).toBeGreaterThan(1);
    for (const thread of threads) expect(stat(`/proc/${pid}/task/${thread}/stat`)[16], `thread ${thread}`).toBe('10');
    expect(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim()).toBe('1000');
    // The image was decoded in the runtime, not in the gateway.
    expect(runtimePackagesIn(await modulesOf(kit, trace))).toEqual([]);

    // Idle for inspection.runtime.idleSeconds: the process ends, and nothing counts it as a failure.
    await waitFor('the idle runtime to end', () => childrenOf(kitPid).length === 0, 30_000);
    const after = (await call(session, 'GET', 'api/health')).body.inspection;
    expect(after.runtimes.judge).toMatchObject({ pid: null, starts: 1, restarts: 0, lastError: null });
    expect(after.restarts).toBe(0);
  }, 180_000);
});

describe('a runtime that dies during a job', () => {
  it('fails the fit with a clear error and counts it; readings keep flowing, the next fit succeeds; a file that kills it twice is set aside', async () => {
    requireCommand('mosquitto_sub', 'apt-get install mosquitto-clients');
    const t = await startTestKit('inspection-crash', {
      inspection: { imageSize: 128, stations: [{ id: 'line-1', name: 'ライン1', trial: 'plate', watch: 'drop', pollMs: 200 }] },
    });
    cleanups.push(() => t.stop());
    t.node.start();
    const service = t.kit.inspection?.service as InspectionService;
    service.create({ id: 'plate', name: 'plate' });
    for (let i = 0; i < 40; i++) await service.upload('plate', 'ok', null, `ok-${i}.png`, part(i + 1));
    await service.upload('plate', 'ng', 'missing-hole', 'hole.png', part(900, 'missing-hole'));

    service.startFit('plate');
    const pid = await waitFor(
      'the fit to reach the features',
      () => (service.get('plate').progress?.stage === 'features' ? service.runtimes().fit.pid : undefined),
      120_000,
      20,
    );
    process.kill(pid, 'SIGKILL');
    const failed = await service.fitSettled('plate');
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'RUNTIME_FAILED',
      message: expect.stringContaining('it was killed (SIGKILL'),
      messageJa: expect.stringContaining('検査処理のプロセスがこの処理の途中で停止しました'),
    });
    const health = t.kit.health().inspection;
    expect(health?.restarts).toBe(1);
    expect(health?.lastError).toMatchObject({ code: 'RUNTIME_FAILED', message: failed.error?.message });

    // The gateway went on: readings still reach an independent MQTT client.
    const readings = await mosquitto(
      'mosquitto_sub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(t.kit.brokerPort),
        '-u',
        'reader',
        '-P',
        PASSWORDS.reader,
        '-t',
        `minotake/v1/${KIT}/node/node-a/current`,
        '-C',
        '3',
        '-W',
        '30',
      ],
      40_000,
    );
    expect(readings.stdout.trim().split('\n'), readings.stderr).toHaveLength(3);

    // The next fit starts a fresh runtime and ends with a model.
    service.startFit('plate');
    expect((await service.fitSettled('plate')).status).toBe('fitted');
    expect(t.kit.health().inspection?.runtimes.fit).toMatchObject({ starts: 2, restarts: 1 });

    // A file during whose judgment the runtime dies: once may be chance, twice and it is set aside; the next file is judged.
    const drop = join(t.dir, 'drop');
    dropImage(drop, 'part-0001.png', part(5001));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const judging = await waitFor(
        `judgment attempt ${attempt}`,
        () => {
          const judge = service.runtimes().judge;
          return judge.busy && judge.restarts === attempt - 1 ? judge.pid : undefined;
        },
        60_000,
        10,
      );
      process.kill(judging, 'SIGKILL');
    }
    const reason = await waitFor('the file to be set aside', () => readFileSync(join(drop, 'rejected', 'part-0001.png.txt'), 'utf8'));
    expect(reason).toMatch(/stopped twice[\s\S]*2 回停止/);
    dropImage(drop, 'part-0002.png', part(5002));
    await waitFor(
      'the next file to be judged',
      () => readdirSync(join(drop, 'judged', 'OK')).length + readdirSync(join(drop, 'judged', 'NG')).length === 1,
      60_000,
    );
    expect(t.kit.health().inspection?.restarts).toBe(3);
  }, 400_000);
});

describe('the runtime’s memory limits', () => {
  const train = (dir: string) =>
    Array.from({ length: 6 }, (_, i) => {
      const file = join(dir, `ok-${i}.png`);
      writeFileSync(file, part(i + 1));
      return file;
    });
  const settings = { ...DEFAULT_SETTINGS, imageSize: 128, heldOutShare: 0 };

  it('ends a runtime whose resident memory passes memoryLimitMb; the job says so, the next job runs', async () => {
    const dir = tempDir('inspection-memory');
    const runtime = new InspectionRuntime({ idleSeconds: 60, nice: 10, heapMb: 256, memoryLimitMb: 128 }, { role: 'fit', log: testLog });
    cleanups.push(async () => {
      await runtime.close();
      dir.remove();
    });
    // Loading TensorFlow.js and the network alone takes more than 128 MB.
    await expect(runtime.fit({ settings, train: train(dir.path), evaluation: [] }).result).rejects.toMatchObject({
      code: 'RUNTIME_FAILED',
      message: expect.stringMatching(/it used \d+ MB, more than its limit of 128 MB \(inspection\.runtime\.memoryLimitMb\)/),
      messageJa: expect.stringContaining('上限 128 MB'),
    });
    const prepared = await runtime.prepare({ name: 'next.png', bytes: part(50), limits: DEFAULT_IMAGE_LIMITS, displaySize: 96 });
    expect(prepared.width).toBe(96);
    expect(runtime.status()).toMatchObject({ starts: 2, restarts: 1, lastError: { code: 'RUNTIME_FAILED' } });
  }, 120_000);

  it('reports a runtime whose JavaScript heap runs out (--max-old-space-size) as such', async () => {
    const dir = tempDir('inspection-heap');
    const runtime = new InspectionRuntime({ idleSeconds: 60, nice: 10, heapMb: 16, memoryLimitMb: 2048 }, { role: 'fit', log: testLog });
    cleanups.push(async () => {
      await runtime.close();
      dir.remove();
    });
    await expect(runtime.fit({ settings, train: train(dir.path), evaluation: [] }).result).rejects.toMatchObject({
      code: 'RUNTIME_FAILED',
      message: expect.stringContaining('its JavaScript heap reached its limit of 16 MB'),
      messageJa: expect.stringContaining('JavaScript ヒープが上限 16 MB'),
    });
    expect(runtime.status().restarts).toBe(1);
  }, 120_000);
});

/**
 * The gateway's side of the inspection runtime (runtimeProcess.ts): a child process started when a job comes, fed one job
 * at a time in order, and ended once it has been idle for a while, so its memory goes back to the system. If it dies with
 * a job in hand (killed, out of memory, over the kit's memory cap, a crash inside the WebAssembly runtime), that job fails
 * with an error that says so, the failure is counted, and the next job starts a fresh process: the gateway lives on.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setPriority, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { InspectionError, type InspectionErrorCode } from './errors.js';
import type { FitOutput, FitStage, JudgeOutput, PreparedImage, RuntimeReply, RuntimeRequest } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled next to this file; when the sources run under vitest, the build in dist/ (npm run build). */
const RUNTIME_FILE = [join(here, 'runtimeProcess.js'), join(here, '..', '..', 'dist', 'gateway', 'inspection', 'runtimeProcess.js')].find(
  (f) => existsSync(f),
);
/** How often the resident memory of a working runtime is compared with its limit. */
const MEMORY_CHECK_MS = 250;

export interface RuntimeSettings {
  /** Seconds without a job before the process is ended. */
  idleSeconds: number;
  /** Its nice value: the gateway's own work (MQTT, ingest, the dashboard) comes first when both want the CPU. */
  nice: number;
  /** V8's limit for its JavaScript heap (--max-old-space-size). */
  heapMb: number;
  /** The whole process's resident memory (JS heap, WebAssembly memory, image buffers); above it the process is ended. */
  memoryLimitMb?: number;
}

/** Without a limit in the kit file: 40 % of the machine's memory, at most 1 GB, leaving the rest to the gateway and InfluxDB. */
function defaultMemoryLimitMb(): number {
  return Math.min(1024, Math.round((totalmem() * 0.4) / 1048576));
}

export interface RuntimeFailure {
  code: 'RUNTIME_FAILED';
  message: string;
  messageJa: string;
  /** ms since the epoch */
  at: number;
}

export interface RuntimeStatus {
  /** Its limits: the resident memory it is ended above, and V8's heap limit. */
  memoryLimitMb: number;
  heapMb: number;
  /** The process working now or waiting for the next job, or null when none runs. */
  pid: number | null;
  rssMb: number | null;
  /** The largest resident memory seen in any of its processes so far. */
  peakRssMb: number | null;
  busy: boolean;
  queued: number;
  /** Processes started so far (on demand: after each idle exit, and after each failure). */
  starts: number;
  /** Processes that ended abnormally (crash, out of memory, memory cap); the next job had a fresh one. */
  restarts: number;
  lastError: RuntimeFailure | null;
}

export interface RunningFit<T> {
  result: Promise<T>;
  /** Ends the fit (its process, if it has started): resolves once the runtime is free again; the result rejects with CANCELLED. */
  cancel(): Promise<void>;
}

type Body<T extends RuntimeRequest['type']> = Omit<Extract<RuntimeRequest, { type: T }>, 'id' | 'type'>;
type AnyBody = RuntimeRequest extends infer R ? (R extends RuntimeRequest ? Omit<R, 'id'> : never) : never;

interface Job {
  message: RuntimeRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (stage: FitStage, fraction: number) => void;
}

/** One child process and why the kit ended it, if it did: any other end is a failure. */
interface Running {
  process: ChildProcess;
  ending?: 'idle' | 'cancel' | 'memory' | 'stop';
  exited: Promise<void>;
  /** The last few kilobytes it printed: says "heap out of memory" when V8 gave up. */
  output: string;
  rssMb: number;
}

export class InspectionRuntime {
  private running: Running | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private memoryTimer: NodeJS.Timeout | undefined;
  private starts = 0;
  private restarts = 0;
  private peakRssMb: number | null = null;
  private lastError: RuntimeFailure | null = null;
  private readonly memoryLimitMb: number;

  constructor(
    private readonly settings: RuntimeSettings,
    private readonly options: { role: string; log: Logger },
  ) {
    this.memoryLimitMb = settings.memoryLimitMb ?? defaultMemoryLimitMb();
  }

  prepare(body: Body<'prepare'>) {
    return this.enqueue<PreparedImage>({ ...body, type: 'prepare' });
  }

  judge(body: Body<'judge'>) {
    return this.enqueue<JudgeOutput>({ ...body, type: 'judge' });
  }

  fit(body: Body<'fit'>, onProgress?: (stage: FitStage, fraction: number) => void): RunningFit<FitOutput> {
    let job: Job | undefined;
    const result = this.enqueue<FitOutput>({ ...body, type: 'fit' }, onProgress, (j) => {
      job = j;
    });
    return {
      result,
      cancel: async () => {
        if (!job) return;
        const index = this.queue.indexOf(job);
        if (index >= 0) this.queue.splice(index, 1);
        if (index >= 0 || this.current === job) job.reject(failure('CANCELLED', 'the fit was cancelled', '学習を中止しました'));
        if (this.current !== job || !this.running) return;
        // The fit holds nothing worth keeping until it is done: ending its process is the quickest and surest stop.
        this.current = undefined;
        const running = this.running;
        running.ending = 'cancel';
        running.process.kill('SIGKILL');
        await running.exited;
      },
    };
  }

  /** Ends the process; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const error = failure('CANCELLED', 'the kit is stopping', 'キットを停止しています');
    for (const job of this.queue.splice(0)) job.reject(error);
    this.current?.reject(error);
    this.current = undefined;
    const running = this.running;
    if (!running) return;
    running.ending = 'stop';
    running.process.kill('SIGTERM');
    const stuck = setTimeout(() => running.process.kill('SIGKILL'), 5000);
    await running.exited;
    clearTimeout(stuck);
  }

  status(): RuntimeStatus {
    const running = this.running;
    return {
      memoryLimitMb: this.memoryLimitMb,
      heapMb: this.settings.heapMb,
      pid: running?.process.pid ?? null,
      rssMb: running?.process.pid ? (residentMb(running.process.pid) ?? null) : null,
      peakRssMb: this.peakRssMb,
      busy: this.current !== undefined,
      queued: this.queue.length,
      starts: this.starts,
      restarts: this.restarts,
      lastError: this.lastError,
    };
  }

  private enqueue<T>(message: AnyBody, onProgress?: Job['onProgress'], seen?: (job: Job) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(failure('CANCELLED', 'the kit is stopping', 'キットを停止しています'));
        return;
      }
      const job: Job = {
        message: { ...message, id: this.nextId++ } as RuntimeRequest,
        resolve: resolve as (value: unknown) => void,
        reject,
        ...(onProgress ? { onProgress } : {}),
      };
      seen?.(job);
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      this.idle();
      return;
    }
    clearTimeout(this.idleTimer);
    let running: Running;
    try {
      running = this.running ?? this.start();
    } catch (error) {
      job.reject(error as Error);
      this.pump();
      return;
    }
    this.current = job;
    hold(running.process, true);
    this.watchMemory();
    // A process that died meanwhile fails the job through its exit, not here.
    running.process.send(job.message, (error) => {
      if (error) this.options.log.debug({ runtime: this.options.role, err: error.message }, 'job not delivered to the inspection runtime');
    });
  }

  /** No job: the process may stay a while for the next one, without keeping the gateway from exiting. */
  private idle(): void {
    clearInterval(this.memoryTimer);
    this.memoryTimer = undefined;
    const running = this.running;
    if (!running) return;
    hold(running.process, false);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.running !== running || this.current) return;
      // Closing the channel tells the runtime to exit; a job that comes meanwhile gets a new process.
      running.ending = 'idle';
      this.running = undefined;
      running.process.disconnect();
    }, this.settings.idleSeconds * 1000);
    this.idleTimer.unref();
  }

  private start(): Running {
    if (!RUNTIME_FILE) throw new Error('the inspection runtime is not built: run `npm run build`');
    const { nice, heapMb } = this.settings;
    // The role is there for `ps` and for whoever looks for the fit's process and the judge's.
    const child = fork(RUNTIME_FILE, [String(nice), this.options.role], {
      // Its own flags only: not the gateway's (a test runner's loader, an inspector port).
      execArgv: [`--max-old-space-size=${heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.starts++;
    if (child.pid) {
      try {
        setPriority(child.pid, nice);
      } catch {}
    }
    const running: Running = { process: child, output: '', rssMb: 0, exited: Promise.resolve() };
    const keep = (chunk: Buffer) => {
      running.output = (running.output + chunk.toString()).slice(-4096);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (reply: RuntimeReply) => this.onReply(reply));
    running.exited = new Promise((resolve) => {
      let gone = false;
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        if (gone) return;
        gone = true;
        this.onExit(running, code, signal);
        resolve();
      };
      child.once('exit', end);
      // A process that could not be started at all has no pid and may never report an exit.
      child.on('error', (error) => {
        if (child.pid !== undefined) return;
        running.output = error.message;
        end(null, null);
      });
    });
    this.running = running;
    return running;
  }

  private onReply(reply: RuntimeReply): void {
    const job = this.current;
    if (!job || job.message.id !== reply.id) return;
    if (reply.type === 'progress') {
      job.onProgress?.(reply.stage, reply.fraction);
      return;
    }
    this.current = undefined;
    if (reply.type === 'done') job.resolve(reply.result);
    else
      job.reject(
        new InspectionError(reply.error.code as InspectionErrorCode, reply.error.message, reply.error.messageJa, reply.error.file),
      );
    this.pump();
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.running === running) this.running = undefined;
    const expected = running.ending === 'idle' || running.ending === 'stop' || running.ending === 'cancel';
    if (!expected) {
      const reason = this.describe(running, code, signal);
      this.restarts++;
      this.lastError = { code: 'RUNTIME_FAILED', ...stoppedMessage(reason), at: Date.now() };
      this.options.log.warn(
        { runtime: this.options.role, code, signal, err: reason.en, output: running.output.slice(-600) },
        'inspection runtime stopped; the next job starts a fresh one',
      );
      const job = this.current;
      this.current = undefined;
      job?.reject(failure('RUNTIME_FAILED', this.lastError.message, this.lastError.messageJa));
    }
    if (!this.closed) this.pump();
  }

  private describe(running: Running, code: number | null, signal: NodeJS.Signals | null): { en: string; ja: string } {
    const { heapMb } = this.settings;
    const memoryLimitMb = this.memoryLimitMb;
    if (running.ending === 'memory') {
      return {
        en: `it used ${running.rssMb} MB, more than its limit of ${memoryLimitMb} MB (inspection.runtime.memoryLimitMb)`,
        ja: `メモリ使用量 ${running.rssMb} MB が上限 ${memoryLimitMb} MB（inspection.runtime.memoryLimitMb）を超えました`,
      };
    }
    if (/heap out of memory|Reached heap limit/.test(running.output)) {
      return {
        en: `its JavaScript heap reached its limit of ${heapMb} MB (inspection.runtime.heapMb)`,
        ja: `JavaScript ヒープが上限 ${heapMb} MB（inspection.runtime.heapMb）に達しました`,
      };
    }
    if (signal === 'SIGKILL') {
      return {
        en: 'it was killed (SIGKILL: by a person or another program, or by the system when memory ran out)',
        ja: '強制終了されました（SIGKILL: 人や他のプログラム、またはメモリ不足のときのシステムによる）',
      };
    }
    if (signal) return { en: `it was ended by ${signal}`, ja: `シグナル ${signal} で終了しました` };
    if (code !== null) return { en: `it exited with code ${code}`, ja: `終了コード ${code} で終了しました` };
    return { en: `it could not be started (${running.output})`, ja: `起動できませんでした（${running.output}）` };
  }

  /** While a job runs: the process is ended as soon as its resident memory passes the limit. */
  private watchMemory(): void {
    if (this.memoryTimer) return;
    this.memoryTimer = setInterval(() => {
      const running = this.running;
      const pid = running?.process.pid;
      if (!running || !pid || running.ending) return;
      const rss = residentMb(pid);
      if (rss === undefined) return;
      running.rssMb = Math.max(running.rssMb, rss);
      this.peakRssMb = Math.max(this.peakRssMb ?? 0, rss);
      if (rss > this.memoryLimitMb) {
        running.ending = 'memory';
        running.process.kill('SIGKILL');
      }
    }, MEMORY_CHECK_MS);
    this.memoryTimer.unref();
  }
}

/** A working runtime keeps the gateway's event loop alive; an idle one must not hold up its exit. */
function hold(child: ChildProcess, working: boolean): void {
  for (const handle of [child, child.channel, child.stdout, child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[]) {
    if (working) handle?.ref();
    else handle?.unref();
  }
}

/** Resident memory of a process in MB, from /proc (Linux; a Raspberry Pi runs Linux). */
export function residentMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

function stoppedMessage(reason: { en: string; ja: string }): { message: string; messageJa: string } {
  return {
    message: `The inspection runtime (a separate process) stopped during this job: ${reason.en}. The job did not finish; the kit keeps running and the next job starts a fresh runtime.`,
    messageJa: `検査処理のプロセスがこの処理の途中で停止しました: ${reason.ja}。この処理は完了していません。キットは動き続けており、次の処理は新しいプロセスで行います。`,
  };
}

function failure(code: InspectionErrorCode, message: string, messageJa: string): InspectionError {
  return new InspectionError(code, message, messageJa);
}

/**
 * The service's side of the worker thread: one job at a time, in order, with progress, and a cancel that first asks the
 * worker to stop between two steps and, if it does not answer in time, ends the thread and starts a fresh one.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InspectionError, type InspectionErrorCode } from './errors.js';
import type { FitOutput, FitStage, JudgeOutput, PreparedImage, WorkerReply, WorkerRequest } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled next to this file; when the sources run under vitest, the build in dist/ (npm run build). */
const WORKER_FILE = [join(here, 'worker.js'), join(here, '..', '..', 'dist', 'gateway', 'inspection', 'worker.js')].find((f) =>
  existsSync(f),
);

type Body<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;
type AnyBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Job {
  id: number;
  message: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (stage: FitStage, fraction: number) => void;
  cancel?: Int32Array;
}

export interface RunningFit<T> {
  result: Promise<T>;
  /** Asks the fit to stop; resolves once the worker is free again (the result rejects with CANCELLED). */
  cancel(): Promise<void>;
}

export class InspectionWorker {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private closed = false;
  private idle: NodeJS.Timeout | undefined;
  /** Threads started so far (a cancel that had to end the thread starts another). */
  restarts = 0;

  /** `idleMs`: a thread without a job for this long is ended (its WASM heap goes back to the system); the next job starts another. */
  constructor(private readonly options: { cancelGraceMs?: number; name?: string; idleMs?: number } = {}) {}

  prepare(body: Body<'prepare'>) {
    return this.enqueue<PreparedImage>({ ...body, type: 'prepare' });
  }

  judge(body: Body<'judge'>) {
    return this.enqueue<JudgeOutput>({ ...body, type: 'judge' });
  }

  fit(body: Omit<Body<'fit'>, 'cancel'>, onProgress?: (stage: FitStage, fraction: number) => void): RunningFit<FitOutput> {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    let job: Job | undefined;
    const result = this.enqueue<FitOutput>({ ...body, type: 'fit', cancel }, onProgress, flag, (j) => {
      job = j;
    });
    return {
      result,
      cancel: async () => {
        Atomics.store(flag, 0, 1);
        if (!job) return;
        if (this.current !== job) {
          // Still waiting in the queue: drop it.
          const index = this.queue.indexOf(job);
          if (index >= 0) this.queue.splice(index, 1);
          job.reject(cancelledError());
          return;
        }
        const settled = result.then(
          () => true,
          () => true,
        );
        const inTime = await Promise.race([settled, sleep(this.options.cancelGraceMs ?? 10_000).then(() => false)]);
        if (!inTime) this.restart(cancelledError());
      },
    };
  }

  /** Ends the thread; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const error = new InspectionError('CANCELLED', 'the kit is stopping', 'キットを停止しています');
    for (const job of this.queue.splice(0)) job.reject(error);
    this.current?.reject(error);
    this.current = undefined;
    await this.worker?.terminate();
    this.worker = undefined;
  }

  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  private enqueue<T>(message: AnyBody, onProgress?: Job['onProgress'], cancel?: Int32Array, seen?: (job: Job) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new InspectionError('CANCELLED', 'the kit is stopping', 'キットを停止しています'));
        return;
      }
      const id = this.nextId++;
      const job: Job = {
        id,
        message: { ...message, id } as WorkerRequest,
        transfer: [],
        resolve: resolve as (value: unknown) => void,
        reject,
        ...(onProgress ? { onProgress } : {}),
        ...(cancel ? { cancel } : {}),
      };
      seen?.(job);
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    clearTimeout(this.idle);
    const job = this.queue.shift();
    if (!job) {
      if (this.worker && this.options.idleMs !== undefined) this.idle = setTimeout(() => this.endIdle(), this.options.idleMs).unref();
      return;
    }
    this.current = job;
    const worker = this.thread();
    // A job in hand keeps the process alive until it answers; an idle thread does not hold up the gateway's shutdown.
    worker.ref();
    worker.postMessage(job.message);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    if (!WORKER_FILE) throw new Error('the inspection worker is not built: run `npm run build`');
    const worker = new Worker(WORKER_FILE, { name: this.options.name ?? 'inspection' });
    this.restarts++;
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) =>
      this.restart(new InspectionError('WORKER_FAILED', error.message, `検査処理が異常終了しました: ${error.message}`)),
    );
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  private onReply(reply: WorkerReply): void {
    const job = this.current;
    if (!job || job.id !== reply.id) return;
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
    if (this.queue.length === 0) this.worker?.unref();
    this.pump();
  }

  private endIdle(): void {
    if (this.busy) return;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** Ends a thread that will not stop by itself; the running job fails with `error`, the queue goes on in a new thread. */
  private restart(error: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    const job = this.current;
    this.current = undefined;
    job?.reject(error);
    this.pump();
  }
}

function cancelledError(): InspectionError {
  return new InspectionError('CANCELLED', 'the fit was cancelled', '学習を中止しました');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

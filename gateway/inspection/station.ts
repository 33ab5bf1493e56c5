/**
 * A live inspection station: images that land in a watched folder (a camera's FTP/SMB drop, a capture script) are judged
 * in arrival order, moved to judged/OK, judged/NG or rejected/ beside the folder, and reported: on MQTT, in InfluxDB, on
 * the dashboard, and as today's good/reject counts for the production layer.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { InspectionStationConfig } from '../../config/schema.js';
import type { Payload } from '../../edge/mqtt/topics.js';
import { ensurePrivateDir, writePrivateFile } from '../privateFiles.js';
import type { StoredPoint } from '../storage/point.js';
import { pointTime } from '../storage/pointTime.js';
import { formatDate, localDate } from '../utilization/timeZone.js';
import { InspectionError } from './errors.js';
import type { InspectionService } from './service.js';

const IMAGE_FILE = /\.(jpe?g|png)$/i;
const RECENT = 20;

export interface StationResult {
  ts: number;
  image: string;
  score: number;
  threshold: number;
  verdict: 'OK' | 'NG';
  templateScore: number;
  /** 0..RECENT-1: which of the station's kept heat maps shows it. */
  slot: number;
}

export interface StationStatus {
  id: string;
  name: string;
  nameEn: string | null;
  trial: string;
  watch: string;
  /** Local day (YYYY-MM-DD) the counts are for. */
  day: string;
  goodToday: number;
  rejectToday: number;
  rejectedFiles: number;
  lastError: { code: string; message: string; messageJa: string } | null;
  recent: StationResult[];
}

export interface StationDeps {
  config: InspectionStationConfig;
  kitId: string;
  timeZone: string;
  /** Where the station keeps its counts and recent heat maps. */
  dir: string;
  service: InspectionService;
  publish: (payload: Payload<'inspectionResult'>) => void;
  store: (points: StoredPoint[]) => void;
  log: Logger;
  now?: () => number;
}

export class InspectionStation {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  /** Size and mtime of each candidate at the previous poll: a file is judged once it has stopped growing. */
  private readonly seen = new Map<string, string>();
  private counts: { day: string; good: number; reject: number };
  private readonly recent: StationResult[] = [];
  private rejectedFiles = 0;
  private lastError: StationStatus['lastError'] = null;
  private nextSlot = 0;
  /** The file the runtime last stopped on. */
  private suspect: string | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: StationDeps) {
    this.now = deps.now ?? Date.now;
    ensurePrivateDir(deps.dir);
    this.counts = this.loadCounts();
  }

  get id(): string {
    return this.deps.config.id;
  }

  start(): void {
    const { watch } = this.deps.config;
    for (const folder of [watch, join(watch, 'judged', 'OK'), join(watch, 'judged', 'NG'), join(watch, 'rejected')])
      mkdirSync(folder, { recursive: true });
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), this.deps.config.pollMs);
  }

  /** One pass over the folder; also called by tests to avoid waiting for the timer. */
  async poll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const name of this.readyFiles()) {
        if (this.stopped) break;
        // No model (yet): the rest of the folder waits for the next poll.
        if (!(await this.judgeFile(name))) break;
      }
    } catch (error) {
      this.deps.log.warn({ station: this.id, err: (error as Error).message }, 'inspection folder not readable');
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private readyFiles(): string[] {
    const { watch } = this.deps.config;
    const ready: string[] = [];
    const present = new Set<string>();
    for (const entry of readdirSync(watch, { withFileTypes: true })) {
      if (!entry.isFile() || entry.name.startsWith('.') || entry.name.endsWith('.part') || entry.name.endsWith('.tmp')) continue;
      present.add(entry.name);
      const stat = statSync(join(watch, entry.name));
      const signature = `${stat.size}:${stat.mtimeMs}`;
      // Unchanged since the last poll: the writer is done with it.
      if (this.seen.get(entry.name) === signature) ready.push(entry.name);
      else this.seen.set(entry.name, signature);
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    return ready.sort();
  }

  /** False when the station cannot judge at all right now (no model), so the poll stops early. */
  private async judgeFile(name: string): Promise<boolean> {
    const { watch, trial } = this.deps.config;
    const path = join(watch, name);
    this.seen.delete(name);
    try {
      if (!IMAGE_FILE.test(name)) {
        throw new InspectionError('UNSUPPORTED_IMAGE', `${name}: not a .jpg or .png file`, `${name}: .jpg / .png ではありません`, name);
      }
      const size = statSync(path).size;
      if (size > this.deps.service.limits.maxBytes) {
        throw new InspectionError(
          'IMAGE_TOO_LARGE',
          `${name}: ${size} bytes is too large`,
          `${name}: ファイルが大きすぎます（${size} バイト）`,
          name,
        );
      }
      const result = await this.deps.service.judgeFile(trial, name, readFileSync(path));
      const ts = this.now();
      this.rollDay(ts);
      if (result.verdict === 'OK') this.counts.good++;
      else this.counts.reject++;
      this.saveCounts();
      const slot = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) % RECENT;
      writePrivateFile(join(this.deps.dir, `recent-${slot}.png`), result.judged.overlay);
      const entry: StationResult = {
        ts,
        image: name,
        score: result.score,
        threshold: result.threshold,
        verdict: result.verdict,
        templateScore: result.templateScore,
        slot,
      };
      this.recent.unshift(entry);
      this.recent.length = Math.min(this.recent.length, RECENT);
      this.lastError = null;
      renameSync(path, join(watch, 'judged', result.verdict, name));
      this.deps.publish({
        ts,
        station: this.id,
        trial,
        image: name,
        score: round(result.score),
        threshold: round(result.threshold),
        verdict: result.verdict,
        templateScore: round(result.templateScore),
        goodToday: this.counts.good,
        rejectToday: this.counts.reject,
      });
      this.deps.store([
        {
          measurement: 'inspection',
          tags: { kit: this.deps.kitId, station: this.id, trial, verdict: result.verdict },
          fields: {
            score: round(result.score),
            threshold: round(result.threshold),
            template_score: round(result.templateScore),
            ng: result.verdict === 'NG' ? 1 : 0,
          },
          timeNs: pointTime(ts, 0),
        },
      ]);
      return true;
    } catch (error) {
      let known = error instanceof InspectionError ? error : undefined;
      if (known?.code === 'RUNTIME_FAILED') {
        // The runtime died on this file: perhaps because of it, perhaps not (killed, short of memory). It gets a second
        // try in a fresh runtime; a file that takes the runtime down twice is set aside so the station goes on.
        if (this.suspect === name) known = twice(name, known);
        this.suspect = name;
      }
      const notTheFile = ['NOT_FITTED', 'NO_SUCH_TRIAL', 'CANCELLED', 'BACKBONE_UNAVAILABLE', 'RUNTIME_FAILED'];
      if (!known || notTheFile.includes(known.code)) {
        // Not the file's fault: leave it where it is and try again at the next poll (logged once, not at every poll).
        const previous = this.lastError?.code;
        this.lastError = known?.body() ?? { code: 'WORKER_FAILED', message: (error as Error).message, messageJa: (error as Error).message };
        if (previous !== this.lastError.code) {
          this.deps.log.warn(
            { station: this.id, code: this.lastError.code, err: this.lastError.message },
            'inspection station cannot judge yet',
          );
        }
        return false;
      }
      // The file itself is bad: set it aside with the reason beside it, and carry on with the next one.
      this.rejectedFiles++;
      this.lastError = known.body();
      try {
        renameSync(path, join(watch, 'rejected', name));
        writeFileSync(join(watch, 'rejected', `${name}.txt`), `${known.message}\n${known.messageJa}\n`);
      } catch {}
      this.deps.log.warn({ station: this.id, code: known.code, err: known.message }, 'inspection image refused');
      return true;
    }
  }

  private rollDay(ts: number): void {
    const day = localDayKey(ts, this.deps.timeZone);
    if (day !== this.counts.day) this.counts = { day, good: 0, reject: 0 };
  }

  private loadCounts(): { day: string; good: number; reject: number } {
    try {
      return JSON.parse(readFileSync(join(this.deps.dir, 'counts.json'), 'utf8'));
    } catch {
      return { day: localDayKey(this.now(), this.deps.timeZone), good: 0, reject: 0 };
    }
  }

  private saveCounts(): void {
    writePrivateFile(join(this.deps.dir, 'counts.json'), JSON.stringify(this.counts));
  }

  recentHeatmap(slot: number): Buffer | undefined {
    try {
      return readFileSync(join(this.deps.dir, `recent-${slot}.png`));
    } catch {
      return undefined;
    }
  }

  status(): StationStatus {
    this.rollDay(this.now());
    const { config } = this.deps;
    return {
      id: config.id,
      name: config.name,
      nameEn: config.nameEn ?? null,
      trial: config.trial,
      watch: config.watch,
      day: this.counts.day,
      goodToday: this.counts.good,
      rejectToday: this.counts.reject,
      rejectedFiles: this.rejectedFiles,
      lastError: this.lastError,
      recent: [...this.recent],
    };
  }
}

function twice(name: string, error: InspectionError): InspectionError {
  return new InspectionError(
    'BROKEN_IMAGE',
    `${name}: the inspection runtime stopped twice while judging this image, so it is set aside (${error.message})`,
    `${name}: この画像の判定中に検査処理のプロセスが 2 回停止したため、除外しました（${error.messageJa}）`,
    name,
  );
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

function localDayKey(ms: number, timeZone: string): string {
  return formatDate(localDate(ms, timeZone));
}

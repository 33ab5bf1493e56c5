/**
 * The production service: reads a machine's record from storage, runs the pure stages on it for the API, records what people
 * enter (stop reasons, rejects) as InfluxDB events, and keeps the tablet's "now" (the shift so far, stops waiting for a reason)
 * fresh on a timer, off the data path.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { STOP_STATES, type StopReasonConfig } from '../../config/productionSchema.js';
import type { KitConfig } from '../../config/schema.js';
import { topics } from '../../edge/mqtt/topics.js';
import type { Principal } from '../auth/principal.js';
import type { HistoryStore } from '../history/historyStore.js';
import type { StoredPoint } from '../storage/point.js';
import { plannedIntervals } from '../utilization/calendar.js';
import { formatDate, localDate, localTime, startOfLocalHour, zoneOffsetMs } from '../utilization/timeZone.js';
import { windows } from '../utilization/utilization.js';
import { bucketMinutes, partsRow } from './counts.js';
import { idealCycleMs, oeeByDay, oeeByShift } from './oee.js';
import { planRatePerMs, type ShiftOccurrence, shiftBoard, shiftOccurrences } from './plan.js';
import { writeReasons } from './reasonList.js';
import { type MachineRecord, machineRecord, type RejectEntry } from './record.js';
import type {
  BoardBody,
  CountsBody,
  CountsByValue,
  MachineProductionNowBody,
  OeeBody,
  ParetoBody,
  ProductionNowBody,
  ProductionSettingsBody,
  ReasonLogBody,
  ReasonRequestBody,
  RejectRequestBody,
  RejectSavedBody,
  StopBody,
  StopListBody,
} from './schemas.js';
import { pareto, plannedReasonIds, reasonWaitMs, type Stop, stopSettingsOf } from './stops.js';
import type { ProductionStore, ReasonRecord } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Stops this recent that still want a reason are on the tablet's list and counted on the overview. */
export const PENDING_WINDOW_MS = DAY;
const REFRESH_MS = 30_000;
/** Entries kept in memory after they were made: storage may still be on its way (the spool) when a page reads them back. */
const RECENT_KEPT_MS = 2 * DAY;

export interface ProductionServiceOptions {
  config: KitConfig;
  /** The kit file, where an admin's edit of the reason list is written; without it the list cannot be edited. */
  configFile?: string;
  history: Pick<HistoryStore, 'timeline' | 'stopStart'>;
  store: ProductionStore;
  /** Points for InfluxDB (the point buffer: spooled while InfluxDB is away). */
  write(points: StoredPoint[]): void;
  /** MQTT, through the gateway's broker. */
  publish(topic: string, payload: string, retain: boolean): void;
  /** The alarm engine's production input. */
  onMachine?(input: { machine: string; behindParts: number | null; waitingMs: number | null }): void;
  log: Logger;
  now?: () => number;
}

/** A refusal the routes turn into an HTTP answer. */
export class ProductionError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
    readonly messageJa: string,
  ) {
    super(message);
  }
  body() {
    return { code: this.code, message: this.message, messageJa: this.messageJa };
  }
}

const ROLE_RANK: Record<string, number> = { viewer: 0, operator: 1, manager: 2, admin: 3 };

export function createProductionService(options: ProductionServiceOptions) {
  const { config, store, history, log } = options;
  const now = options.now ?? Date.now;
  const kit = config.kit.id;
  const tz = config.kit.timeZone;
  const machines = new Map(config.machines.map((m) => [m.id, m]));
  const entries = new Map(config.production.machines.map((p) => [p.machine, p]));
  let reasons: StopReasonConfig[] = config.production.reasons;
  const settings = config.production;
  const recentReasons: ReasonRecord[] = [];
  const recentRejects: RejectEntry[] = [];
  let seq = 0;
  let current: ProductionNowBody = { ts: now(), pending: [], machines: [], refreshedAt: null };
  const published = new Map<string, string>();

  const nextSeq = () => {
    seq = (seq + 1) % 65536;
    return seq;
  };
  const dayOf = (t: number) => formatDate(localDate(t, tz));
  const reasonName = (id: string) => {
    const r = reasons.find((x) => x.id === id);
    return { ja: r?.name ?? id, en: r?.nameEn ?? r?.name ?? id };
  };

  function knownMachine(machine: string): void {
    if (!machines.has(machine))
      throw new ProductionError(404, 'NOT_FOUND', `unknown machine "${machine}"`, `設備「${machine}」は登録されていません`);
  }

  function prune(): void {
    const horizon = now() - RECENT_KEPT_MS;
    while (recentReasons[0] && recentReasons[0].at < horizon) recentReasons.shift();
    while (recentRejects[0] && recentRejects[0].at < horizon) recentRejects.shift();
  }

  /** Stored entries and the ones made since they were read, each once. */
  async function reasonsFor(from: number, to: number, machine?: string): Promise<ReasonRecord[]> {
    const stored = await store.reasons(from, to, machine);
    const ids = new Set(stored.map((e) => e.id));
    return [...stored, ...recentReasons.filter((e) => !ids.has(e.id) && (machine === undefined || e.machine === machine))];
  }

  async function rejectsFor(from: number, to: number, machine?: string): Promise<RejectEntry[]> {
    const stored = await store.rejects(from, to, machine);
    const seen = new Set(stored.map((e) => `${e.machine}/${e.hourFrom}/${e.at}`));
    const fresh = recentRejects.filter(
      (e) =>
        !seen.has(`${e.machine}/${e.hourFrom}/${e.at}`) && e.hourFrom >= from && e.hourFrom < to && (!machine || e.machine === machine),
    );
    return [...stored, ...fresh];
  }

  /** The work calendar's clock times (shift starts and ends, breaks), in minutes after midnight: where periods can begin. */
  const calendarMinutes = config.calendar.shifts.flatMap((s) =>
    [s.start, s.end, ...s.breaks.flatMap((b) => [b.start, b.end])].map((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))),
  );
  /** The summary bucket for a record from `from`: as wide as the calendar and the range's own start allow (one minute for "the last 24 h"). */
  const bucketFor = (from: number, minutes: boolean) => {
    if (minutes) return 1;
    const local = localTime(from, tz);
    const offsets = [zoneOffsetMs(from, tz), zoneOffsetMs(now(), tz)].map((ms) => ms / MINUTE);
    return local.second > 0 || local.millisecond > 0 ? 1 : bucketMinutes([...calendarMinutes, local.hour * 60 + local.minute], offsets);
  };

  /**
   * Everything the stages need about one machine over [from, to), read from storage; `to` is cut at now. Parts come summed per
   * bucket (bucketFor), cycle times part by part only where asked for.
   */
  async function record(
    machine: string,
    from: number,
    to: number,
    detail: { cycles?: boolean; minutes?: boolean } = {},
  ): Promise<MachineRecord> {
    knownMachine(machine);
    const end = Math.max(from, Math.min(to, now()));
    const entry = entries.get(machine);
    const counter = entry?.counter;
    const station = entry?.inspectionStation;
    const bucket = bucketFor(from, detail.minutes === true);
    const [timeline, stoppedSince, counts, cycles, reasonEntries, rejects, inspection] = await Promise.all([
      history.timeline(machine, from, end),
      history.stopStart(machine, from),
      counter ? store.counts(machine, from, end, bucket) : undefined,
      counter && detail.cycles ? store.cycles(machine, from, end) : [],
      reasonsFor(from, end, machine),
      rejectsFor(from, end, machine),
      station ? store.inspection(station, from, end) : null,
    ]);
    return machineRecord({
      machine,
      from,
      end,
      states: timeline.intervals,
      planned: plannedIntervals(config.calendar, tz, from, end),
      counter: counts ? { ...counts, cycles, bucketMs: bucket * MINUTE } : null,
      reasons: reasonEntries,
      rejects,
      inspection,
      stopSettings: stopSettingsOf(settings, machine),
      stoppedSince,
    });
  }

  const machineIds = (machine?: string) => {
    if (machine !== undefined) knownMachine(machine);
    return machine !== undefined ? [machine] : config.machines.map((m) => m.id);
  };

  /** The shift occurrence holding `at`, else the last one that ended before it (within a week). */
  function shiftAt(at: number): ShiftOccurrence | null {
    const occurrences = shiftOccurrences(plannedIntervals(config.calendar, tz, at - 7 * DAY, at + DAY));
    return occurrences.find((o) => o.from <= at && at < o.to) ?? occurrences.filter((o) => o.to <= at).at(-1) ?? null;
  }

  const toStopBody = (s: Stop): StopBody => ({ ...s, segments: s.segments.map((g) => ({ ...g })) });

  async function refreshMachine(machine: string, t: number): Promise<{ now: MachineProductionNowBody; pending: Stop[] }> {
    const shift = shiftAt(t);
    const inShift = shift !== null && shift.from <= t && t < shift.to;
    // From a whole hour, so parts can be read in the calendar's wide buckets rather than minute by minute.
    const from = Math.min(startOfLocalHour(t - PENDING_WINDOW_MS, tz), shift?.from ?? t);
    const rec = await record(machine, from, t);
    const pending = rec.stops.filter((s) => s.needsReason && s.to > t - PENDING_WINDOW_MS);
    const rate = planRatePerMs(entries.get(machine));
    let plan: number | null = null;
    let actual: number | null = null;
    let gap: number | null = null;
    let complete = true;
    if (inShift && shift) {
      const rows = shiftBoard(rec, shift, rate, tz, t).filter((r) => r.status !== 'upcoming');
      const last = rows.at(-1);
      plan = last?.planCumulative ?? null;
      actual = last?.actualCumulative ?? null;
      complete = last?.complete ?? true;
      // Over the hours the kit saw: an hour without data is neither made up nor counted against the plan.
      const seen = rows.filter((r) => r.gap !== null);
      gap = seen.length > 0 ? seen.reduce((sum, r) => sum + (r.gap ?? 0), 0) : null;
    }
    return {
      now: {
        machine,
        shift: inShift && shift ? { id: shift.shift, day: shift.day, from: shift.from, to: shift.to } : null,
        plan,
        actual,
        complete,
        gap,
        stopsWithoutReason: pending.length,
      },
      pending,
    };
  }

  /**
   * The tablet's "now" for every machine: one machine at a time, so a Pi's InfluxDB is never asked for everything at once. When
   * storage does not answer, the last figures stay (with the time they were worked out) and the next round tries again.
   */
  async function refresh(): Promise<void> {
    const t = now();
    const rows: MachineProductionNowBody[] = [];
    const pending: Stop[] = [];
    const results: { machine: string; now: MachineProductionNowBody; pending: Stop[] }[] = [];
    try {
      for (const m of config.machines) results.push({ machine: m.id, ...(await refreshMachine(m.id, t)) });
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'production figures not refreshed');
      return;
    }
    for (const out of results) {
      rows.push(out.now);
      pending.push(...out.pending);
      const { shift, plan, actual, complete, gap, stopsWithoutReason } = out.now;
      const key = JSON.stringify(out.now);
      if (published.get(out.machine) !== key) {
        published.set(out.machine, key);
        options.publish(
          topics.machineProduction(kit, out.machine),
          JSON.stringify({ ts: t, shift, plan, actual, complete, gap, stopsWithoutReason }),
          true,
        );
      }
      options.onMachine?.({
        machine: out.machine,
        behindParts: gap === null ? null : Math.max(0, -gap),
        waitingMs: reasonWaitMs(out.pending, t),
      });
    }
    current = { ts: t, pending: pending.sort((a, b) => a.from - b.from).map(toStopBody), machines: rows, refreshedAt: t };
  }

  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const refreshNow = () => {
    running ??= refresh().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    settings(): ProductionSettingsBody {
      return {
        reasons,
        reasonAfterMinutes: settings.reasonAfterMinutes,
        operatorCorrectionMinutes: settings.operatorCorrectionMinutes,
        machines: config.production.machines.map((p) => {
          const rate = planRatePerMs(p);
          return {
            machine: p.machine,
            counter: Boolean(p.counter),
            planPerHour: rate === null ? null : rate * HOUR,
            idealCycleMs: idealCycleMs(p),
            inspectionStation: p.inspectionStation ?? null,
            askReasonFor: [...(p.askReasonFor ?? STOP_STATES)],
          };
        }),
      };
    },

    /** An admin's new reason list, written to the kit file (docs/production.md). */
    updateReasons(list: StopReasonConfig[], by: string): ProductionSettingsBody {
      if (!options.configFile)
        throw new ProductionError(
          409,
          'NO_KIT_FILE',
          'this kit was started without a kit file, so the list cannot be saved',
          'このキットは設定ファイルなしで起動されたため、一覧を保存できません',
        );
      try {
        reasons = writeReasons(options.configFile, list);
      } catch (error) {
        throw new ProductionError(
          400,
          'BAD_REASONS',
          (error as Error).message,
          `停止理由の一覧が正しくありません: ${(error as Error).message}`,
        );
      }
      log.info({ by, reasons: reasons.map((r) => r.id) }, 'stop reasons changed');
      return this.settings();
    },

    async stops(machine: string, from: number, to: number): Promise<StopListBody> {
      const rec = await record(machine, from, to);
      return { from, to: rec.end, stops: rec.stops.map(toStopBody) };
    },

    /** One tap (one segment) or a split (several); a reason already given may be changed by a manager, or by its operator soon after. */
    async setReason(who: Principal, body: ReasonRequestBody): Promise<StopBody> {
      const t = now();
      knownMachine(body.machine);
      for (const s of body.segments) {
        if (!reasons.some((r) => r.id === s.reason))
          throw new ProductionError(400, 'UNKNOWN_REASON', `no stop reason "${s.reason}"`, `停止理由「${s.reason}」はありません`);
      }
      const segments = [...body.segments].sort((a, b) => a.from - b.from);
      segments.forEach((s, i) => {
        const next = segments[i + 1];
        const end = s.to ?? Number.POSITIVE_INFINITY;
        if (end <= s.from || (next && (s.to === null || next.from < end)))
          throw new ProductionError(
            400,
            'BAD_SEGMENTS',
            'segments must be in order and must not overlap',
            '区間は時刻順で、重ならないようにしてください',
          );
      });
      const rec = await record(body.machine, body.stopFrom - 12 * HOUR, t);
      const stop = rec.stops.find((s) => s.from <= body.stopFrom && body.stopFrom < s.to);
      if (!stop)
        throw new ProductionError(404, 'STOP_NOT_FOUND', 'no stop of this machine at that time', 'その時刻にこの設備の停止はありません');
      for (const s of segments) {
        if (s.from < stop.from || (s.to ?? stop.to) > stop.to || s.from >= stop.to)
          throw new ProductionError(400, 'BAD_SEGMENTS', 'a segment lies outside the stop', '区間が停止の外にあります');
      }
      const manager = (ROLE_RANK[who.role] ?? 0) >= ROLE_RANK.manager!;
      const correctionMs = settings.operatorCorrectionMinutes * MINUTE;
      for (const s of segments) {
        const end = s.to ?? stop.to;
        for (const g of stop.segments) {
          if (g.reason === null || g.to <= s.from || g.from >= end) continue;
          const ownRecent = g.by === who.username && g.at !== null && t - g.at <= correctionMs;
          if (!manager && !ownRecent)
            throw new ProductionError(
              403,
              'REASON_LOCKED',
              'a reason was already given for this time; a manager can change it',
              'この時間には停止理由が入力済みです。変更は管理者が行います',
            );
        }
      }
      const made: ReasonRecord[] = segments.map((s) => ({
        id: `${t.toString(36)}-${randomBytes(3).toString('hex')}`,
        machine: body.machine,
        at: t,
        stopFrom: stop.from,
        from: s.from,
        to: s.to,
        reason: s.reason,
        note: s.note?.trim() ? s.note.trim() : null,
        by: who.username,
        role: who.role,
        previousReason: stop.segments.find((g) => g.from <= s.from && s.from < g.to)?.reason ?? null,
      }));
      options.write(made.map((e) => store.reasonPoint(e, nextSeq())));
      recentReasons.push(...made);
      prune();
      for (const e of made) {
        const payload = {
          ts: e.at,
          id: e.id,
          stopFrom: e.stopFrom,
          from: e.from,
          to: e.to,
          reason: e.reason,
          reasonName: reasonName(e.reason),
          note: e.note,
          by: e.by,
          previousReason: e.previousReason,
        };
        options.publish(topics.machineStopReason(kit, e.machine), JSON.stringify(payload), false);
      }
      log.info(
        { machine: body.machine, stopFrom: stop.from, reasons: made.map((e) => e.reason), by: who.username },
        'stop reason recorded',
      );
      clearTimeout(soon);
      soon = setTimeout(() => void refreshNow(), 200);
      const after = await record(body.machine, stop.from, t);
      return toStopBody(after.stops.find((s) => s.from <= stop.from && stop.from < s.to) ?? stop);
    },

    async reasonLog(from: number, to: number, machine?: string): Promise<ReasonLogBody> {
      machineIds(machine);
      const list = (await reasonsFor(from, to, machine)).filter((e) => e.at >= from && e.at < to).sort((a, b) => b.at - a.at);
      return { entries: list.map((e) => ({ ...e, role: e.role ?? null, previousReason: e.previousReason ?? null })) };
    },

    async pareto(from: number, to: number, machine?: string): Promise<ParetoBody> {
      const stops: Stop[] = [];
      for (const id of machineIds(machine)) stops.push(...(await record(id, from, to)).stops);
      const bars = pareto(stops, plannedReasonIds(reasons));
      return { machine: machine ?? null, from, to: Math.min(to, now()), totalMs: bars.reduce((s, b) => s + b.ms, 0), bars };
    },

    async counts(machine: string, from: number, to: number, by: CountsByValue): Promise<CountsBody> {
      const rec = await record(machine, from, to, { cycles: true, minutes: by === 'minute' });
      const counts = rec.counts;
      if (by === 'shift') {
        const rows = shiftOccurrences(rec.planned).map((o) => ({
          ...(counts ? partsRow(counts, { from: o.from, to: o.to }) : { from: o.from, to: o.to, parts: null, seenMs: 0, cycle: null }),
          shift: o.shift,
        }));
        return { machine, by, rows };
      }
      const spans =
        by === 'minute'
          ? Array.from({ length: Math.ceil((rec.end - from) / MINUTE) }, (_, i) => ({
              from: from + i * MINUTE,
              to: Math.min(from + (i + 1) * MINUTE, rec.end),
            }))
          : windows(by, tz, from, rec.end);
      return {
        machine,
        by,
        rows: spans.map((w) => (counts ? partsRow(counts, w) : { from: w.from, to: w.to, parts: null, seenMs: 0, cycle: null })),
      };
    },

    async board(machine: string, at?: number): Promise<BoardBody> {
      knownMachine(machine);
      const t = now();
      const shift = shiftAt(at ?? t);
      if (!shift) return { machine, shift: null, rows: [] };
      const rec = await record(machine, shift.from, shift.to);
      return {
        machine,
        shift: { id: shift.shift, day: shift.day, from: shift.from, to: shift.to },
        rows: shiftBoard(rec, shift, planRatePerMs(entries.get(machine)), tz, t),
      };
    },

    async oee(from: number, to: number, by: 'shift' | 'day', machine?: string): Promise<OeeBody> {
      const rows: OeeBody['rows'] = [];
      const planned = plannedReasonIds(reasons);
      for (const id of machineIds(machine)) {
        const rec = await record(id, from, to);
        const ideal = idealCycleMs(entries.get(id));
        rows.push(...(by === 'shift' ? oeeByShift(rec, ideal, planned) : oeeByDay(rec, ideal, planned, tz, dayOf)));
      }
      return { by, rows };
    },

    /** Rejects of one board hour, as an operator counted them; the latest entry for an hour is the one that counts. */
    setRejects(who: Principal, body: RejectRequestBody): RejectSavedBody {
      knownMachine(body.machine);
      const t = now();
      if (body.hourFrom > t)
        throw new ProductionError(
          400,
          'FUTURE_HOUR',
          'rejects can be entered only for an hour that has begun',
          '不良数は始まった時間帯にだけ入力できます',
        );
      const manager = (ROLE_RANK[who.role] ?? 0) >= ROLE_RANK.manager!;
      if (!manager && body.hourFrom < t - DAY)
        throw new ProductionError(
          403,
          'REJECTS_LOCKED',
          'older hours can be changed by a manager',
          '1 日以上前の時間帯は管理者が変更します',
        );
      const entry: RejectEntry = { machine: body.machine, at: t, hourFrom: body.hourFrom, count: body.count, by: who.username };
      options.write([store.rejectPoint(entry, nextSeq())]);
      recentRejects.push(entry);
      prune();
      log.info({ machine: body.machine, hourFrom: body.hourFrom, count: body.count, by: who.username }, 'rejects recorded');
      return { ...entry };
    },

    now: (): ProductionNowBody => current,
    refresh: refreshNow,
    record,

    start(): void {
      void refreshNow();
      timer = setInterval(() => void refreshNow(), REFRESH_MS);
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      clearTimeout(soon);
      await running;
    },
  };
}

export type ProductionService = ReturnType<typeof createProductionService>;

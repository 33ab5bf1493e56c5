import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseKitConfig } from '../../config/load.js';
import {
  type CounterObservation,
  type CountMessage,
  initialCounterMemory,
  type PartCounterSettings,
  stepPartCounter,
} from '../../edge/stages/partCounter.js';
import { cycleStats, partsRow } from '../../gateway/production/counts.js';
import { idealCycleMs, type OeeRow, oeeByDay, oeeByShift } from '../../gateway/production/oee.js';
import { planRatePerMs, shiftBoard, shiftOccurrences } from '../../gateway/production/plan.js';
import { machineRecord, type RejectEntry } from '../../gateway/production/record.js';
import { pareto, plannedReasonIds, type ReasonEntry, stopSettingsOf } from '../../gateway/production/stops.js';
import { plannedIntervals } from '../../gateway/utilization/calendar.js';
import { withNoData } from '../../gateway/utilization/coverage.js';
import { buildTimeline, toMachineState } from '../../gateway/utilization/timeline.js';
import { formatDate, localDate } from '../../gateway/utilization/timeZone.js';
import { utilizationRows, windows } from '../../gateway/utilization/utilization.js';

const root = new URL('./production/', import.meta.url);
type Line = Record<string, unknown>;
const jsonl = (file: URL): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
const cases = (folder: string) => readdirSync(new URL(`${folder}/`, root));

/** Asia/Tokyo has no DST: +09:00 is exact and reads like the shop-floor clock. */
const TOKYO = 9 * 3_600_000;
const iso = (ms: number) => `${new Date(ms + TOKYO).toISOString().slice(0, 23)}+09:00`;
/** "MM-DD HH:MM", local: short enough to read a board at a glance. */
const clock = (ms: number) => new Date(ms + TOKYO).toISOString().slice(5, 16).replace('T', ' ');
const minutes = (ms: number) => Math.round(ms / 600) / 100;
const ratio = (v: number | null) => (v === null ? null : Math.round(v * 10000) / 10000);

describe('edge part counter golden cases', () => {
  for (const name of cases('counter')) {
    it(name, () => {
      const dir = new URL(`counter/${name}/`, root);
      const cfg = parse(readFileSync(new URL('config.yaml', dir), 'utf8'));
      const settings: PartCounterSettings = { ...cfg, maxCycleMs: cfg.maxCycleSeconds * 1000 };
      let memory = initialCounterMemory();
      const out: Line[] = [];
      for (const line of jsonl(new URL('input.jsonl', dir))) {
        const { at, ...rest } = line;
        const step = stepPartCounter(settings, memory, { ...rest, modulo: 2 ** 32, ts: Date.parse(at as string) } as CounterObservation);
        memory = step.memory;
        for (const m of step.messages) out.push({ ...m, ts: iso(m.ts), epoch: iso(m.epoch) });
      }
      expect(out).toEqual(jsonl(new URL('expected.jsonl', dir)));
    });
  }
});

/**
 * A day of one machine, worked out by hand in the case's README: its states, its counter's pulses through the edge's own
 * counter stage (ticked every 10 s while the edge runs, so keepalives are real), the reasons and rejects people entered.
 */
function replayDay(name: string) {
  const dir = new URL(`days/${name}/`, root);
  const { range, kit } = parse(readFileSync(new URL('config.yaml', dir), 'utf8'));
  const config = parseKitConfig(kit);
  const tz = config.kit.timeZone;
  const [from, to, now] = [range.from, range.to, range.now].map((t: string) => Date.parse(t)) as [number, number, number];
  const end = Math.min(to, now);
  const entry = config.production.machines[0];
  if (!entry) throw new Error('the case needs one production machine');
  const settings: PartCounterSettings = {
    partsPerPulse: entry.counter?.partsPerPulse ?? 1,
    maxCycleMs: (entry.counter?.maxCycleSeconds ?? 600) * 1000,
    publishEveryMs: 1000,
    offlinePublishEveryMs: 60_000,
    keepaliveMs: 300_000,
  };

  const changes: { at: number; state: ReturnType<typeof toMachineState> }[] = [];
  const reasons: ReasonEntry[] = [];
  const rejects: RejectEntry[] = [];
  const observations: CounterObservation[] = [];
  const edgeRuns: [number, number][] = [];
  let started: number | undefined;
  for (const line of jsonl(new URL('input.jsonl', dir))) {
    const at = Date.parse((line.at ?? line.from) as string);
    if (line.state) changes.push({ at, state: toMachineState(line.state) });
    if (line.edge === 'start') started = at;
    if (line.edge === 'stop' && started !== undefined) {
      edgeRuns.push([started, at]);
      started = undefined;
    }
    if (line.pulses) {
      const until = Date.parse(line.until as string);
      for (let t = at; t <= until; t += (line.every as number) * 1000) observations.push({ kind: 'pulse', ts: t });
    }
    if (line.reason) {
      const r = line.reason as Record<string, string | null>;
      reasons.push({
        id: `r${reasons.length}`,
        machine: entry.machine,
        at,
        stopFrom: Date.parse(r.stopFrom as string),
        from: Date.parse(r.from as string),
        to: r.to ? Date.parse(r.to) : null,
        reason: r.reason as string,
        note: r.note ?? null,
        by: r.by as string,
      });
    }
    if (line.rejects) {
      const r = line.rejects as { hourFrom: string; count: number; by: string };
      rejects.push({ machine: entry.machine, at, hourFrom: Date.parse(r.hourFrom), count: r.count, by: r.by });
    }
  }
  if (started !== undefined) edgeRuns.push([started, end]);
  for (const [a, b] of edgeRuns) {
    observations.push({ kind: 'start', ts: a }, { kind: 'stop', ts: b });
    for (let t = a + 10_000; t < b; t += 10_000) observations.push({ kind: 'tick', ts: t, linkUp: true });
  }
  // The edge's counter runs once per run of the edge (a new epoch each time); pulses outside a run are never seen.
  const messages: CountMessage[] = [];
  const order = { start: 0, pulse: 1, tick: 2, stop: 3, total: 1 } as const;
  observations.sort((a, b) => a.ts - b.ts || order[a.kind] - order[b.kind]);
  let memory = initialCounterMemory();
  for (const o of observations) {
    if (o.kind === 'start') memory = initialCounterMemory();
    const step = stepPartCounter(settings, memory, o);
    memory = o.kind === 'stop' ? { ...initialCounterMemory() } : step.memory;
    messages.push(...step.messages);
  }

  // The gateway records coverage only while it hears the edge: outside its runs the timeline is "no data", as in the store.
  const states = withNoData(
    buildTimeline(from, end, undefined, changes),
    edgeRuns.map(([a, b]) => ({ from: a, to: b })),
  );
  const planned = plannedIntervals(config.calendar, tz, from, end);
  const record = machineRecord({
    machine: entry.machine,
    from,
    end,
    states,
    planned,
    counter: entry.counter
      ? {
          points: messages.map((m) => ({ t: m.ts, epoch: m.epoch, total: m.total, parts: m.parts })),
          baseline: new Map(),
          cycles: messages.flatMap((m) => (m.cycleMs !== undefined ? [{ t: m.ts, cycleMs: m.cycleMs, cycles: m.cycles ?? 1 }] : [])),
        }
      : null,
    reasons,
    rejects,
    inspection: null,
    stopSettings: stopSettingsOf(config.production, entry.machine),
  });
  const dayOf = (t: number) => formatDate(localDate(t, tz));
  const ideal = idealCycleMs(entry);
  const plannedReasons = plannedReasonIds(config.production.reasons);
  const oee = (row: OeeRow) => ({
    ...(row.shift ? { shift: row.shift } : {}),
    day: row.day,
    from: clock(row.from),
    to: clock(row.to),
    plannedMin: minutes(row.plannedMs),
    runMin: minutes(row.runMs),
    idleMin: minutes(row.idleMs),
    offMin: minutes(row.offMs),
    unknownMin: minutes(row.unknownMs),
    noDataMin: minutes(row.noDataMs),
    plannedStopMin: minutes(row.plannedStopMs),
    parts: row.parts,
    rejects: row.rejects,
    good: row.good,
    rejectsRecorded: row.rejectsRecorded,
    availability: ratio(row.availability),
    performance: ratio(row.performance),
    quality: ratio(row.quality),
    oee: ratio(row.oee),
  });
  const rate = planRatePerMs(entry);
  return {
    oeeByShift: oeeByShift(record, ideal, plannedReasons).map(oee),
    oeeByDay: oeeByDay(record, ideal, plannedReasons, tz, dayOf).map(oee),
    // 稼働率 beside availability: planned stops stay in its denominator.
    utilizationByShift: utilizationRows({ states, planned, by: 'shift', timeZone: tz, from, to: end }).map((row) => ({
      shift: row.shift,
      from: clock(row.from),
      to: clock(row.to),
      plannedMin: minutes(row.plannedMs),
      runMin: minutes(row.runMs),
      noDataMin: minutes(row.noDataMs),
      utilization: ratio(row.utilization),
    })),
    boards: shiftOccurrences(planned).map((shift) => ({
      shift: shift.shift,
      day: shift.day,
      rows: shiftBoard(record, shift, rate, tz, now).map((r) => ({
        hour: `${clock(r.from)}-${clock(r.to).slice(6)}`,
        plannedMin: minutes(r.plannedMs),
        plan: r.plan,
        actual: r.actual,
        gap: r.gap,
        planCumulative: r.planCumulative,
        actualCumulative: r.actualCumulative,
        gapCumulative: r.gapCumulative,
        complete: r.complete,
        status: r.status,
        rejects: r.rejects,
        stops: Object.fromEntries(r.stops.map((s) => [s.reason, minutes(s.ms)])),
      })),
    })),
    stops: record.stops.map((s) => ({
      from: clock(s.from),
      to: clock(s.to),
      plannedMin: minutes(s.plannedMs),
      open: s.open,
      asked: s.asked,
      needsReason: s.needsReason,
      segments: s.segments.map((g) => ({
        from: clock(g.from),
        to: clock(g.to),
        plannedMin: minutes(g.plannedMs),
        reason: g.reason,
        by: g.by,
      })),
    })),
    pareto: pareto(record.stops, plannedReasons).map((b) => ({
      reason: b.reason,
      min: minutes(b.ms),
      stops: b.stops,
      share: ratio(b.share),
      cumulative: ratio(b.cumulative),
    })),
    countsByDay: windows('day', tz, from, end).map((day) => {
      const row = record.counts ? partsRow(record.counts, day) : null;
      const cycle = row?.cycle ?? null;
      return {
        day: dayOf(day.from),
        parts: row?.parts ?? null,
        cycle: cycle && { medianS: cycle.medianMs / 1000, p25S: cycle.p25Ms / 1000, p75S: cycle.p75Ms / 1000, cycles: cycle.cycles },
      };
    }),
  };
}

describe('production day golden cases (hand-computed, see each README.md)', () => {
  for (const name of cases('days')) {
    it(name, () => {
      const expected = JSON.parse(readFileSync(new URL(`days/${name}/expected.json`, root), 'utf8'));
      const actual = replayDay(name);
      for (const key of Object.keys(expected)) expect(actual[key as keyof typeof actual], key).toEqual(expected[key]);
    });
  }
});

describe('cycle time statistics', () => {
  it('takes the weighted nearest-rank median and quartiles of per-part cycles', () => {
    // 10 parts: 4 at 50 s, 1 at 52 s, 3 at 60 s, 2 at 90 s → ranks 3 (p25), 5 (median), 8 (p75).
    const stats = cycleStats([
      { t: 1, cycleMs: 60_000, cycles: 3 },
      { t: 2, cycleMs: 50_000, cycles: 4 },
      { t: 3, cycleMs: 90_000, cycles: 2 },
      { t: 4, cycleMs: 52_000, cycles: 1 },
    ]);
    expect(stats).toEqual({ medianMs: 52_000, p25Ms: 50_000, p75Ms: 60_000, iqrMs: 10_000, cycles: 10 });
    expect(cycleStats([])).toBeNull();
  });
});

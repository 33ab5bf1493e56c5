/**
 * The demo's history: on the demo kit's first start, the last days are filled from the same scenario the live simulator
 * plays, so that every page, 稼働率, the timeline, the alarm history, the trial report, the Pareto, the production board and
 * OEE have something to show at once. The simulator prints the lines its node would have sent; they go through the edge's
 * own parser, state stage and part counters, the gateway's ingest and the alarm rules exactly as live lines would, only with
 * their simulated times. The operators' stop reasons and rejects are added as the dashboard stores them (production.ts).
 * Every point is tagged demo=1, so demo data can be told apart (and dropped: DROP SERIES WHERE "demo" = '1').
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { KitConfig, SerialNodeConfig } from '../../config/schema.js';
import { createCounters } from '../../edge/counters.js';
import { settingsOf } from '../../edge/edge.js';
import { type Payload, type PayloadKind, topics } from '../../edge/mqtt/topics.js';
import { COUNT_MODULO } from '../../edge/protocol/frame.js';
import { parseLine } from '../../edge/protocol/parseLine.js';
import { initialMachineMemory, type MachineMemory, stepMachineState } from '../../edge/stages/machineState.js';
import { assessHeat } from '../../edge/stages/wbgt.js';
import { createAlarmCore } from '../alarms/core.js';
import { alarmEventPoint } from '../alarms/engine.js';
import { alarmInputs } from '../alarms/inputs.js';
import type { NotifyEvent } from '../alarms/lifecycle.js';
import { createIngest } from '../ingest.js';
import { ensurePrivateDir, writePrivateFile } from '../privateFiles.js';
import { reasonPoint, rejectPoint } from '../production/store.js';
import type { PointSink, StoredPoint } from '../storage/point.js';
import { startOfLocalDay } from '../utilization/timeZone.js';
import type { StateInterval } from '../utilization/utilization.js';
import { demoHash, demoReasons, demoRejects, timelineOf } from './production.js';
import { simulatorArgs } from './simulators.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** One line every 10 s: a sixth of the live rate, enough for states, alarms and charts, quick to write on a Pi. */
const STEP_S = 10;
const BATCH = 5000;
/** Who acknowledges the demo's past alarms, and how fast: a few minutes to half an hour, like a busy shop floor. */
export const DEMO_OPERATOR = 'demo';
const ACK_DELAY_MS = [2 * MINUTE, 30 * MINUTE] as const;

export interface BackfillOptions {
  config: KitConfig;
  dataDir: string;
  sink: PointSink;
  /** Downsamples [from, to) into the minute and hour policies (continuous queries never look back). */
  downsample: (from: number, to: number) => Promise<void>;
  log: Logger;
  now?: () => number;
  /** Ends the backfill early (the kit is stopping); nothing is marked done, so the next start does it again. */
  signal?: AbortSignal;
  /** Seconds between the history's lines; default 10 (a benchmark asks for a real node's 1). */
  stepSeconds?: number;
}

export interface BackfillResult {
  node: string;
  from: number;
  to: number;
  points: number;
  alarms: number;
  /** Parts counted, and the operators' stop reasons and hourly rejects entered. */
  parts: number;
  reasons: number;
  rejects: number;
}

const markerOf = (dataDir: string, node: string) => join(dataDir, 'demo', `backfill-${node}.json`);
/** The range a fill that has not finished set out to fill: the next start fills from the same day, so it overwrites, not adds. */
const startedOf = (dataDir: string, node: string) => join(dataDir, 'demo', `backfill-${node}.started.json`);

/** Fills every simulated node's history that has not been filled yet. */
export async function backfillDemo(options: BackfillOptions): Promise<BackfillResult[]> {
  const results: BackfillResult[] = [];
  for (const node of options.config.sources.serial) {
    const days = node.simulator?.backfillDays ?? 0;
    if (days === 0 || existsSync(markerOf(options.dataDir, node.id))) continue;
    const result = await backfillNode(options, node, days);
    if (!result) break;
    writePrivateFile(markerOf(options.dataDir, node.id), `${JSON.stringify(result)}\n`);
    rmSync(startedOf(options.dataDir, node.id), { force: true });
    results.push(result);
  }
  return results;
}

/** A deterministic "random" delay per alarm, so a demo's history is the same every time it is made. */
const ackDelay = (id: string) => ACK_DELAY_MS[0] + Math.floor(demoHash(id) * (ACK_DELAY_MS[1] - ACK_DELAY_MS[0]));

/**
 * Where the fill starts: `days` before today, or where an unfinished fill started if what it wrote may reach into that range.
 * Counts are totals since the fill's start (their epoch), so two fills from two different days would count the same parts twice.
 */
function startOfFill(options: BackfillOptions, node: string, days: number, now: number): number {
  const fresh = startOfLocalDay(now - days * DAY, options.config.kit.timeZone);
  const file = startedOf(options.dataDir, node);
  let started: { from?: unknown; to?: unknown } = {};
  try {
    if (existsSync(file)) started = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // A torn file from a power cut: start afresh, as before this file existed.
  }
  const from = typeof started.from === 'number' && typeof started.to === 'number' && started.to > fresh ? started.from : fresh;
  ensurePrivateDir(join(options.dataDir, 'demo'));
  writePrivateFile(file, `${JSON.stringify({ from, to: now })}\n`);
  return from;
}

async function backfillNode(options: BackfillOptions, node: SerialNodeConfig, days: number): Promise<BackfillResult | undefined> {
  const { config, log } = options;
  const kit = config.kit.id;
  const now = (options.now ?? Date.now)();
  const from = startOfFill(options, node.id, days, now);
  // Lines further apart than a machine's silence limit would read as 無信号 between every two of them.
  const silentS = Math.min(node.silentAfterSeconds, ...config.machines.map((m) => m.silentAfterSeconds));
  const stepS = Math.min(options.stepSeconds ?? STEP_S, Math.max(1, Math.floor(silentS / 2)));
  const to = Math.floor(now / (stepS * 1000)) * stepS * 1000;
  log.info({ node: node.id, from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'filling the demo history');

  let batch: StoredPoint[] = [];
  let points = 0;
  let refused = 0;
  const flush = async () => {
    const { rejected } = await options.sink.write(batch);
    // Refused points (older than the raw policy keeps, say) are counted, not fatal: the rest of the week is stored.
    refused += rejected.length;
    points += batch.length - rejected.length;
    batch = [];
  };
  const demo = (p: StoredPoint): StoredPoint => ({ ...p, tags: { ...p.tags, demo: '1' } });
  const ingest = createIngest(config, (ps) => batch.push(...ps.map(demo)), log);
  const core = createAlarmCore(config);
  const inputsOf = alarmInputs(config);
  let alarmSeq = 0;
  let alarmEvents = 0;
  const acks: { id: string; at: number }[] = [];
  const record = (events: NotifyEvent[], ts: number) => {
    for (const event of events) {
      if (event.kind === 'reminder') continue;
      alarmSeq = (alarmSeq + 1) % 65536;
      batch.push(demo(alarmEventPoint(kit, event, ts, alarmSeq)));
      alarmEvents++;
      if (event.kind === 'raised') {
        acks.push({ id: event.alarm.id, at: ts + ackDelay(event.alarm.id) });
        acks.sort((a, b) => a.at - b.at);
      }
    }
  };
  /** What happened at `ts`: the edge's message, then what the alarm rules make of it. */
  const publish = <K extends PayloadKind>(topic: string, payload: Payload<K>, ts: number) => {
    const buffer = Buffer.from(JSON.stringify(payload));
    ingest.handle(topic, buffer);
    for (const input of inputsOf(topic, buffer)) record(core.step(input, ts).events, ts);
  };
  const machines = new Map(
    config.machines.flatMap((m) =>
      'node' in m.source && m.source.node === node.id
        ? [[m.source.channel, { config: m, memory: initialMachineMemory() as MachineMemory }]]
        : [],
    ),
  );
  const zones = new Map(config.zones.filter((z) => z.source.node === node.id).map((z) => [z.source.channel, z]));
  /** What the production records are made from: each machine's state changes and each counter's parts, as published. */
  const changes = new Map([...machines.values()].map((t) => [t.config.id, [] as { ts: number; state: StateInterval['state'] }[]]));
  const parts = new Map<string, { ts: number; parts: number }[]>();
  const counted = config.production.machines.filter((m) => m.counter && 'node' in m.counter.source && m.counter.source.node === node.id);
  const counters = createCounters({ ...config, production: { ...config.production, machines: counted } }, (machine, payload) => {
    publish<'machineCount'>(topics.machineCount(kit, machine), payload, payload.ts);
    if (payload.parts === 0) return;
    const made = parts.get(machine) ?? [];
    made.push({ ts: payload.ts, parts: payload.parts });
    parts.set(machine, made);
  });

  const child = spawn(process.execPath, [...simulatorArgs(config, node, log), '--history', `${from}/${to}`, '--step', String(stepS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const abort = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', abort, { once: true });

  record(core.step({ kind: 'start' }, from).events, from);
  counters.start(from);
  let lastMinute = Number.NEGATIVE_INFINITY;
  try {
    for await (const text of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
      const space = text.indexOf(' ');
      const ts = Number(text.slice(0, space));
      const parsed = parseLine(text.slice(space + 1));
      if (!parsed.ok || !Number.isFinite(ts)) continue;
      const frame = parsed.frame;
      if (Math.floor(ts / MINUTE) !== lastMinute) {
        lastMinute = Math.floor(ts / MINUTE);
        publish<'edgeHealth'>(topics.edgeHealth(kit), { ts }, ts);
      }
      if (frame.type === 'hello')
        publish<'nodeStatus'>(topics.nodeStatus(kit, node.id), { online: true, ts, firmware: frame.firmware }, ts);
      else if (frame.type === 'current') {
        publish<'nodeCurrent'>(topics.nodeCurrent(kit, node.id), { ts, seq: frame.seq, amps: frame.amps }, ts);
        for (const [channel, amps] of Object.entries(frame.amps)) {
          const track = machines.get(channel);
          if (!track) continue;
          const step = stepMachineState(settingsOf(track.config), track.memory, { ts, amps });
          track.memory = step.memory;
          for (const c of step.changes) {
            const payload: Payload<'machineState'> = { ts: c.ts, state: c.state, previous: c.previous };
            if (c.previousMs !== undefined) payload.previousMs = c.previousMs;
            if (c.amps !== undefined) payload.amps = c.amps;
            publish<'machineState'>(topics.machineState(kit, track.config.id), payload, ts);
            changes.get(track.config.id)?.push({ ts: c.ts, state: c.state });
          }
        }
        record(core.step({ kind: 'tick' }, ts).events, ts);
        counters.tick(ts, true);
      } else if (frame.type === 'climate') {
        const { channel, temperatureC, humidityPct } = frame;
        publish<'nodeClimate'>(topics.nodeClimate(kit, node.id), { ts, seq: frame.seq, channel, temperatureC, humidityPct }, ts);
        const zone = zones.get(channel);
        if (zone) {
          const heat = assessHeat(temperatureC, humidityPct);
          publish<'zoneEnvironment'>(topics.zoneEnvironment(kit, zone.id), { ts, temperatureC, humidityPct, ...heat }, ts);
        }
      } else if (frame.type === 'count') counters.total(node.id, frame.channel, ts, frame.total, COUNT_MODULO, frame.lastPartAgeMs);
      // Someone on the floor acknowledges each alarm a little while after it went off.
      while (acks.length > 0 && (acks[0] as { at: number }).at <= ts) {
        const ack = acks.shift() as { id: string; at: number };
        const result = core.acknowledge(ack.id, DEMO_OPERATOR, undefined, ack.at);
        if (result.ok) record([result.event], ack.at);
      }
      if (batch.length >= BATCH) await flush();
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  const code = await exited;
  if (options.signal?.aborted) return undefined;
  if (code !== 0) throw new Error(`demo history: the simulator failed (exit ${code}): ${stderr.trim().slice(0, 500)}`);
  counters.stop(to);
  // What the operators entered meanwhile: reasons for the stops, each hour's rejects; stored as the dashboard stores them.
  const entries = { config, from, to, by: DEMO_OPERATOR };
  const reasons = demoReasons(entries, new Map([...changes].map(([machine, list]) => [machine, timelineOf(list, to)])));
  const rejects = demoRejects(entries, parts);
  batch.push(
    ...reasons.map((entry, i) => demo(reasonPoint(kit, entry, i))),
    ...rejects.map((entry, i) => demo(rejectPoint(kit, entry, i))),
  );
  await flush();
  await options.downsample(from, to);
  const made = [...parts.values()].flat().reduce((sum, p) => sum + p.parts, 0);
  log.info({ node: node.id, points, refused, alarmEvents, parts: made, reasons: reasons.length }, 'demo history filled');
  return { node: node.id, from, to, points, alarms: alarmEvents, parts: made, reasons: reasons.length, rejects: rejects.length };
}

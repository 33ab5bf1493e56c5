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
import { modbusChannels, registersOf } from '../../config/modbusMaps.js';
import type { KitConfig, ModbusBusConfig, SerialNodeConfig } from '../../config/schema.js';
import { createCounters } from '../../edge/counters.js';
import { settingsOf } from '../../edge/edge.js';
import { type Payload, type PayloadKind, topics } from '../../edge/mqtt/topics.js';
import { COUNT_MODULO } from '../../edge/protocol/frame.js';
import { parseLine } from '../../edge/protocol/parseLine.js';
import { type BlockResult, planReads, type ReadBlock, readingEvents, readingsOf } from '../../edge/sources/modbus/index.js';
import type { SourceEvent } from '../../edge/sources/types.js';
import { initialMachineMemory, type MachineMemory, type MachineSample, stepMachineState } from '../../edge/stages/machineState.js';
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
import { busSimulatorArgs, simulatorArgs } from './simulators.js';

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

/** The simulated nodes and Modbus buses whose demo history is still to be filled: none once the first start's fills are done. */
export function unfilledDemoSources(config: KitConfig, dataDir: string): string[] {
  const wanted = [
    ...config.sources.serial.filter((node) => (node.simulator?.backfillDays ?? 0) > 0),
    ...config.sources.modbus.filter((bus) => typeof bus.simulator === 'object' && bus.simulator.backfillDays > 0),
  ];
  return wanted.map((source) => source.id).filter((id) => !existsSync(markerOf(dataDir, id)));
}

/** Fills every simulated node's and Modbus bus's history that has not been filled yet; stops early when the kit stops. */
export async function backfillDemo(options: BackfillOptions): Promise<BackfillResult[]> {
  const results: BackfillResult[] = [];
  for (const node of options.config.sources.serial) {
    const days = node.simulator?.backfillDays ?? 0;
    if (days === 0 || existsSync(markerOf(options.dataDir, node.id))) continue;
    const result = await backfillNode(options, node, days);
    if (!result) return results;
    writePrivateFile(markerOf(options.dataDir, node.id), `${JSON.stringify(result)}\n`);
    rmSync(startedOf(options.dataDir, node.id), { force: true });
    results.push(result);
  }
  for (const bus of options.config.sources.modbus) {
    const days = typeof bus.simulator === 'object' ? bus.simulator.backfillDays : 0;
    if (days === 0 || existsSync(markerOf(options.dataDir, bus.id))) continue;
    const result = await backfillBus(options, bus, days);
    if (!result) break;
    writePrivateFile(markerOf(options.dataDir, bus.id), `${JSON.stringify(result)}\n`);
    rmSync(startedOf(options.dataDir, bus.id), { force: true });
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

/** The sources one fill stands for (a serial node, or a bus's devices), and what it hands to the production records. */
interface Fill {
  /** The edge's minute health message when `ts` starts a new minute. */
  at(ts: number): void;
  /** What the edge makes of one of its sources' events, as in edge/edge.ts: the readings, states, WBGT and parts it publishes. */
  feed(event: SourceEvent): void;
  /** The step ended at `ts`: the alarm rules' and the part counters' clocks move on, past alarms get acknowledged. */
  tick(ts: number): Promise<void>;
  finish(): Promise<BackfillResult>;
}

/**
 * One fill: the edge's stages and the gateway's ingest and alarm rules for the sources `ids`, into `options.sink` (tagged demo=1).
 * Alarms are kept to the fill's own nodes, machines and zones: another fill's would be silent here only because it is elsewhere.
 */
function createFill(options: BackfillOptions, id: string, ids: Set<string>, from: number, to: number): Fill {
  const { config, log } = options;
  const kit = config.kit.id;
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
  const machines = config.machines.filter((m) => 'node' in m.source && ids.has(m.source.node));
  const zones = new Map(config.zones.filter((z) => ids.has(z.source.node)).map((z) => [`${z.source.node}/${z.source.channel}`, z]));
  const owned = new Set([...ids, ...machines.map((m) => m.id), ...[...zones.values()].map((z) => z.id)]);
  let alarmSeq = 0;
  let alarmEvents = 0;
  const acks: { id: string; at: number }[] = [];
  const record = (events: NotifyEvent[], ts: number) => {
    for (const event of events) {
      if (event.kind === 'reminder' || !owned.has(event.alarm.target.id)) continue;
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
  // Which machine listens to which channel, as the edge decides it: a meter's power, or a channel's amps.
  const tracks = new Map(
    machines.map((m) => {
      const source = m.source as { node: string; channel: string; quantity?: string };
      const key = `${source.quantity === 'power' ? 'power' : 'amps'}:${source.node}/${source.channel}`;
      return [key, { config: m, memory: initialMachineMemory() as MachineMemory }];
    }),
  );
  const deviceChannels = new Set(modbusChannels(config));
  const declared = (node: string, channel: string) =>
    tracks.has(`amps:${node}/${channel}`) || zones.has(`${node}/${channel}`) || deviceChannels.has(`${node}/${channel}`);
  /** What the production records are made from: each machine's state changes and each counter's parts, as published. */
  const changes = new Map(machines.map((m) => [m.id, [] as { ts: number; state: StateInterval['state'] }[]]));
  const parts = new Map<string, { ts: number; parts: number }[]>();
  const counted = config.production.machines.filter((m) => m.counter && 'node' in m.counter.source && ids.has(m.counter.source.node));
  const counters = createCounters({ ...config, production: { ...config.production, machines: counted } }, (machine, payload) => {
    publish<'machineCount'>(topics.machineCount(kit, machine), payload, payload.ts);
    if (payload.parts === 0) return;
    const made = parts.get(machine) ?? [];
    made.push({ ts: payload.ts, parts: payload.parts });
    parts.set(machine, made);
  });
  const feedMachine = (key: string, sample: MachineSample) => {
    const track = tracks.get(key);
    if (!track) return;
    const step = stepMachineState(settingsOf(track.config), track.memory, sample);
    track.memory = step.memory;
    for (const c of step.changes) {
      const payload: Payload<'machineState'> = { ts: c.ts, state: c.state, previous: c.previous };
      if (c.previousMs !== undefined) payload.previousMs = c.previousMs;
      if (c.amps !== undefined) payload.amps = c.amps;
      if (c.watts !== undefined) payload.watts = c.watts;
      publish<'machineState'>(topics.machineState(kit, track.config.id), payload, sample.ts);
      changes.get(track.config.id)?.push({ ts: c.ts, state: c.state });
    }
  };
  const online = new Set<string>();

  record(core.step({ kind: 'start' }, from).events, from);
  counters.start(from);
  let lastMinute = Number.NEGATIVE_INFINITY;
  return {
    at(ts) {
      if (Math.floor(ts / MINUTE) === lastMinute) return;
      lastMinute = Math.floor(ts / MINUTE);
      publish<'edgeHealth'>(topics.edgeHealth(kit), { ts }, ts);
    },
    feed(event) {
      const { sourceId: node, ts } = event;
      if (event.kind === 'frame' && event.frame.type === 'hello') {
        online.add(node);
        publish<'nodeStatus'>(topics.nodeStatus(kit, node), { online: true, ts, firmware: event.frame.firmware }, ts);
        return;
      }
      if (!online.has(node)) {
        online.add(node);
        publish<'nodeStatus'>(topics.nodeStatus(kit, node), { online: true, ts }, ts);
      }
      if (event.kind === 'power') {
        const { channel, ...values } = event.reading;
        publish<'nodePower'>(topics.nodePower(kit, node), { ts, seq: event.seq, channel, ...values }, ts);
        if (values.watts !== undefined) feedMachine(`power:${node}/${channel}`, { ts, watts: values.watts });
      } else if (event.kind === 'count') counters.total(node, event.channel, ts, event.total, event.modulo, event.lastPartAgeMs);
      else if (event.kind === 'frame') {
        const frame = event.frame;
        if (frame.type === 'current') {
          const amps = Object.fromEntries(Object.entries(frame.amps).filter(([channel]) => declared(node, channel)));
          if (Object.keys(amps).length > 0) publish<'nodeCurrent'>(topics.nodeCurrent(kit, node), { ts, seq: frame.seq, amps }, ts);
          for (const [channel, value] of Object.entries(frame.amps)) feedMachine(`amps:${node}/${channel}`, { ts, amps: value });
        } else if (frame.type === 'climate') {
          const { channel, temperatureC, humidityPct } = frame;
          if (!declared(node, channel)) return;
          publish<'nodeClimate'>(topics.nodeClimate(kit, node), { ts, seq: frame.seq, channel, temperatureC, humidityPct }, ts);
          const zone = zones.get(`${node}/${channel}`);
          if (zone) {
            const heat = assessHeat(temperatureC, humidityPct);
            publish<'zoneEnvironment'>(topics.zoneEnvironment(kit, zone.id), { ts, temperatureC, humidityPct, ...heat }, ts);
          }
        } else if (frame.type === 'sensorError' && declared(node, frame.channel))
          publish<'nodeError'>(topics.nodeError(kit, node), { ts, seq: frame.seq, channel: frame.channel, code: frame.code }, ts);
        else if (frame.type === 'count') counters.total(node, frame.channel, ts, frame.total, COUNT_MODULO, frame.lastPartAgeMs);
      }
    },
    async tick(ts) {
      record(core.step({ kind: 'tick' }, ts).events, ts);
      counters.tick(ts, true);
      // Someone on the floor acknowledges each alarm a little while after it went off.
      while (acks.length > 0 && (acks[0] as { at: number }).at <= ts) {
        const ack = acks.shift() as { id: string; at: number };
        const result = core.acknowledge(ack.id, DEMO_OPERATOR, undefined, ack.at);
        if (result.ok) record([result.event], ack.at);
      }
      if (batch.length >= BATCH) await flush();
    },
    async finish() {
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
      log.info({ source: id, points, refused, alarmEvents, parts: made, reasons: reasons.length }, 'demo history filled');
      return { node: id, from, to, points, alarms: alarmEvents, parts: made, reasons: reasons.length, rejects: rejects.length };
    },
  };
}

/** The step of a fill's history: lines further apart than a silence limit would read as 無信号 between every two of them. */
function stepOf(options: BackfillOptions, silentS: number[]): number {
  const machines = options.config.machines.map((m) => m.silentAfterSeconds);
  return Math.min(options.stepSeconds ?? STEP_S, Math.max(1, Math.floor(Math.min(...silentS, ...machines) / 2)));
}

/** Runs a simulator that prints a past, line by line, to `onLine`; undefined when the kit stopped meanwhile. */
async function replay(options: BackfillOptions, args: string[], onLine: (text: string) => Promise<void>): Promise<true | undefined> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const abort = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const text of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) await onLine(text);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  const code = await exited;
  if (options.signal?.aborted) return undefined;
  if (code !== 0) throw new Error(`demo history: the simulator failed (exit ${code}): ${stderr.trim().slice(0, 500)}`);
  return true;
}

async function backfillNode(options: BackfillOptions, node: SerialNodeConfig, days: number): Promise<BackfillResult | undefined> {
  const now = (options.now ?? Date.now)();
  const from = startOfFill(options, node.id, days, now);
  const stepS = stepOf(options, [node.silentAfterSeconds]);
  const to = Math.floor(now / (stepS * 1000)) * stepS * 1000;
  options.log.info({ node: node.id, from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'filling the demo history');
  const fill = createFill(options, node.id, new Set([node.id]), from, to);
  const args = [...simulatorArgs(options.config, node, options.log), '--history', `${from}/${to}`, '--step', String(stepS)];
  const done = await replay(options, args, async (text) => {
    const space = text.indexOf(' ');
    const ts = Number(text.slice(0, space));
    const parsed = parseLine(text.slice(space + 1));
    if (!parsed.ok || !Number.isFinite(ts)) return;
    fill.at(ts);
    fill.feed({ kind: 'frame', sourceId: node.id, ts, frame: parsed.frame });
    if (parsed.frame.type === 'current') await fill.tick(ts);
  });
  return done && (await fill.finish());
}

/**
 * A Modbus bus's history: its simulator answers the kit's own read plan for each past poll, and the answers go through the
 * bus driver's decoding and events (edge/sources/modbus) into the same fill as a serial node's lines.
 */
async function backfillBus(options: BackfillOptions, bus: ModbusBusConfig, days: number): Promise<BackfillResult | undefined> {
  const now = (options.now ?? Date.now)();
  const from = startOfFill(options, bus.id, days, now);
  const stepS = stepOf(
    options,
    bus.devices.map((d) => d.silentAfterSeconds),
  );
  const to = Math.floor(now / (stepS * 1000)) * stepS * 1000;
  options.log.info({ bus: bus.id, from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'filling the demo history');
  const fill = createFill(options, bus.id, new Set(bus.devices.map((d) => d.id)), from, to);
  const blocks = new Map<string, { device: string; block: ReadBlock }>();
  const reads: string[] = [];
  for (const device of bus.devices) {
    for (const block of planReads(registersOf(device))) {
      const fn = block.table === 'input' ? 4 : 3;
      blocks.set(`${device.address} ${fn} ${block.start}`, { device: device.id, block });
      reads.push('--read', `${device.address}:${fn}:${block.start}:${block.count}`);
    }
  }
  const seqs = new Map<string, number>();
  /** The poll being read: a device's answers at one time, decoded as the bus driver decodes a poll. */
  let poll: { device: string; ts: number; results: BlockResult[] } | undefined;
  const endPoll = () => {
    if (!poll || poll.results.length === 0) return;
    const seq = seqs.get(poll.device) ?? 0;
    seqs.set(poll.device, (seq + 1) % 65536);
    for (const event of readingEvents(poll.device, poll.ts, seq, readingsOf(poll.results))) fill.feed(event);
  };
  let lastTs = from;
  const args = [...busSimulatorArgs(options.config, bus), '--history', `${from}/${to}`, '--step', String(stepS), ...reads];
  const done = await replay(options, args, async (text) => {
    const [time, address, fn, start, answer] = text.split(' ');
    const ts = Number(time);
    const planned = blocks.get(`${address} ${fn} ${start}`);
    if (!planned || !Number.isFinite(ts) || answer === undefined) return;
    if (poll?.device !== planned.device || poll.ts !== ts) {
      endPoll();
      if (ts !== lastTs) await fill.tick(lastTs);
      lastTs = ts;
      fill.at(ts);
      poll = { device: planned.device, ts, results: [] };
    }
    poll.results.push(
      answer.startsWith('!')
        ? { block: planned.block, exception: Number(answer.slice(1)) }
        : { block: planned.block, words: answer.split(',').map(Number) },
    );
  });
  if (!done) return undefined;
  endPoll();
  await fill.tick(lastTs);
  return await fill.finish();
}

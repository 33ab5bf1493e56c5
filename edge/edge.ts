/** The edge: runs the kit's sources, turns frames into readings and machine states, and publishes them over MQTT. */
import type { Logger } from 'pino';
import { modbusChannels } from '../config/modbusMaps.js';
import type { KitConfig, MachineConfig } from '../config/schema.js';
import { sensorNodes } from '../config/sensorNodes.js';
import { createCounters } from './counters.js';
import { LocalPublisher, type PublishFunction, type SubscribeFunction } from './localPublisher.js';
import type { Payload } from './mqtt/topics.js';
import { parseTopic, TOPIC_ROOT, topics } from './mqtt/topics.js';
import { COUNT_MODULO, type RejectReason } from './protocol/frame.js';
import { type EdgePublisher, Publisher } from './publisher.js';
import { createGpioInput, createSignalTower, type SignalTower } from './sources/gpio/index.js';
import { createModbusBus, type ModbusBusSource } from './sources/modbus/index.js';
import { createNetworkNode } from './sources/network/index.js';
import { createSerialNode } from './sources/serial/serialNode.js';
import type { Source, SourceContext, SourceEvent } from './sources/types.js';
import {
  checkSilence,
  initialMachineMemory,
  type MachineMemory,
  type MachineSample,
  type MachineStateSettings,
  type StateChange,
  stepMachineState,
} from './stages/machineState.js';
import type { TowerStep } from './stages/signalTower.js';
import { assessHeat } from './stages/wbgt.js';

export interface EdgeOptions {
  config: KitConfig;
  /**
   * An MQTT broker elsewhere (without a clientId the edge uses `minotake-edge-<kit>`, which only edge accounts may use),
   * or, for the edge inside the gateway, the function that publishes into the gateway's own broker.
   */
  broker:
    | { url: string; username: string; password: string; clientId?: string }
    | { publish: PublishFunction; subscribe: SubscribeFunction };
  log: Logger;
  now?: () => number;
  /** Replaces how a source is built (tests inject a fake GPIO class through this). */
  createSource?: (kind: 'serial' | 'gpio', id: string, ctx: SourceContext) => Source | undefined;
}

interface NodeCounters {
  lines: number;
  frames: number;
  readings: number;
  lost: number;
  /** Readings a network node's QoS 1 delivered again, or that came after a newer one: dropped. */
  duplicates: number;
  rejected: Partial<Record<RejectReason, number>>;
  sensorErrors: number;
  /** Readings of channels that no machine or zone in the kit file listens to: not published, the broker would refuse them. */
  undeclared: number;
  online: boolean;
  lastFrameAt?: number;
  startError?: string;
  /** What the node's last hello said: `minotake doctor` compares it with the kit file. */
  hello?: { nodeId: string; firmware: string; channels: string[] };
  /** Times it went from online to offline (a cable pulled, a node gone silent), and the last time and why. */
  disconnects: number;
  lastDisconnect?: { at: number; reason: string };
}

interface MachineTrack {
  config: MachineConfig;
  settings: MachineStateSettings;
  memory: MachineMemory;
}

const SILENCE_CHECK_MS = 1000;
const HEALTH_EVERY_MS = 10_000;

/** The machine-state stage's settings from a machine's config (the demo's history runs the same stage). */
export function settingsOf(machine: MachineConfig): MachineStateSettings {
  return { ...machine.thresholds, minDwellMs: machine.minDwellSeconds * 1000, silentAfterMs: machine.silentAfterSeconds * 1000 };
}

export function createEdge(options: EdgeOptions) {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const kit = config.kit.id;
  const publisherLog = log.child({ part: 'publisher' });
  const publisher: EdgePublisher =
    'publish' in options.broker
      ? new LocalPublisher({ publish: options.broker.publish, subscribe: options.broker.subscribe, kitId: kit, log: publisherLog })
      : new Publisher({ clientId: `minotake-edge-${kit}`, ...options.broker, kitId: kit, log: publisherLog });

  // Which machine or zone listens to which channel, decided once from the config.
  const machineByChannel = new Map<string, MachineTrack>();
  const machineByInput = new Map<string, MachineTrack>();
  const machineByPower = new Map<string, MachineTrack>();
  const machineByTower = new Map<string, MachineTrack>();
  const machines: MachineTrack[] = config.machines.map((machine) => {
    const track = { config: machine, settings: settingsOf(machine), memory: initialMachineMemory() };
    if ('tower' in machine.source) machineByTower.set(machine.source.tower, track);
    else if ('gpio' in machine.source) machineByInput.set(machine.source.gpio, track);
    else if (machine.source.quantity === 'power') machineByPower.set(`${machine.source.node}/${machine.source.channel}`, track);
    else machineByChannel.set(`${machine.source.node}/${machine.source.channel}`, track);
    return track;
  });
  const towers = config.sources.towers.map((tower) => ({ reader: createSignalTower(tower), machine: machineByTower.get(tower.id) }));
  const towerByInput = new Map(towers.flatMap((tower) => tower.reader.inputs.map((input) => [input, tower] as const)));
  const gpioInputs = new Set(config.sources.gpio.map((input) => input.id));
  /** Each GPIO input's level as last reported: a level that holds is a signal too. */
  const levels = new Map<string, 0 | 1>();
  const zoneByChannel = new Map(config.zones.map((zone) => [`${zone.source.node}/${zone.source.channel}`, zone]));
  // A Modbus device's map declares all its channels (a meter's phases are worth storing even when no machine uses them).
  const deviceChannels = new Set(modbusChannels(config));
  const declared = (node: string, channel: string) =>
    machineByChannel.has(`${node}/${channel}`) || zoneByChannel.has(`${node}/${channel}`) || deviceChannels.has(`${node}/${channel}`);
  const silentAfterMs = new Map(sensorNodes(config).map((node) => [node.id, node.silentAfterSeconds * 1000]));
  const counters = new Map<string, NodeCounters>();
  const lastRejectLog = new Map<string, number>();
  const counterOf = (id: string) => {
    let c = counters.get(id);
    if (!c) {
      c = {
        lines: 0,
        frames: 0,
        readings: 0,
        lost: 0,
        duplicates: 0,
        rejected: {},
        sensorErrors: 0,
        undeclared: 0,
        online: false,
        disconnects: 0,
      };
      counters.set(id, c);
    }
    return c;
  };

  const publishChanges = (track: MachineTrack, changes: StateChange[]) => {
    for (const change of changes) {
      log.info({ machine: track.config.id, state: change.state, previous: change.previous }, 'machine state changed');
      const payload: Payload<'machineState'> = { ts: change.ts, state: change.state, previous: change.previous };
      if (change.previousMs !== undefined) payload.previousMs = change.previousMs;
      if (change.amps !== undefined) payload.amps = change.amps;
      if (change.watts !== undefined) payload.watts = change.watts;
      publisher.publish('machineState', topics.machineState(kit, track.config.id), payload);
    }
  };

  const feedMachine = (track: MachineTrack | undefined, sample: MachineSample) => {
    if (!track) return;
    const { memory, changes } = stepMachineState(track.settings, track.memory, sample);
    track.memory = memory;
    publishChanges(track, changes);
  };

  /** Online or not in the edge's health, counting each drop-out (the doctor warns from three). */
  const noteOnline = (c: NodeCounters, online: boolean, ts: number, reason: string | undefined) => {
    if (c.online && !online) {
      c.disconnects++;
      c.lastDisconnect = { at: ts, reason: reason ?? 'offline' };
    }
    c.online = online;
  };
  // Parts are counted here, at the edge, so a broker or database away for a while loses none (edge/stages/partCounter.ts).
  const partCounters = createCounters(config, (machine, payload) =>
    publisher.publish('machineCount', topics.machineCount(kit, machine), payload),
  );

  const setNodeOnline = (node: string, online: boolean, ts: number, extra: Partial<Payload<'nodeStatus'>> = {}) => {
    const c = counterOf(node);
    if (c.online === online && !extra.firmware) return;
    noteOnline(c, online, ts, extra.reason);
    // A GPIO input is not a node of the MQTT tree: its state shows in edge/health, its level on gpio/<input>.
    if (gpioInputs.has(node)) return;
    log.info({ node, online, reason: extra.reason }, 'sensor node status');
    publisher.publish('nodeStatus', topics.nodeStatus(kit, node), { online, ts, ...extra });
  };

  /** A tower's state changes go through the machine-state stage (dwell, silence) like any other sample. */
  const feedTower = (tower: { machine: MachineTrack | undefined; reader: SignalTower }, step: TowerStep | undefined) => {
    if (!step) return;
    for (const change of step.changes) feedMachine(tower.machine, { ts: change.ts, state: change.state });
    // Up to settledUntil nothing can change any more: say so, so the dwell matures and silence is not mistaken.
    const state = step.memory.state;
    const lampsOnline = tower.reader.inputs.every((input) => counters.get(input)?.online);
    if (step.settledUntil !== undefined && state !== undefined && lampsOnline)
      feedMachine(tower.machine, { ts: step.settledUntil - 1, state });
  };

  const onEvent = (event: SourceEvent) => {
    const c = counterOf(event.sourceId);
    switch (event.kind) {
      case 'rejected': {
        c.lines++;
        c.rejected[event.reason] = (c.rejected[event.reason] ?? 0) + 1;
        // A noisy cable can spoil hundreds of lines a second: log each reason at most once a second, counters say the rest.
        const key = `${event.sourceId}/${event.reason}`;
        if ((lastRejectLog.get(key) ?? 0) + 1000 <= event.ts) {
          lastRejectLog.set(key, event.ts);
          log.warn(
            { node: event.sourceId, reason: event.reason, detail: event.detail, total: c.rejected[event.reason] },
            'serial line rejected',
          );
        }
        return;
      }
      case 'lost':
        c.lost += event.lines;
        return;
      case 'duplicate':
        c.duplicates++;
        return;
      case 'online':
        if (event.onBroker) {
          // The node said so itself on its status topic (its hello, or its last will): nothing to publish again.
          noteOnline(c, event.online, event.ts, event.detail);
          log.info({ node: event.sourceId, online: event.online, detail: event.detail }, 'network node status');
        } else if (!event.online) setNodeOnline(event.sourceId, false, event.ts, event.detail ? { reason: event.detail } : {});
        return;
      case 'digital': {
        c.readings++;
        c.lastFrameAt = event.ts;
        setNodeOnline(event.sourceId, true, event.ts);
        if (partCounters.isCounterInput(event.sourceId)) {
          partCounters.level(event.sourceId, event.ts, event.value);
          return;
        }
        publisher.publish('gpioInput', topics.gpioInput(kit, event.sourceId), { ts: event.ts, value: event.value });
        levels.set(event.sourceId, event.value);
        feedMachine(machineByInput.get(event.sourceId), { ts: event.ts, on: event.value === 1 });
        const tower = towerByInput.get(event.sourceId);
        if (tower) feedTower(tower, tower.reader.sample(event.sourceId, event.ts, event.value === 1));
        return;
      }
      case 'power': {
        const { channel, ...values } = event.reading;
        c.readings += Object.keys(values).length;
        c.lastFrameAt = event.ts;
        setNodeOnline(event.sourceId, true, event.ts);
        publisher.publish('nodePower', topics.nodePower(kit, event.sourceId), { ts: event.ts, seq: event.seq, channel, ...values });
        if (values.watts !== undefined)
          feedMachine(machineByPower.get(`${event.sourceId}/${channel}`), { ts: event.ts, watts: values.watts });
        return;
      }
      case 'count':
        c.readings++;
        c.lastFrameAt = event.ts;
        setNodeOnline(event.sourceId, true, event.ts);
        if (!partCounters.total(event.sourceId, event.channel, event.ts, event.total, event.modulo, event.lastPartAgeMs)) c.undeclared++;
        return;
      case 'frame':
        break;
    }
    const { frame, ts, sourceId: node } = event;
    // What a network node published is on the broker already; what it measured while its Wi-Fi was down comes late, so
    // silence is judged by when readings arrive, not by when they were measured.
    const relay = !event.onBroker;
    const arrivedAt = relay ? ts : now();
    c.lines++;
    c.frames++;
    c.lastFrameAt = arrivedAt;
    if (frame.type === 'hello') {
      c.hello = { nodeId: frame.nodeId, firmware: frame.firmware, channels: frame.channels.map((ch) => ch.id) };
      setNodeOnline(node, true, ts, { firmware: frame.firmware, channels: frame.channels });
      return;
    }
    setNodeOnline(node, true, arrivedAt);
    switch (frame.type) {
      case 'current': {
        c.readings += Object.keys(frame.amps).length;
        const amps = Object.fromEntries(Object.entries(frame.amps).filter(([channel]) => declared(node, channel)));
        c.undeclared += Object.keys(frame.amps).length - Object.keys(amps).length;
        if (relay && Object.keys(amps).length > 0)
          publisher.publish('nodeCurrent', topics.nodeCurrent(kit, node), { ts, seq: frame.seq, amps });
        for (const [channel, amps] of Object.entries(frame.amps)) feedMachine(machineByChannel.get(`${node}/${channel}`), { ts, amps });
        return;
      }
      case 'climate': {
        c.readings++;
        const { channel, temperatureC, humidityPct } = frame;
        if (!declared(node, channel)) {
          c.undeclared++;
          return;
        }
        if (relay)
          publisher.publish('nodeClimate', topics.nodeClimate(kit, node), { ts, seq: frame.seq, channel, temperatureC, humidityPct });
        const zone = zoneByChannel.get(`${node}/${channel}`);
        if (zone) {
          publisher.publish('zoneEnvironment', topics.zoneEnvironment(kit, zone.id), {
            ts,
            temperatureC,
            humidityPct,
            ...assessHeat(temperatureC, humidityPct),
          });
        }
        return;
      }
      case 'sensorError':
        c.sensorErrors++;
        log.warn({ node, channel: frame.channel, code: frame.code }, 'sensor node reports a sensor error');
        if (relay && declared(node, frame.channel)) {
          publisher.publish('nodeError', topics.nodeError(kit, node), { ts, seq: frame.seq, channel: frame.channel, code: frame.code });
        }
        return;
      case 'count':
        c.readings++;
        // A counter channel no machine counts with is not the kit's to take in, like an undeclared CT channel.
        if (!partCounters.total(node, frame.channel, ts, frame.total, COUNT_MODULO, frame.lastPartAgeMs)) c.undeclared++;
        return;
      case 'heartbeat':
        return;
    }
  };

  const context = (id: string): SourceContext => ({ emit: onEvent, now, log: log.child({ source: id }) });
  const sources: Source[] = [];
  for (const node of config.sources.serial) {
    sources.push(options.createSource?.('serial', node.id, context(node.id)) ?? createSerialNode(node, context(node.id)));
  }
  for (const input of config.sources.gpio) {
    sources.push(options.createSource?.('gpio', input.id, context(input.id)) ?? createGpioInput(input, context(input.id)));
  }
  const buses: ModbusBusSource[] = config.sources.modbus.map((bus) => createModbusBus(bus, context(bus.id)));
  sources.push(...buses);
  const networkNodes = new Map(config.sources.network.map((node) => [node.id, createNetworkNode(node, context(node.id))]));
  sources.push(...networkNodes.values());

  /** The machine's readings come from a network node that delivered lately: buffered ones may still be on their way. */
  const stillArriving = (track: MachineTrack, t: number) => {
    if (!('node' in track.config.source) || !networkNodes.has(track.config.source.node)) return false;
    const arrivedAt = counters.get(track.config.source.node)?.lastFrameAt;
    return arrivedAt !== undefined && t - arrivedAt < track.settings.silentAfterMs;
  };

  const tick = () => {
    const t = now();
    // GPIO inputs report changes only: while an input is open, its level still holds now.
    for (const [input, track] of machineByInput) {
      const level = levels.get(input);
      if (level !== undefined && counters.get(input)?.online) feedMachine(track, { ts: t - 1, on: level === 1 });
    }
    for (const tower of towers) feedTower(tower, tower.reader.tick(t));
    partCounters.tick(t, publisher.snapshot().connected);
    for (const track of machines) {
      if (stillArriving(track, t)) continue;
      const { memory, changes } = checkSilence(track.settings, track.memory, t);
      track.memory = memory;
      publishChanges(track, changes);
    }
    for (const [node, limit] of silentAfterMs) {
      const c = counterOf(node);
      if (c.online && c.lastFrameAt !== undefined && t - c.lastFrameAt >= limit) setNodeOnline(node, false, t, { reason: 'silent' });
    }
  };

  const health = () => ({
    ts: now(),
    nodes: Object.fromEntries(counters),
    machines: Object.fromEntries(machines.map((m) => [m.config.id, { state: m.memory.state, since: m.memory.since ?? null }])),
    towers: Object.fromEntries(towers.map((t) => [t.reader.id, t.reader.snapshot()])),
    publisher: publisher.snapshot(),
    modbus: Object.fromEntries(buses.map((bus) => [bus.id, bus.stats()])),
    counters: partCounters.stats(),
  });

  let timers: NodeJS.Timeout[] = [];
  return {
    health,
    /** New current thresholds from a calibration, taken from the next sample on: no restart, the state so far kept. */
    setThresholds(machineId: string, thresholds: NonNullable<MachineConfig['thresholds']>): boolean {
      const track = machines.find((m) => m.config.id === machineId);
      if (!track || 'gpio' in track.config.source) return false;
      track.config = { ...track.config, thresholds };
      track.settings = settingsOf(track.config);
      log.info({ machine: machineId, ...thresholds }, 'machine thresholds changed');
      return true;
    },
    async start(): Promise<void> {
      await publisher.connected();
      if (networkNodes.size > 0) {
        // Nodes on the network publish to the broker themselves; the edge derives states from it as from a serial line.
        publisher.subscribe(
          [...networkNodes.keys()].map((id) => `${TOPIC_ROOT}/${kit}/node/${id}/+`),
          (topic, payload, retained) => {
            const parsed = parseTopic(topic);
            if (parsed?.id !== undefined) networkNodes.get(parsed.id)?.receive(parsed.kind, payload, retained);
          },
        );
      }
      // Counting starts with the sources, so the first message (total 0) marks when the kit began to see parts.
      partCounters.start(now());
      // One source failing to start (GPIO on a laptop, say) is reported; the others keep running.
      await Promise.all(
        sources.map(async (source) => {
          try {
            await source.start();
          } catch (error) {
            counterOf(source.id).startError = (error as Error).message;
            log.error({ source: source.id, err: (error as Error).message }, 'source failed to start');
          }
        }),
      );
      const publishHealth = () => publisher.publish('edgeHealth', topics.edgeHealth(kit), health());
      // At once too: the gateway counts the kit as recording (its data coverage) from the first health message.
      publishHealth();
      timers = [setInterval(tick, SILENCE_CHECK_MS), setInterval(publishHealth, HEALTH_EVERY_MS)];
    },
    async stop(): Promise<void> {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(
        sources.map((s) => s.stop().catch((error) => log.warn({ source: s.id, err: error.message }, 'source stop failed'))),
      );
      partCounters.stop(now());
      await publisher.close();
    },
  };
}

export type Edge = ReturnType<typeof createEdge>;

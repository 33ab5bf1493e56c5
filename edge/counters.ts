/** The edge's part counters: which input counts for which machine, fed pulses and device totals, published as count messages. */
import type { KitConfig } from '../config/schema.js';
import type { Payload } from './mqtt/topics.js';
import { COUNT_MODULO } from './protocol/frame.js';
import {
  type CounterObservation,
  type CountMessage,
  DEFAULT_COUNTER_TIMING,
  initialCounterMemory,
  type PartCounterMemory,
  type PartCounterSettings,
  stepPartCounter,
} from './stages/partCounter.js';

interface CounterTrack {
  machine: string;
  settings: PartCounterSettings;
  memory: PartCounterMemory;
  /** A GPIO input's last debounced level: a pulse is its rise from 0 to 1. */
  level?: 0 | 1;
  pulses: number;
}

export interface CounterStats {
  machine: string;
  total: number;
  epoch: number | null;
  pulses: number;
  /** A device counter's last raw total (null before its first reading: until then nothing it counts is taken in). */
  deviceTotal: number | null;
  deviceResets: number;
}

export function createCounters(config: KitConfig, publish: (machine: string, payload: Payload<'machineCount'>) => void) {
  const byInput = new Map<string, CounterTrack>();
  const byChannel = new Map<string, CounterTrack>();
  const tracks: CounterTrack[] = [];
  for (const entry of config.production.machines) {
    const counter = entry.counter;
    if (!counter) continue;
    const track: CounterTrack = {
      machine: entry.machine,
      settings: { partsPerPulse: counter.partsPerPulse, maxCycleMs: counter.maxCycleSeconds * 1000, ...DEFAULT_COUNTER_TIMING },
      memory: initialCounterMemory(),
      pulses: 0,
    };
    if ('gpio' in counter.source) byInput.set(counter.source.gpio, track);
    else byChannel.set(`${counter.source.node}/${counter.source.channel}`, track);
    tracks.push(track);
  }

  const feed = (track: CounterTrack, observation: CounterObservation) => {
    const { memory, messages } = stepPartCounter(track.settings, track.memory, observation);
    track.memory = memory;
    for (const message of messages) publish(track.machine, toPayload(message));
  };

  return {
    /** Whether a GPIO input counts parts (its levels are then not published one by one). */
    isCounterInput: (input: string) => byInput.has(input),
    /** A GPIO counter input's debounced level; the rise to 1 is one pulse. */
    level(input: string, ts: number, value: 0 | 1): void {
      const track = byInput.get(input);
      if (!track) return;
      // The level read when the pin opens is a baseline, not a pulse.
      if (track.level === 0 && value === 1) {
        track.pulses++;
        feed(track, { kind: 'pulse', ts });
      }
      track.level = value;
    },
    /** A device's running total on one of its channels (a node's P line, a Modbus counter register); false: no machine counts with it. */
    total(node: string, channel: string, ts: number, total: number, modulo = COUNT_MODULO, lastPartAgeMs?: number): boolean {
      const track = byChannel.get(`${node}/${channel}`);
      if (track) feed(track, { kind: 'total', ts, total, modulo, ...(lastPartAgeMs !== undefined ? { lastPartAgeMs } : {}) });
      return track !== undefined;
    },
    start(ts: number): void {
      for (const track of tracks) feed(track, { kind: 'start', ts });
    },
    tick(ts: number, linkUp: boolean): void {
      for (const track of tracks) feed(track, { kind: 'tick', ts, linkUp });
    },
    stop(ts: number): void {
      for (const track of tracks) feed(track, { kind: 'stop', ts });
    },
    stats: (): CounterStats[] =>
      tracks.map((t) => ({
        machine: t.machine,
        total: t.memory.total,
        epoch: t.memory.epoch ?? null,
        pulses: t.pulses,
        deviceTotal: t.memory.deviceTotal ?? null,
        deviceResets: t.memory.deviceResets,
      })),
  };
}

function toPayload(message: CountMessage): Payload<'machineCount'> {
  const { ts, epoch, seq, total, parts, cycleMs, cycles } = message;
  return { ts, epoch, seq, total, parts, ...(cycleMs !== undefined && cycles !== undefined ? { cycleMs, cycles } : {}) };
}

export type Counters = ReturnType<typeof createCounters>;

/** The kit's live state for dashboards: current machine states, climate and node status, and a numbered event stream. */
import type { KitConfig } from '../../config/schema.js';
import { sensorNodes } from '../../config/sensorNodes.js';
import { decodePayload, parseTopic } from '../../edge/mqtt/topics.js';
import type { AlarmBody, LiveEventBody, LiveSnapshotBody, MachineLiveBody, NodeLiveBody, ZoneLiveBody } from '../http/schemas.js';

export interface LiveEvent {
  id: number;
  body: LiveEventBody;
}

export interface LiveModelOptions {
  now?: () => number;
  /** Events kept for clients that reconnect with Last-Event-ID. */
  bufferSize?: number;
  /** Readings alone (no change of state) are sent at most this often per machine or zone: a tablet needs no 5000 updates a second. */
  readingEveryMs?: number;
}

export function createLiveModel(config: KitConfig, options: LiveModelOptions = {}) {
  const now = options.now ?? Date.now;
  const bufferSize = options.bufferSize ?? 2000;
  const readingEveryMs = options.readingEveryMs ?? 500;
  const kit = config.kit.id;

  const machines = new Map<string, MachineLiveBody>(
    config.machines.map((m) => [
      m.id,
      { id: m.id, state: 'UNKNOWN', since: null, amps: null, watts: null, lastReadingAt: null, utilizationToday: null },
    ]),
  );
  const zones = new Map<string, ZoneLiveBody>(
    config.zones.map((z) => [
      z.id,
      { id: z.id, temperatureC: null, humidityPct: null, wbgtC: null, level: null, legalThreshold: false, lastReadingAt: null },
    ]),
  );
  const nodes = new Map<string, NodeLiveBody>(sensorNodes(config).map((n) => [n.id, { id: n.id, online: false, since: null }]));
  const machineOfChannel = new Map(
    config.machines.flatMap((m) => ('node' in m.source ? [[`${m.source.node}/${m.source.channel}`, m.id]] : [])),
  );
  const machineOfInput = new Map(config.machines.flatMap((m) => ('gpio' in m.source ? [[m.source.gpio, m.id]] : [])));
  let kitOnline = false;
  const alarms = new Map<string, AlarmBody>();

  const buffer: LiveEvent[] = [];
  let lastId = 0;
  const listeners = new Set<(event: LiveEvent) => void>();
  const lastSent = new Map<string, number>();

  const emit = (body: LiveEventBody, throttleKey?: string) => {
    if (throttleKey) {
      const t = now();
      if ((lastSent.get(throttleKey) ?? 0) + readingEveryMs > t) return;
      lastSent.set(throttleKey, t);
    }
    const event = { id: ++lastId, body };
    buffer.push(event);
    if (buffer.length > bufferSize) buffer.shift();
    for (const listener of listeners) listener(event);
  };

  const updateMachine = (id: string | undefined, patch: Partial<MachineLiveBody>, stateChanged: boolean) => {
    const machine = id ? machines.get(id) : undefined;
    if (!machine) return;
    Object.assign(machine, patch);
    emit({ type: 'machine', machine: { ...machine } }, stateChanged ? undefined : `machine/${machine.id}`);
  };

  return {
    /** Every message the broker routes; the payloads were validated there, and are checked again here for safety. */
    handle(topic: string, payload: Buffer): void {
      const parsed = parseTopic(topic);
      if (!parsed || parsed.kit !== kit) return;
      switch (parsed.kind) {
        case 'machineState': {
          const d = decodePayload('machineState', payload);
          if (!d.ok) return;
          const patch: Partial<MachineLiveBody> = { state: d.payload.state, since: d.payload.ts };
          if (d.payload.amps !== undefined) patch.amps = d.payload.amps;
          if (d.payload.watts !== undefined) patch.watts = d.payload.watts;
          updateMachine(parsed.id, patch, true);
          return;
        }
        case 'nodePower': {
          const d = decodePayload('nodePower', payload);
          if (!d.ok || d.payload.watts === undefined) return;
          const machine = machineOfChannel.get(`${parsed.id}/${d.payload.channel}`);
          updateMachine(machine, { watts: d.payload.watts, lastReadingAt: d.payload.ts }, false);
          return;
        }
        case 'nodeCurrent': {
          const d = decodePayload('nodeCurrent', payload);
          if (!d.ok) return;
          for (const [channel, amps] of Object.entries(d.payload.amps)) {
            updateMachine(machineOfChannel.get(`${parsed.id}/${channel}`), { amps, lastReadingAt: d.payload.ts }, false);
          }
          return;
        }
        case 'gpioInput': {
          const d = decodePayload('gpioInput', payload);
          if (d.ok) updateMachine(machineOfInput.get(parsed.id ?? ''), { lastReadingAt: d.payload.ts }, false);
          return;
        }
        case 'zoneEnvironment': {
          const d = decodePayload('zoneEnvironment', payload);
          const zone = zones.get(parsed.id ?? '');
          if (!d.ok || !zone) return;
          const { ts, temperatureC, humidityPct, wbgtC, level, legalThreshold } = d.payload;
          const levelChanged = zone.level !== level || zone.legalThreshold !== legalThreshold;
          Object.assign(zone, { temperatureC, humidityPct, wbgtC, level, legalThreshold, lastReadingAt: ts });
          emit({ type: 'zone', zone: { ...zone } }, levelChanged ? undefined : `zone/${zone.id}`);
          return;
        }
        case 'nodeStatus': {
          const d = decodePayload('nodeStatus', payload);
          const node = nodes.get(parsed.id ?? '');
          if (!d.ok || !node || node.online === d.payload.online) return;
          Object.assign(node, { online: d.payload.online, since: d.payload.ts });
          emit({ type: 'node', node: { ...node } });
          return;
        }
        case 'kitStatus': {
          const d = decodePayload('kitStatus', payload);
          if (!d.ok || d.payload.online === kitOnline) return;
          kitOnline = d.payload.online;
          emit({ type: 'kit', online: kitOnline });
          return;
        }
        default:
          return;
      }
    },

    /** An alarm raised, acknowledged or cleared: pushed to every dashboard at once. */
    setAlarm(alarm: AlarmBody): void {
      if (alarm.state === 'cleared') alarms.delete(alarm.id);
      else alarms.set(alarm.id, { ...alarm });
      emit({ type: 'alarm', alarm: { ...alarm } });
    },

    /** Today's 稼働率 per machine, refreshed by the kit from the history store. */
    setUtilizationToday(machineId: string, value: number | null): void {
      const machine = machines.get(machineId);
      if (machine && machine.utilizationToday !== value) updateMachine(machineId, { utilizationToday: value }, true);
    },

    snapshot(): LiveSnapshotBody {
      return {
        ts: now(),
        eventId: lastId,
        kitOnline,
        machines: [...machines.values()].map((m) => ({ ...m })),
        zones: [...zones.values()].map((z) => ({ ...z })),
        nodes: [...nodes.values()].map((n) => ({ ...n })),
        alarms: [...alarms.values()].filter((a) => a.state !== 'cleared').map((a) => ({ ...a })),
      };
    },

    /** Events after `id`, or undefined when some were already dropped from the buffer (the client must resync). */
    eventsSince(id: number): LiveEvent[] | undefined {
      // An id beyond ours comes from before a gateway restart (ids start again at 1): the client's picture is stale.
      if (id > lastId) return undefined;
      if (id === lastId) return [];
      const oldest = buffer[0]?.id ?? lastId + 1;
      if (id < oldest - 1) return undefined;
      return buffer.filter((e) => e.id > id);
    },

    get lastEventId(): number {
      return lastId;
    },

    subscribe(listener: (event: LiveEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    get subscribers(): number {
      return listeners.size;
    },
  };
}

export type LiveModel = ReturnType<typeof createLiveModel>;

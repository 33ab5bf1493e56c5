/** Turns the kit's MQTT messages into InfluxDB points (docs/storage.md) and hands them to the point buffer. */
import type { Logger } from 'pino';
import type { KitConfig } from '../config/schema.js';
import { decodePayload, parseTopic } from '../edge/mqtt/topics.js';
import { assessHeat } from '../edge/stages/wbgt.js';
import type { StoredPoint } from './storage/point.js';
import { pointTime } from './storage/pointTime.js';
import { COVERAGE_STEP_MS } from './utilization/coverage.js';

const STATE_CODES = { OFF: 0, IDLE: 1, RUN: 2, FAULT: 3, UNKNOWN: -1 } as const;

export interface IngestStats {
  messages: number;
  readings: number;
  points: number;
  rejected: number;
  /** Messages of the kit's tree that are not stored (retained statuses, health). */
  notStored: number;
  lastReadingAt?: number;
}

export function createIngest(config: KitConfig, store: (points: StoredPoint[]) => void, log: Logger) {
  const kit = config.kit.id;
  const machineOf = new Map(config.machines.flatMap((m) => ('node' in m.source ? [[`${m.source.node}/${m.source.channel}`, m.id]] : [])));
  const machineOfInput = new Map(config.machines.flatMap((m) => ('gpio' in m.source ? [[m.source.gpio, m.id]] : [])));
  // A signal tower's lamp inputs carry the tower's machine and the lamp's colour.
  const lampOfInput = new Map<string, { machine?: string; lamp: string }>();
  for (const tower of config.sources.towers) {
    const machine = config.machines.find((m) => 'tower' in m.source && m.source.tower === tower.id)?.id;
    for (const [lamp, input] of Object.entries(tower.lamps)) if (input) lampOfInput.set(input, { ...(machine ? { machine } : {}), lamp });
  }
  const zoneOf = new Map(config.zones.map((z) => [`${z.source.node}/${z.source.channel}`, z.id]));
  const stats: IngestStats = { messages: 0, readings: 0, points: 0, rejected: 0, notStored: 0 };
  let lastCoverageMinute = Number.NEGATIVE_INFINITY;

  const withMapping = (tags: Record<string, string>, key: string, map: Map<string, string>, name: string) => {
    const id = map.get(key);
    return id ? { ...tags, [name]: id } : tags;
  };

  function toPoints(topic: string, payload: Buffer): StoredPoint[] | undefined {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.kit !== kit) return undefined;
    const node = parsed.id ?? '';
    switch (parsed.kind) {
      case 'nodeCurrent': {
        const d = decodePayload('nodeCurrent', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, seq, amps } = d.payload;
        const time = pointTime(ts, seq);
        stats.readings += Object.keys(amps).length;
        stats.lastReadingAt = ts;
        return Object.entries(amps).map(([channel, value]) => ({
          measurement: 'current',
          tags: withMapping({ kit, node, channel }, `${node}/${channel}`, machineOf, 'machine'),
          fields: { amps: value },
          timeNs: time,
        }));
      }
      case 'nodeClimate': {
        const d = decodePayload('nodeClimate', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, seq, channel, temperatureC, humidityPct } = d.payload;
        stats.readings++;
        stats.lastReadingAt = ts;
        const heat = assessHeat(temperatureC, humidityPct);
        return [
          {
            measurement: 'climate',
            tags: withMapping({ kit, node, channel }, `${node}/${channel}`, zoneOf, 'zone'),
            fields: { temperature_c: temperatureC, humidity_pct: humidityPct, wbgt_c: heat.wbgtC },
            timeNs: pointTime(ts, seq),
          },
        ];
      }
      case 'nodePower': {
        const d = decodePayload('nodePower', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, seq, channel, volts, watts, kwh, powerFactor, hz } = d.payload;
        const fields: StoredPoint['fields'] = {};
        if (volts !== undefined) fields.volts = volts;
        if (watts !== undefined) fields.watts = watts;
        if (kwh !== undefined) fields.kwh = kwh;
        if (powerFactor !== undefined) fields.power_factor = powerFactor;
        if (hz !== undefined) fields.hz = hz;
        stats.readings += Object.keys(fields).length;
        stats.lastReadingAt = ts;
        const tags = withMapping({ kit, node, channel }, `${node}/${channel}`, machineOf, 'machine');
        return [{ measurement: 'power', tags, fields, timeNs: pointTime(ts, seq) }];
      }
      case 'machineState': {
        const d = decodePayload('machineState', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, state, previous, amps, watts } = d.payload;
        const fields: StoredPoint['fields'] = { state, code: STATE_CODES[state], previous };
        if (amps !== undefined) fields.amps = amps;
        if (watts !== undefined) fields.watts = watts;
        return [{ measurement: 'machine_state', tags: { kit, machine: node }, fields, timeNs: pointTime(ts) }];
      }
      case 'gpioInput': {
        const d = decodePayload('gpioInput', payload);
        if (!d.ok) return reject(topic, d.reason);
        stats.readings++;
        const tags = { ...withMapping({ kit, input: node }, node, machineOfInput, 'machine'), ...lampOfInput.get(node) };
        return [{ measurement: 'digital_input', tags, fields: { value: d.payload.value }, timeNs: pointTime(d.payload.ts) }];
      }
      case 'nodeError': {
        const d = decodePayload('nodeError', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, seq, channel, code } = d.payload;
        return [{ measurement: 'sensor_error', tags: { kit, node, channel }, fields: { code }, timeNs: pointTime(ts, seq) }];
      }
      case 'edgeHealth': {
        // The edge's health every 10 s says "the kit is recording": one point per minute is the coverage that tells
        // "no data" (kit off) from UNKNOWN (kit on, sensor silent). The same minute twice is one point anyway.
        const d = decodePayload('edgeHealth', payload);
        if (!d.ok) return reject(topic, d.reason);
        const minute = Math.floor(d.payload.ts / COVERAGE_STEP_MS) * COVERAGE_STEP_MS;
        if (minute === lastCoverageMinute) return [];
        lastCoverageMinute = minute;
        return [{ measurement: 'coverage', tags: { kit }, fields: { alive: true }, timeNs: pointTime(minute) }];
      }
      case 'nodeStatus': {
        const d = decodePayload('nodeStatus', payload);
        if (!d.ok) return reject(topic, d.reason);
        return [{ measurement: 'node_status', tags: { kit, node }, fields: { online: d.payload.online }, timeNs: pointTime(d.payload.ts) }];
      }
      case 'machineCount': {
        const d = decodePayload('machineCount', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, epoch, seq, total, parts, cycleMs, cycles } = d.payload;
        stats.readings++;
        const fields: StoredPoint['fields'] = { total, parts, seq };
        if (cycleMs !== undefined && cycles !== undefined) Object.assign(fields, { cycle_ms: cycleMs, cycles });
        // The epoch is a tag: each run of the edge's counter is its own series, so totals of two runs never mix.
        return [{ measurement: 'part_count', tags: { kit, machine: node, epoch: String(epoch) }, fields, timeNs: pointTime(ts, seq) }];
      }
      case 'inspectionResult': {
        // A station outside the kit (its own PC, through an edge account): stored as the kit's own stations store theirs, so a
        // machine's rejects (docs/production.md) and Grafana read one shape. The kit's own stations publish from inside the gateway.
        const d = decodePayload('inspectionResult', payload);
        if (!d.ok) return reject(topic, d.reason);
        const { ts, trial, verdict, score, threshold, templateScore } = d.payload;
        const fields = { score, threshold, template_score: templateScore, ng: verdict === 'NG' ? 1 : 0 };
        return [{ measurement: 'inspection', tags: { kit, station: node, trial, verdict }, fields, timeNs: pointTime(ts, 0) }];
      }
      default:
        stats.notStored++;
        return undefined;
    }
  }

  function reject(topic: string, reason: string): undefined {
    stats.rejected++;
    log.warn({ topic, reason }, 'payload not stored');
    return undefined;
  }

  return {
    stats: () => ({ ...stats }),
    /** Called for every message the broker routes. */
    handle(topic: string, payload: Buffer): void {
      stats.messages++;
      const points = toPoints(topic, payload);
      if (points && points.length > 0) {
        stats.points += points.length;
        store(points);
      }
    },
  };
}

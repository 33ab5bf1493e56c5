/** What the alarm engine hears in the kit's MQTT messages: climate, currents, meter watts, states, and that a node spoke. */
import type { KitConfig } from '../../config/schema.js';
import { sensorNodes } from '../../config/sensorNodes.js';
import { decodePayload, parseTopic } from '../../edge/mqtt/topics.js';
import type { AlarmInput } from './evaluate.js';

/** A message → the alarm inputs it carries (none for most), for this kit's machines, zones and nodes. */
export function alarmInputs(config: KitConfig): (topic: string, payload: Buffer) => AlarmInput[] {
  const kit = config.kit.id;
  const machineOf = new Map(config.machines.flatMap((m) => ('node' in m.source ? [[`${m.source.node}/${m.source.channel}`, m.id]] : [])));
  const zones = new Set(config.zones.map((z) => z.id));
  const zoneOf = new Map(config.zones.map((z) => [`${z.source.node}/${z.source.channel}`, z.id]));
  const nodes = new Set(sensorNodes(config).map((n) => n.id));
  return function inputsOf(topic: string, payload: Buffer): AlarmInput[] {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.kit !== kit || parsed.id === undefined) return [];
    const id = parsed.id;
    switch (parsed.kind) {
      case 'zoneEnvironment': {
        if (!zones.has(id)) return [];
        const d = decodePayload('zoneEnvironment', payload);
        if (!d.ok) return [];
        const { temperatureC, humidityPct, wbgtC } = d.payload;
        return [{ kind: 'climate', zone: id, temperatureC, humidityPct, wbgtC }];
      }
      case 'machineState': {
        const d = decodePayload('machineState', payload);
        return d.ok ? [{ kind: 'state', machine: id, state: d.payload.state, since: d.payload.ts }] : [];
      }
      case 'nodeCurrent': {
        const d = decodePayload('nodeCurrent', payload);
        if (!d.ok) return [];
        const inputs: AlarmInput[] = [{ kind: 'seen', node: id }];
        for (const [channel, amps] of Object.entries(d.payload.amps)) {
          const machine = machineOf.get(`${id}/${channel}`);
          if (machine) inputs.push({ kind: 'current', machine, amps });
        }
        return inputs;
      }
      case 'nodePower': {
        if (!nodes.has(id)) return [];
        const d = decodePayload('nodePower', payload);
        const machine = d.ok ? machineOf.get(`${id}/${d.payload.channel}`) : undefined;
        const inputs: AlarmInput[] = [{ kind: 'seen', node: id }];
        if (d.ok && machine && d.payload.watts !== undefined) inputs.push({ kind: 'power', machine, watts: d.payload.watts });
        return inputs;
      }
      case 'nodeClimate':
        return nodes.has(id) ? [{ kind: 'seen', node: id }] : [];
      case 'nodeError': {
        if (!nodes.has(id)) return [];
        const d = decodePayload('nodeError', payload);
        const key = d.ok ? `${id}/${d.payload.channel}` : '';
        const target = zoneOf.get(key) ?? machineOf.get(key);
        const inputs: AlarmInput[] = [{ kind: 'seen', node: id }];
        if (d.ok && target) inputs.push({ kind: 'sensorError', target, code: d.payload.code });
        return inputs;
      }
      case 'nodeStatus': {
        // The edge itself publishes "offline" when a node falls silent: that is not the node speaking.
        const d = decodePayload('nodeStatus', payload);
        return d.ok && d.payload.online && nodes.has(id) ? [{ kind: 'seen', node: id }] : [];
      }
      default:
        return [];
    }
  };
}

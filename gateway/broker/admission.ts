/** What the broker lets through to subscribers and storage: size per kind, a valid payload, ids the kit file declares, a plausible time. Pure. */
import { modbusChannels } from '../../config/modbusMaps.js';
import type { KitConfig } from '../../config/schema.js';
import { sensorNodes } from '../../config/sensorNodes.js';
import { decodePayload, MAX_PAYLOAD_BYTES, type ParsedTopic, type PayloadKind } from '../../edge/mqtt/topics.js';

export type RejectRule = 'malformed' | 'tooLarge' | 'undeclared' | 'implausibleTime';

export interface Rejection {
  rule: RejectRule;
  reason: string;
}

/**
 * `deliver` is the payload to pass on (rewritten when some channels of a message were refused, or a will was
 * stamped), or undefined when the whole message is refused; `rejections` says what was refused and why.
 */
export interface Admission {
  deliver?: Buffer;
  rejections: Rejection[];
}

/** The ids the kit file declares; lookups are Sets, so a name such as `__proto__` is just a name that is not there. */
export interface Declared {
  nodes: ReadonlySet<string>;
  /** `node/channel` of every machine and zone source. */
  channels: ReadonlySet<string>;
  machines: ReadonlySet<string>;
  zones: ReadonlySet<string>;
  inputs: ReadonlySet<string>;
  /** Inspection stations: the kit's own (inspection.stations) and those whose verdicts are a machine's rejects. */
  stations: ReadonlySet<string>;
}

export function declaredBy(config: KitConfig): Declared {
  const channelRefs = [...config.machines.map((m) => m.source), ...config.zones.map((z) => z.source)].flatMap((s) =>
    'node' in s ? [s] : [],
  );
  return {
    nodes: new Set([
      ...sensorNodes(config).map((s) => s.id),
      ...channelRefs.map((s) => s.node),
      ...config.broker.accounts.flatMap((a) => (a.node ? [a.node] : [])),
    ]),
    channels: new Set([...channelRefs.map((s) => `${s.node}/${s.channel}`), ...modbusChannels(config)]),
    machines: new Set(config.machines.map((m) => m.id)),
    zones: new Set(config.zones.map((z) => z.id)),
    inputs: new Set(config.sources.gpio.map((g) => g.id)),
    stations: new Set([
      ...config.inspection.stations.map((s) => s.id),
      ...config.production.machines.flatMap((m) => (m.inspectionStation ? [m.inspectionStation] : [])),
    ]),
  };
}

/** A reading may come from a device with a slow clock, but not from the future. */
export const MAX_AHEAD_MS = 5 * 60_000;
/** A clock before this has never been set (a node counting from power-on, a Pi that booted at 1970). */
export const CLOCK_FLOOR_MS = Date.UTC(2020, 0, 1);
/** Points this close to the retention limit could age past it while they wait in the spool. */
const RETENTION_MARGIN_MS = 3_600_000;

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30d`, `720h`, `52w` → ms; `INF` → undefined. */
export function retentionMs(duration: string): number | undefined {
  const match = /^(\d+)([hdw])$/.exec(duration);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** Kinds stored in the `events` policy (docs/storage.md); every other kind is held to the `raw` one. */
const EVENT_KINDS: ReadonlySet<PayloadKind> = new Set(['machineState', 'gpioInput', 'nodeError', 'nodeStatus', 'machineCount']);

export interface TimeWindow {
  oldest: number;
  newest: number;
}

/** The plausible window for a payload's `ts` against the kit's clock `now`: not older than its retention, not ahead by more than 5 min. */
export function timeWindow(kind: PayloadKind, now: number, retention: KitConfig['storage']['retention']): TimeWindow {
  const kept = retentionMs(EVENT_KINDS.has(kind) ? retention.events : retention.raw);
  const oldest = kept === undefined ? CLOCK_FLOOR_MS : Math.max(CLOCK_FLOOR_MS, now - kept + RETENTION_MARGIN_MS);
  return { oldest, newest: now + MAX_AHEAD_MS };
}

export interface AdmissionContext {
  declared: Declared;
  retention: KitConfig['storage']['retention'];
  /** The kit's clock. */
  now: number;
  /** A last will, fired now: composed when its client connected, so its `ts` is stamped with the time it fires. */
  will?: boolean;
}

const MAX_LISTED = 5;

/** Which declared ids a topic's id must be one of. */
function idOwner(kind: PayloadKind, declared: Declared): { what: string; ids: ReadonlySet<string> } | undefined {
  switch (kind) {
    case 'nodeStatus':
    case 'nodeCurrent':
    case 'nodeClimate':
    case 'nodeError':
    case 'nodePower':
    case 'nodeClock':
      return { what: 'node', ids: declared.nodes };
    case 'gpioInput':
      return { what: 'input', ids: declared.inputs };
    case 'machineState':
    case 'machineCount':
      return { what: 'machine', ids: declared.machines };
    case 'inspectionResult':
      return { what: 'inspection station', ids: declared.stations };
    case 'zoneEnvironment':
      return { what: 'zone', ids: declared.zones };
    default:
      return undefined;
  }
}

function describeTime(ts: number, now: number, window: TimeWindow): string {
  const at = new Date(ts).toISOString();
  if (ts > window.newest)
    return `ts ${at} is ${Math.round((ts - now) / 1000)} s ahead of the kit's clock (more than 5 min; is the kit's clock set?)`;
  if (ts < CLOCK_FLOOR_MS) return `ts ${at} is before 2020: the sender's clock is not set`;
  return `ts ${at} is older than the storage retention allows (oldest accepted ${new Date(window.oldest).toISOString()})`;
}

export function admitPublish(topic: ParsedTopic, payload: Buffer, context: AdmissionContext): Admission {
  const refuse = (rule: RejectRule, reason: string): Admission => ({ rejections: [{ rule, reason }] });
  const limit = MAX_PAYLOAD_BYTES[topic.kind];
  if (limit !== undefined && payload.length > limit)
    return refuse('tooLarge', `payload of ${payload.length} bytes (at most ${limit} for ${topic.kind})`);

  const decoded = decodePayload(topic.kind, payload);
  if (!decoded.ok) return refuse('malformed', decoded.reason);
  const value = decoded.payload as Record<string, unknown> & { ts: number };

  const { declared } = context;
  const id = topic.id ?? '';
  const owner = idOwner(topic.kind, declared);
  if (owner && !owner.ids.has(id)) return refuse('undeclared', `${owner.what} "${id}" is not in the kit file`);

  let rewritten = false;
  if (context.will) {
    value.ts = context.now;
    rewritten = true;
  }
  const window = timeWindow(topic.kind, context.now, context.retention);
  if (value.ts < window.oldest || value.ts > window.newest) return refuse('implausibleTime', describeTime(value.ts, context.now, window));

  const rejections: Rejection[] = [];
  if (topic.kind === 'nodeClimate' || topic.kind === 'nodeError' || topic.kind === 'nodePower') {
    const channel = value.channel as string;
    if (!declared.channels.has(`${id}/${channel}`))
      return refuse('undeclared', `channel "${channel}" is not declared for node ${id} in the kit file`);
  }
  if (topic.kind === 'nodeCurrent') {
    // Each channel is one reading: the declared ones go on, the others are refused together.
    const amps = value.amps as Record<string, number>;
    const undeclared = new Set(Object.keys(amps).filter((channel) => !declared.channels.has(`${id}/${channel}`)));
    if (undeclared.size > 0) {
      const names = [...undeclared];
      const listed = names.slice(0, MAX_LISTED).join(', ') + (names.length > MAX_LISTED ? ` (+${names.length - MAX_LISTED} more)` : '');
      const reason = `channels not declared for node ${id} in the kit file: ${listed}`;
      if (undeclared.size === Object.keys(amps).length) return refuse('undeclared', reason);
      rejections.push({ rule: 'undeclared', reason });
      value.amps = Object.fromEntries(Object.entries(amps).filter(([channel]) => !undeclared.has(channel)));
      rewritten = true;
    }
  }
  return { deliver: rewritten ? Buffer.from(JSON.stringify(value)) : payload, rejections };
}

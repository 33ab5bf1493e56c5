/** The MQTT topic tree and payloads of a kit: the one place they are defined (documented in docs/mqtt.md). */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';

export const TOPIC_ROOT = 'minotake/v1';

const Ts = T.Integer({ minimum: 0, description: 'ms since the epoch, UTC' });
const Seq = T.Integer({ minimum: 0, maximum: 65535 });
const State = T.Union([T.Literal('OFF'), T.Literal('IDLE'), T.Literal('RUN'), T.Literal('FAULT'), T.Literal('UNKNOWN')]);
const Level = T.Union([T.Literal('safe'), T.Literal('caution'), T.Literal('warning'), T.Literal('severe'), T.Literal('danger')]);
const Amps = T.Number({ minimum: 0, maximum: 1000 });
/** Active power; negative when a meter sees power flowing back (export). 10 MW is far beyond any machine. */
const Watts = T.Number({ minimum: -10_000_000, maximum: 10_000_000 });
/** A sensor node's channel id, as in the kit file: never `__proto__` or a 5,000-character name. */
const Channel = T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' });

export const Payloads = {
  /** Retained; the edge's last will turns it offline. */
  kitStatus: T.Object({ online: T.Boolean(), ts: Ts, version: T.Optional(T.String()) }),
  /** Retained; online once a sensor node's lines arrive, offline when its port closes or it falls silent. */
  nodeStatus: T.Object({
    online: T.Boolean(),
    ts: Ts,
    firmware: T.Optional(T.String()),
    channels: T.Optional(T.Array(T.Object({ id: T.String(), kind: T.String() }), { maxItems: 64 })),
    reason: T.Optional(T.String()),
  }),
  /** One `I` line: RMS amps per CT channel. */
  nodeCurrent: T.Object({
    ts: Ts,
    seq: Seq,
    amps: T.Record(Channel, Amps, { minProperties: 1, maxProperties: 64, additionalProperties: false }),
  }),
  /** One `C` line from a climate channel. */
  nodeClimate: T.Object({
    ts: Ts,
    seq: Seq,
    channel: Channel,
    temperatureC: T.Number({ minimum: -40, maximum: 125 }),
    humidityPct: T.Number({ minimum: 0, maximum: 100 }),
  }),
  /** One channel of an energy meter (a Modbus meter's phase or total): what it read besides amps, which go to nodeCurrent. */
  nodePower: T.Object(
    {
      ts: Ts,
      seq: Seq,
      channel: Channel,
      volts: T.Optional(T.Number({ minimum: 0, maximum: 100000 })),
      watts: T.Optional(Watts),
      /** The meter's running total of active energy. */
      kwh: T.Optional(T.Number({ minimum: 0, maximum: 1e12 })),
      powerFactor: T.Optional(T.Number({ minimum: -1, maximum: 1 })),
      hz: T.Optional(T.Number({ minimum: 0, maximum: 1000 })),
    },
    { minProperties: 4 },
  ),
  /**
   * The kit's clock for a node on the network, which has no clock of its own it could trust: the gateway publishes it
   * (not retained: a kept clock is a stale clock) when the node subscribes and every 10 s (docs/mqtt.md).
   */
  nodeClock: T.Object({ ts: Ts }),
  /** One `X` line: the node could not read a sensor. */
  nodeError: T.Object({ ts: Ts, seq: Seq, channel: Channel, code: T.String({ maxLength: 64 }) }),
  /** A digital input's level after debounce (1 = active). */
  gpioInput: T.Object({ ts: Ts, value: T.Union([T.Literal(0), T.Literal(1)]) }),
  /** Retained; published on every change of state. */
  machineState: T.Object({
    ts: Ts,
    state: State,
    previous: State,
    previousMs: T.Optional(T.Integer({ minimum: 0 })),
    amps: T.Optional(Amps),
    /** For a machine watched through a meter's power. */
    watts: T.Optional(Watts),
  }),
  /** Retained; the zone's latest climate with the WBGT estimate. */
  zoneEnvironment: T.Object({
    ts: Ts,
    temperatureC: T.Number(),
    humidityPct: T.Number(),
    wbgtC: T.Number(),
    level: Level,
    legalThreshold: T.Boolean(),
  }),
  /** Retained; the edge's counters, every 10 s. */
  edgeHealth: T.Object({ ts: Ts }, { additionalProperties: true }),
  /** Retained; one rule on one target: its open alarm (the HTTP API's Alarm); an empty payload once fully cleared deletes it. */
  alarm: T.Object({
    id: T.String(),
    ruleId: T.String(),
    target: T.Object({ kind: T.Union([T.Literal('zone'), T.Literal('machine'), T.Literal('node')]), id: T.String() }),
    severity: T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]),
    state: T.Union([
      T.Literal('active-unacknowledged'),
      T.Literal('active-acknowledged'),
      T.Literal('cleared-unacknowledged'),
      T.Literal('cleared'),
    ]),
    message: T.Object({ ja: T.String(), en: T.String() }),
    value: T.Union([T.Number(), T.Null()]),
    raisedAt: Ts,
    clearedAt: T.Union([Ts, T.Null()]),
    acknowledgedAt: T.Union([Ts, T.Null()]),
    acknowledgedBy: T.Union([T.String(), T.Null()]),
    comment: T.Union([T.String(), T.Null()]),
  }),
  /** One image judged at an inspection station (published by the gateway): score against threshold, and today's counts. */
  inspectionResult: T.Object({
    ts: Ts,
    station: T.String(),
    trial: T.String(),
    image: T.String(),
    score: T.Number(),
    threshold: T.Number(),
    verdict: T.Union([T.Literal('OK'), T.Literal('NG')]),
    templateScore: T.Number(),
    /** Good and rejected parts judged today (local day), for the production layer's quality rate. */
    goodToday: T.Integer({ minimum: 0 }),
    rejectToday: T.Integer({ minimum: 0 }),
  }),
  /** A machine's parts from the edge: the running total since `epoch` (when counting began), parts since the previous message. */
  machineCount: T.Object({
    ts: Ts,
    epoch: Ts,
    /** +1 per message within the epoch: a gap is a lost message, whose parts the next total still holds. */
    seq: Seq,
    total: T.Integer({ minimum: 0 }),
    parts: T.Integer({ minimum: 0 }),
    /** Mean cycle time per part (ms) over `cycles` measured cycles among these parts. */
    cycleMs: T.Optional(T.Integer({ minimum: 0 })),
    cycles: T.Optional(T.Integer({ minimum: 1 })),
  }),
  /** From the gateway: a stop reason recorded (an operator's tap, a split, a manager's change), with who and when. */
  machineStopReason: T.Object({
    ts: Ts,
    id: T.String(),
    /** The stop it belongs to (when it began) and the part of it the reason covers; `to` null: to the end of the stop. */
    stopFrom: Ts,
    from: Ts,
    to: T.Union([Ts, T.Null()]),
    reason: T.String(),
    reasonName: T.Object({ ja: T.String(), en: T.String() }),
    note: T.Union([T.String(), T.Null()]),
    by: T.String(),
    /** The reason this replaced, when it changed one. */
    previousReason: T.Union([T.String(), T.Null()]),
  }),
  /** Retained, from the gateway: the machine's shift so far (生産管理板) and its stops waiting for a reason. */
  machineProduction: T.Object({
    ts: Ts,
    shift: T.Union([T.Object({ id: T.String(), day: T.String(), from: Ts, to: Ts }), T.Null()]),
    /** Parts planned and counted so far in the shift; null where there is no plan or no counter. */
    plan: T.Union([T.Integer(), T.Null()]),
    actual: T.Union([T.Integer(), T.Null()]),
    /** False when an hour so far had no data: `actual` is then a lower bound. */
    complete: T.Boolean(),
    /** Ahead (+) or behind (−) over the hours the kit saw. */
    gap: T.Union([T.Integer(), T.Null()]),
    stopsWithoutReason: T.Integer({ minimum: 0 }),
  }),
  /** What the broker did with a publish it refused: the original topic, why, and the first 1 KB of the payload. */
  rejectedPublish: T.Object({ ts: Ts, topic: T.String(), clientId: T.String(), reason: T.String(), payload: T.String() }),
} satisfies Record<string, TSchema>;

export type PayloadKind = keyof typeof Payloads;
export type Payload<K extends PayloadKind> = Static<(typeof Payloads)[K]>;

/**
 * The largest payload a client may publish per kind, in bytes: a reading is a few dozen bytes, so 4 KB is
 * ample and a message with thousands of channels is refused before it is parsed. The edge's health report
 * grows with the number of nodes and is bounded by the broker's packet size alone.
 */
export const MAX_PAYLOAD_BYTES: Partial<Record<PayloadKind, number>> = {
  kitStatus: 4096,
  nodeStatus: 4096,
  nodeCurrent: 4096,
  nodeClimate: 4096,
  nodeError: 4096,
  nodePower: 4096,
  nodeClock: 4096,
  gpioInput: 4096,
  machineState: 4096,
  zoneEnvironment: 4096,
  machineCount: 1024,
  inspectionResult: 4096,
};

/** Topic builders; `kit` and the ids are config ids, so they never contain `/`, `+` or `#`. */
export const topics = {
  kitStatus: (kit: string) => `${TOPIC_ROOT}/${kit}/status`,
  edgeHealth: (kit: string) => `${TOPIC_ROOT}/${kit}/edge/health`,
  nodeStatus: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/status`,
  nodeCurrent: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/current`,
  nodeClimate: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/climate`,
  nodeError: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/error`,
  nodePower: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/power`,
  nodeClock: (kit: string, node: string) => `${TOPIC_ROOT}/${kit}/node/${node}/clock`,
  gpioInput: (kit: string, input: string) => `${TOPIC_ROOT}/${kit}/gpio/${input}`,
  machineState: (kit: string, machine: string) => `${TOPIC_ROOT}/${kit}/machine/${machine}/state`,
  zoneEnvironment: (kit: string, zone: string) => `${TOPIC_ROOT}/${kit}/zone/${zone}/environment`,
  rejectedPublish: (kit: string) => `${TOPIC_ROOT}/${kit}/rejected`,
  alarm: (kit: string, rule: string, target: string) => `${TOPIC_ROOT}/${kit}/alarm/${rule}/${target}`,
  machineCount: (kit: string, machine: string) => `${TOPIC_ROOT}/${kit}/machine/${machine}/count`,
  machineStopReason: (kit: string, machine: string) => `${TOPIC_ROOT}/${kit}/machine/${machine}/stop`,
  machineProduction: (kit: string, machine: string) => `${TOPIC_ROOT}/${kit}/machine/${machine}/production`,
  inspectionResult: (kit: string, station: string) => `${TOPIC_ROOT}/${kit}/inspection/${station}/result`,
} satisfies Record<PayloadKind, (...ids: string[]) => string>;

export const RETAINED: ReadonlySet<PayloadKind> = new Set([
  'kitStatus',
  'nodeStatus',
  'machineState',
  'zoneEnvironment',
  'edgeHealth',
  'alarm',
  'machineProduction',
]);

export interface ParsedTopic {
  kind: PayloadKind;
  kit: string;
  /** node, input, machine or zone id, where the topic has one (an alarm's target). */
  id?: string;
  /** An alarm topic's rule id. */
  rule?: string;
}

/** The inverse of `topics`: which payload a topic carries, or undefined for a topic outside the tree. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'minotake' || parts[1] !== 'v1' || !parts[2]) return undefined;
  const kit = parts[2];
  const [a, b, c, ...rest] = parts.slice(3);
  if (rest.length > 0) return undefined;
  if (a === 'status' && b === undefined) return { kind: 'kitStatus', kit };
  if (a === 'edge' && b === 'health' && c === undefined) return { kind: 'edgeHealth', kit };
  if (a === 'rejected' && b === undefined) return { kind: 'rejectedPublish', kit };
  if (a === 'alarm' && b !== undefined && c !== undefined) return { kind: 'alarm', kit, rule: b, id: c };
  if (b === undefined) return undefined;
  if (a === 'node') {
    const kinds = {
      status: 'nodeStatus',
      current: 'nodeCurrent',
      climate: 'nodeClimate',
      error: 'nodeError',
      power: 'nodePower',
      clock: 'nodeClock',
    } as const;
    // Own keys only: `node/x/constructor` must not find Object's constructor.
    return c !== undefined && Object.hasOwn(kinds, c) ? { kind: kinds[c as keyof typeof kinds], kit, id: b } : undefined;
  }
  if (a === 'gpio' && c === undefined) return { kind: 'gpioInput', kit, id: b };
  if (a === 'machine' && c === 'state') return { kind: 'machineState', kit, id: b };
  if (a === 'zone' && c === 'environment') return { kind: 'zoneEnvironment', kit, id: b };
  if (a === 'machine') {
    const kind = ({ count: 'machineCount', stop: 'machineStopReason', production: 'machineProduction' } as const)[c as 'count'];
    return kind ? { kind, kit, id: b } : undefined;
  }
  if (a === 'inspection' && c === 'result') return { kind: 'inspectionResult', kit, id: b };
  return undefined;
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = Object.fromEntries(Object.entries(Payloads).map(([kind, schema]) => [kind, ajv.compile(schema)])) as Record<
  PayloadKind,
  ReturnType<typeof ajv.compile>
>;

export type DecodeResult<K extends PayloadKind> = { ok: true; payload: Payload<K> } | { ok: false; reason: string };

/** Parses and validates a payload for its topic's kind; the reason says what was wrong. */
export function decodePayload<K extends PayloadKind>(kind: K, payload: Buffer | string): DecodeResult<K> {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const validate = validators[kind];
  if (!validate(value)) {
    const error = validate.errors?.[0];
    return { ok: false, reason: `${error?.instancePath || '(payload)'} ${error?.message ?? 'invalid'}`.trim() };
  }
  return { ok: true, payload: value as Payload<K> };
}

/** The HTTP API's shapes: one TypeBox schema each, the source of validation, TypeScript types and the OpenAPI document. */
import { type Static, Type as T } from '@sinclair/typebox';

export const Role = T.Union([T.Literal('viewer'), T.Literal('operator'), T.Literal('manager'), T.Literal('admin')]);
export type Role = Static<typeof Role>;
/** Each role may do everything the roles before it may. */
export const ROLE_ORDER: readonly Role[] = ['viewer', 'operator', 'manager', 'admin'];
/** What a route asks for in `config.access`; `public` is for login, health and static assets only. */
export type Access = Role | 'public';

/** FAULT (異常停止): stopped with an alarm, as a signal tower's red lamp says. */
export const MachineState = T.Union([T.Literal('RUN'), T.Literal('IDLE'), T.Literal('OFF'), T.Literal('FAULT'), T.Literal('UNKNOWN')]);
export const WbgtLevel = T.Union([T.Literal('safe'), T.Literal('caution'), T.Literal('warning'), T.Literal('severe'), T.Literal('danger')]);
const Ms = T.Integer({ description: 'ms since the epoch, UTC' });

export const ErrorBody = T.Object({
  code: T.String({ description: 'a stable error code, e.g. AUTH_REQUIRED' }),
  message: T.String({ description: 'English' }),
  messageJa: T.String({ description: '日本語' }),
});

export const Me = T.Object({ username: T.String(), role: Role, csrfToken: T.String(), kiosk: T.Boolean() });
export const LoginBody = T.Object({
  username: T.String({ minLength: 1, maxLength: 64 }),
  password: T.String({ minLength: 1, maxLength: 256 }),
});

export const KitInfo = T.Object({
  id: T.String(),
  site: T.String(),
  locale: T.Union([T.Literal('ja'), T.Literal('en')]),
  timeZone: T.String(),
  machines: T.Array(
    T.Object({
      id: T.String(),
      name: T.String(),
      nameEn: T.Optional(T.String()),
      kind: T.Union([T.Literal('current'), T.Literal('digital'), T.Literal('tower')]),
      /** A machine read from a CT or a meter: what its readings and thresholds are in, amps (current) or watts (power). */
      quantity: T.Optional(T.Union([T.Literal('current'), T.Literal('power')])),
      thresholds: T.Optional(T.Object({ idleAbove: T.Number(), runAbove: T.Number() })),
    }),
  ),
  zones: T.Array(T.Object({ id: T.String(), name: T.String(), nameEn: T.Optional(T.String()) })),
  shifts: T.Array(T.Object({ id: T.String(), name: T.String(), nameEn: T.Optional(T.String()), start: T.String(), end: T.String() })),
  /** The kit is fed by simulated sensor nodes: what it shows is demo data. */
  demo: T.Boolean(),
});

export const MachineLive = T.Object({
  id: T.String(),
  state: MachineState,
  /** When the current state began. */
  since: T.Union([Ms, T.Null()]),
  amps: T.Union([T.Number(), T.Null()]),
  /** A meter's active power on the machine's channel, W; null for a machine on a CT clamp or a digital input. */
  watts: T.Union([T.Number(), T.Null()]),
  /** When the last reading arrived; the dashboard marks values older than 10 s as stale. */
  lastReadingAt: T.Union([Ms, T.Null()]),
  /** Today's 稼働率 so far: RUN time ÷ planned time elapsed, 0–1; null before the first shift starts. */
  utilizationToday: T.Union([T.Number(), T.Null()]),
});
export const ZoneLive = T.Object({
  id: T.String(),
  temperatureC: T.Union([T.Number(), T.Null()]),
  humidityPct: T.Union([T.Number(), T.Null()]),
  wbgtC: T.Union([T.Number(), T.Null()]),
  level: T.Union([WbgtLevel, T.Null()]),
  legalThreshold: T.Boolean(),
  lastReadingAt: T.Union([Ms, T.Null()]),
});
export const AlarmState = T.Union(
  [T.Literal('active-unacknowledged'), T.Literal('active-acknowledged'), T.Literal('cleared-unacknowledged'), T.Literal('cleared')],
  { description: 'active → acknowledged → cleared; an alarm that clears before anyone acknowledged it stays cleared-unacknowledged' },
);
export const Alarm = T.Object({
  /** One occurrence: the rule, the target and when it was raised. */
  id: T.String(),
  ruleId: T.String(),
  target: T.Object({ kind: T.Union([T.Literal('zone'), T.Literal('machine'), T.Literal('node')]), id: T.String() }),
  severity: T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]),
  state: AlarmState,
  /** What a person reads, in both languages: "第1工場 WBGT 28.4 ≥ 28 (厳重警戒)". */
  message: T.Object({ ja: T.String(), en: T.String() }),
  /** The value that raised it, where there is one. */
  value: T.Union([T.Number(), T.Null()]),
  raisedAt: Ms,
  clearedAt: T.Union([Ms, T.Null()]),
  acknowledgedAt: T.Union([Ms, T.Null()]),
  acknowledgedBy: T.Union([T.String(), T.Null()]),
  comment: T.Union([T.String(), T.Null()]),
});
export const AckBody = T.Object({ comment: T.Optional(T.String({ maxLength: 500 })) });

export const NodeLive = T.Object({ id: T.String(), online: T.Boolean(), since: T.Union([Ms, T.Null()]) });
export const LiveSnapshot = T.Object({
  ts: Ms,
  /** The id of the last event included: resume the event stream from here. */
  eventId: T.Integer(),
  kitOnline: T.Boolean(),
  machines: T.Array(MachineLive),
  zones: T.Array(ZoneLive),
  nodes: T.Array(NodeLive),
  /** Active alarms and cleared ones nobody acknowledged yet. */
  alarms: T.Array(Alarm),
});

/**
 * Server-sent events on GET /api/events: `event:` is the type, `data:` the JSON below, `id:` a rising integer.
 * A client reconnecting with Last-Event-ID gets every event it missed, or a `resync` when too many were missed.
 */
export const LiveEvent = T.Union([
  T.Object({ type: T.Literal('machine'), machine: MachineLive }),
  T.Object({ type: T.Literal('zone'), zone: ZoneLive }),
  T.Object({ type: T.Literal('node'), node: NodeLive }),
  T.Object({ type: T.Literal('kit'), online: T.Boolean() }),
  T.Object({ type: T.Literal('alarm'), alarm: Alarm }),
  T.Object({ type: T.Literal('resync'), reason: T.String() }),
]);

export const RangeQuery = T.Object({
  from: T.Integer({ description: 'ms since the epoch' }),
  to: T.Integer({ description: 'ms since the epoch; at most 400 days after from' }),
});
export const Resolution = T.Union([T.Literal('raw'), T.Literal('1m'), T.Literal('1h')], {
  description: 'raw up to an hour, minute means up to 2 days, hourly means beyond',
});
export const CurrentSeries = T.Object({
  machine: T.String(),
  resolution: Resolution,
  /** [time ms, mean amps, max amps] */
  points: T.Array(T.Tuple([Ms, T.Number(), T.Number()])),
});
/** The same for a machine on a Modbus meter channel that measures power (its state may come from its watts). */
export const PowerSeries = T.Object({
  machine: T.String(),
  resolution: Resolution,
  /** [time ms, mean W, max W]; negative while power flows back */
  points: T.Array(T.Tuple([Ms, T.Number(), T.Number()])),
});
export const EnvironmentSeries = T.Object({
  zone: T.String(),
  resolution: Resolution,
  /** [time ms, temperature °C, humidity %RH, WBGT °C] */
  points: T.Array(T.Tuple([Ms, T.Union([T.Number(), T.Null()]), T.Union([T.Number(), T.Null()]), T.Union([T.Number(), T.Null()])])),
});
/** A machine state, or NO_DATA where the kit was not recording (not installed yet, switched off). */
export const TimelineState = T.Union([MachineState, T.Literal('NO_DATA')]);
export const Timeline = T.Object({
  machine: T.String(),
  /** Consecutive intervals covering [from, min(to, now)]: UNKNOWN where the kit recorded but the sensor was silent, NO_DATA where the kit recorded nothing. */
  intervals: T.Array(T.Object({ state: TimelineState, from: Ms, to: Ms })),
});
export const Utilization = T.Object({
  machine: T.String(),
  by: T.Union([T.Literal('hour'), T.Literal('shift'), T.Literal('day')]),
  rows: T.Array(
    T.Object({
      from: Ms,
      to: Ms,
      /** The shift's id, for by=shift. */
      shift: T.Optional(T.String()),
      plannedMs: T.Integer(),
      runMs: T.Integer(),
      idleMs: T.Integer(),
      offMs: T.Integer(),
      /** Stopped with a fault (a tower's red lamp): stop time like offMs, never run time. */
      faultMs: T.Integer(),
      unknownMs: T.Integer(),
      /** Planned time in which the kit recorded nothing; not counted in utilization. */
      noDataMs: T.Integer(),
      /** runMs ÷ (plannedMs − noDataMs): null when nothing was planned, or when none of it has data. */
      utilization: T.Union([T.Number(), T.Null()]),
    }),
  ),
});

export type MeBody = Static<typeof Me>;
export type AlarmBody = Static<typeof Alarm>;
export type KitInfoBody = Static<typeof KitInfo>;
export type MachineLiveBody = Static<typeof MachineLive>;
export type ZoneLiveBody = Static<typeof ZoneLive>;
export type NodeLiveBody = Static<typeof NodeLive>;
export type LiveSnapshotBody = Static<typeof LiveSnapshot>;
export type LiveEventBody = Static<typeof LiveEvent>;
export type CurrentSeriesBody = Static<typeof CurrentSeries>;
export type PowerSeriesBody = Static<typeof PowerSeries>;
export type EnvironmentSeriesBody = Static<typeof EnvironmentSeries>;
export type TimelineBody = Static<typeof Timeline>;
export type UtilizationBody = Static<typeof Utilization>;

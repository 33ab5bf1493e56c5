/** The kit life's HTTP shapes (doctor, clock, calibration): the routes validate and serialise with them, the dashboard imports their types. */
import { type Static, Type as T } from '@sinclair/typebox';

const Text = T.Object({ ja: T.String(), en: T.String() });

export const Check = T.Object({
  id: T.String({ description: 'clock, disk, port:<node>, node:<node>, …' }),
  status: T.Union([T.Literal('ok'), T.Literal('warn'), T.Literal('fail'), T.Literal('info')]),
  title: Text,
  detail: Text,
  action: T.Optional(Text),
});
export const DoctorBody = T.Object({ status: T.Union([T.Literal('ok'), T.Literal('warn'), T.Literal('fail')]), checks: T.Array(Check) });

export const ClockBody = T.Object({
  now: T.Number({ description: 'the kit clock, ms since the epoch' }),
  lastSeenAt: T.Union([T.Number(), T.Null()], { description: 'the latest time the kit saw before this start' }),
  wentBack: T.Boolean({ description: 'at start the clock was behind the last time the kit ran' }),
  steps: T.Array(T.Object({ at: T.Number(), stepMs: T.Number() }), { description: 'jumps of the wall clock while running' }),
  synchronized: T.Union([T.Boolean(), T.Null()], { description: 'NTP synchronised; null when the system cannot say' }),
  timeZone: T.String(),
  systemTimeZone: T.Union([T.String(), T.Null()]),
});
export const SetClockBody = T.Object(
  { now: T.Integer({ minimum: Date.UTC(2024, 0, 1), maximum: Date.UTC(2100, 0, 1), description: "the admin's device clock, ms" }) },
  { additionalProperties: false },
);

export const ThresholdsBody = T.Object(
  { idleAbove: T.Number({ minimum: 0 }), runAbove: T.Number({ exclusiveMinimum: 0 }), hysteresis: T.Number({ minimum: 0 }) },
  { additionalProperties: false },
);
const LevelName = T.Union([T.Literal('OFF'), T.Literal('IDLE'), T.Literal('RUN')]);
export const CalibrationBody = T.Object({
  machine: T.String(),
  node: T.String(),
  channel: T.String(),
  from: T.Number(),
  to: T.Number(),
  resolution: T.Union([T.Literal('raw'), T.Literal('1m')]),
  /** What the readings, bins, levels and thresholds are in: A, or W for a machine watched through a meter's power. */
  unit: T.Union([T.Literal('A'), T.Literal('W')]),
  /** Lower edges of the log-spaced bins, in the unit; one more than counts. */
  edges: T.Array(T.Number()),
  counts: T.Array(T.Integer()),
  total: T.Integer(),
  current: T.Union([ThresholdsBody, T.Null()]),
  proposal: T.Object({
    thresholds: T.Optional(ThresholdsBody),
    levels: T.Array(T.Object({ state: LevelName, peak: T.Number(), share: T.Number(), p1: T.Number(), p99: T.Number() })),
    confidence: T.Union([T.Literal('good'), T.Literal('low'), T.Literal('none')]),
    notes: T.Array(Text),
    shares: T.Optional(T.Object({ OFF: T.Number(), IDLE: T.Number(), RUN: T.Number() })),
  }),
});
export const LiveChannelsBody = T.Object({
  now: T.Number(),
  channels: T.Array(
    T.Object({
      node: T.String(),
      channel: T.String(),
      amps: T.Union([T.Number(), T.Null()]),
      /** A meter channel's active power. */
      watts: T.Union([T.Number(), T.Null()]),
      at: T.Number(),
      machine: T.Union([T.String(), T.Null()]),
    }),
  ),
});

export type DoctorResponse = Static<typeof DoctorBody>;
export type CheckBody = Static<typeof Check>;
export type ClockResponse = Static<typeof ClockBody>;
export type CalibrationResponse = Static<typeof CalibrationBody>;
export type LiveChannelsResponse = Static<typeof LiveChannelsBody>;
export type ThresholdsResponse = Static<typeof ThresholdsBody>;

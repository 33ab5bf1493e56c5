/** The production API's shapes (stop reasons, counts, the board, OEE): one TypeBox schema each, for validation, types and OpenAPI. */
import { type Static, Type as T } from '@sinclair/typebox';
import { STOP_STATES, StopReason } from '../../config/productionSchema.js';
import { RangeQuery } from '../http/schemas.js';

const Ms = T.Integer({ description: 'ms since the epoch, UTC' });
const Duration = T.Integer({ minimum: 0, description: 'ms' });
const Id = T.String({ minLength: 1, maxLength: 64, description: 'an id from GET /api/kit' });
const Ratio = T.Union([T.Number(), T.Null()], {
  description: '0–1 (performance may pass 1 when the ideal cycle is set too slow); null: no data',
});

export const ProductionSettings = T.Object({
  reasons: T.Array(StopReason),
  reasonAfterMinutes: T.Number(),
  operatorCorrectionMinutes: T.Number(),
  machines: T.Array(
    T.Object({
      machine: T.String(),
      counter: T.Boolean(),
      planPerHour: T.Union([T.Number(), T.Null()], { description: 'parts per planned hour, from the target; null: no plan' }),
      idealCycleMs: T.Union([T.Number(), T.Null()]),
      inspectionStation: T.Union([T.String(), T.Null()]),
      askReasonFor: T.Array(T.Union(STOP_STATES.map((s) => T.Literal(s))), {
        description: 'the stop states whose stops ask the operator for a reason (the kit file’s default: all three); []: never asked',
      }),
    }),
  ),
});

export const ReasonsUpdate = T.Object({ reasons: T.Array(StopReason, { minItems: 1, maxItems: 24 }) });

export const StopSegment = T.Object({
  from: Ms,
  to: Ms,
  /** Planned time inside the segment: what the Pareto adds up. */
  plannedMs: Duration,
  reason: T.Union([T.String(), T.Null()]),
  note: T.Union([T.String(), T.Null()]),
  by: T.Union([T.String(), T.Null()]),
  at: T.Union([Ms, T.Null()], { description: 'when the reason was entered' }),
});
export const Stop = T.Object({
  machine: T.String(),
  from: Ms,
  to: Ms,
  open: T.Boolean({ description: 'still stopped' }),
  plannedMs: Duration,
  asked: T.Boolean({ description: 'asks for a reason: long enough in planned time, in the states the machine is asked about' }),
  askedAt: T.Union([Ms, T.Null()], { description: 'when it began to ask for a reason (null: not asked); reasonMissing counts from here' }),
  needsReason: T.Boolean(),
  unanswered: T.Union([T.Literal('_none'), T.Literal('_short'), T.Literal('_unasked')], {
    description: 'what its time without a reason counts as: `_none` (asked), `_short` (too short) or `_unasked` (not asked about)',
  }),
  segments: T.Array(StopSegment),
});
export const StopList = T.Object({ from: Ms, to: Ms, stops: T.Array(Stop) });

export const ReasonRequest = T.Object({
  machine: Id,
  /** The stop's start, as listed. */
  stopFrom: Ms,
  /** One segment for a one-tap answer; several to split the stop (each from its start to the next one's; the last may run on). */
  segments: T.Array(
    T.Object({
      from: Ms,
      // Null first: fastify's Ajv coerces types, and would read a null as 0 against an integer branch tried before it.
      to: T.Union([T.Null(), Ms], { description: 'null: to the end of the stop, even one still going on' }),
      reason: Id,
      note: T.Optional(T.String({ maxLength: 200 })),
    }),
    { minItems: 1, maxItems: 8 },
  ),
});
export const ReasonLogEntry = T.Object({
  id: T.String(),
  machine: T.String(),
  at: Ms,
  stopFrom: Ms,
  from: Ms,
  to: T.Union([Ms, T.Null()]),
  reason: T.String(),
  note: T.Union([T.String(), T.Null()]),
  by: T.String(),
  role: T.Union([T.String(), T.Null()]),
  previousReason: T.Union([T.String(), T.Null()], { description: 'the reason this one replaced, when it changed one' }),
});
export const ReasonLog = T.Object({ entries: T.Array(ReasonLogEntry) });

export const ParetoBar = T.Object({
  reason: T.String({
    description:
      'a reason id, `_none` (asked, not answered), `_short` (too short to be asked) or `_unasked` (a stop in states the machine is not asked about)',
  }),
  ms: Duration,
  stops: T.Integer(),
  share: T.Number(),
  cumulative: T.Number(),
});
export const Pareto = T.Object({ machine: T.Union([T.String(), T.Null()]), from: Ms, to: Ms, totalMs: Duration, bars: T.Array(ParetoBar) });

export const CycleStats = T.Object({ medianMs: T.Number(), p25Ms: T.Number(), p75Ms: T.Number(), iqrMs: T.Number(), cycles: T.Integer() });
export const CountsBy = T.Union([T.Literal('minute'), T.Literal('hour'), T.Literal('shift'), T.Literal('day')]);
export const Counts = T.Object({
  machine: T.String(),
  by: CountsBy,
  rows: T.Array(
    T.Object({
      from: Ms,
      to: Ms,
      shift: T.Optional(T.String()),
      parts: T.Union([T.Integer(), T.Null()], { description: 'null: the counter was not seen in the period (no data, not 0)' }),
      seenMs: Duration,
      cycle: T.Union([CycleStats, T.Null()]),
    }),
  ),
});

const BoardStatus = T.Union((['ahead', 'onPlan', 'behind', 'noData', 'noPlan', 'break', 'upcoming'] as const).map((s) => T.Literal(s)));
const NullableInt = T.Union([T.Integer(), T.Null()]);
export const BoardRow = T.Object({
  from: Ms,
  to: Ms,
  plannedMs: Duration,
  plan: NullableInt,
  actual: NullableInt,
  gap: NullableInt,
  planCumulative: NullableInt,
  actualCumulative: NullableInt,
  gapCumulative: NullableInt,
  complete: T.Boolean({ description: 'false once an hour so far had no data: the running total of parts is a lower bound' }),
  current: T.Boolean(),
  status: BoardStatus,
  rejects: T.Integer({ description: "the hour's rejects: the operator's entry plus the inspection station's NG verdicts, each once" }),
  rejectsEntered: T.Union([T.Integer(), T.Null()], {
    description: 'what an operator entered for the hour (the latest entry); null: nothing entered. The field to pre-fill',
  }),
  inspection: T.Union([T.Object({ judged: T.Integer(), ng: T.Integer() }), T.Null()], {
    description: "the inspection station's verdicts in the hour, breaks included; null: the machine has no station",
  }),
  stops: T.Array(T.Object({ reason: T.String(), ms: Duration })),
});
export const ShiftRef = T.Object({ id: T.String(), day: T.String({ description: 'the local date it started on' }), from: Ms, to: Ms });
export const Board = T.Object({ machine: T.String(), shift: T.Union([ShiftRef, T.Null()]), rows: T.Array(BoardRow) });

export const OeeRow = T.Object({
  machine: T.String(),
  from: Ms,
  to: Ms,
  shift: T.Optional(T.String()),
  day: T.String(),
  plannedMs: Duration,
  runMs: Duration,
  idleMs: Duration,
  offMs: Duration,
  unknownMs: Duration,
  noDataMs: Duration,
  plannedStopMs: T.Integer({
    minimum: 0,
    description:
      'ms of recorded planned time in stops whose reason is marked planned (計画停止): taken out of the loading time (負荷時間), so availability = runMs ÷ (plannedMs − noDataMs − plannedStopMs), unlike 稼働率',
  }),
  parts: NullableInt,
  rejects: NullableInt,
  good: NullableInt,
  rejectsRecorded: T.Boolean({ description: 'false: nothing was recorded, quality assumes every part was good' }),
  idealCycleMs: T.Union([T.Number(), T.Null()]),
  availability: Ratio,
  performance: Ratio,
  quality: Ratio,
  oee: Ratio,
});
export const OeeBy = T.Union([T.Literal('shift'), T.Literal('day')]);
export const Oee = T.Object({ by: OeeBy, rows: T.Array(OeeRow) });

export const RejectRequest = T.Object({
  machine: Id,
  /** The board row's start (its hour, cut to the shift). */
  hourFrom: Ms,
  count: T.Integer({ minimum: 0, maximum: 100000 }),
});
export const RejectSaved = T.Object({ machine: T.String(), hourFrom: Ms, count: T.Integer(), at: Ms, by: T.String() });

export const MachineProductionNow = T.Object({
  machine: T.String(),
  shift: T.Union([ShiftRef, T.Null()]),
  /** Parts planned so far in the shift, and counted so far (a lower bound when `complete` is false). */
  plan: NullableInt,
  actual: NullableInt,
  /** False when an hour of the shift so far had no data. */
  complete: T.Boolean(),
  /** Parts ahead (+) or behind (−) over the hours the kit saw. */
  gap: NullableInt,
  stopsWithoutReason: T.Integer({ minimum: 0 }),
});
export const ProductionNow = T.Object({
  ts: Ms,
  /** Stops in the last 24 h still waiting for a reason, oldest first: what the tablet asks about. */
  pending: T.Array(Stop),
  machines: T.Array(MachineProductionNow),
  /** Null until the first refresh; otherwise when the figures were worked out. */
  refreshedAt: T.Union([Ms, T.Null()]),
});

export const StopsQuery = T.Object({ ...RangeQuery.properties, machine: Id });
export const OptionalMachineRange = T.Object({ ...RangeQuery.properties, machine: T.Optional(Id) });
export const CountsQuery = T.Object({ ...RangeQuery.properties, machine: Id, by: CountsBy });
export const OeeQuery = T.Object({ ...RangeQuery.properties, by: OeeBy, machine: T.Optional(Id) });
export const BoardQuery = T.Object({
  machine: Id,
  at: T.Optional(T.Integer({ description: 'ms; the shift holding this time, or the last one before it (default: now)' })),
});
export const ExportRange = T.Object({ ...RangeQuery.properties });
export const OeeExportQuery = T.Object({ ...RangeQuery.properties, by: T.Optional(OeeBy) });

export type ProductionSettingsBody = Static<typeof ProductionSettings>;
export type StopBody = Static<typeof Stop>;
export type StopListBody = Static<typeof StopList>;
export type ReasonRequestBody = Static<typeof ReasonRequest>;
export type ReasonLogBody = Static<typeof ReasonLog>;
export type ReasonLogEntryBody = Static<typeof ReasonLogEntry>;
export type ParetoBody = Static<typeof Pareto>;
export type CountsBody = Static<typeof Counts>;
export type CountsByValue = Static<typeof CountsBy>;
export type BoardBody = Static<typeof Board>;
export type BoardRowBody = Static<typeof BoardRow>;
export type OeeBody = Static<typeof Oee>;
export type OeeRowBody = Static<typeof OeeRow>;
export type RejectRequestBody = Static<typeof RejectRequest>;
export type RejectSavedBody = Static<typeof RejectSaved>;
export type ProductionNowBody = Static<typeof ProductionNow>;
export type MachineProductionNowBody = Static<typeof MachineProductionNow>;

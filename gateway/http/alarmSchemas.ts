/** The alarm API's own shapes (the Alarm itself is in schemas.ts): list, history query and rows, ack path. */
import { type Static, Type as T } from '@sinclair/typebox';
import { Alarm, AlarmState } from './schemas.js';

const Ms = T.Integer({ description: 'ms since the epoch, UTC' });
const Id = T.String({ minLength: 1, maxLength: 64 });
export const Severity = T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]);

export const AlarmList = T.Object({
  /** Active alarms and cleared ones nobody acknowledged yet, oldest first. */
  alarms: T.Array(Alarm),
});

export const AlarmIdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 200, description: 'Alarm.id' }) });

export const AlarmHistoryQuery = T.Object({
  from: T.Integer({ description: 'ms since the epoch' }),
  to: T.Integer({ description: 'ms since the epoch; at most 400 days after from' }),
  severity: T.Optional(Severity),
  rule: T.Optional(Id),
  target: T.Optional(Id),
  /** The alarm's state right after the recorded event. */
  state: T.Optional(AlarmState),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
});

export const AlarmEventKind = T.Union([T.Literal('raised'), T.Literal('cleared'), T.Literal('acknowledged')]);

/** One recorded event of an alarm: what happened, when, and the alarm's state just after. */
export const AlarmHistoryEntry = T.Object({
  ts: Ms,
  event: AlarmEventKind,
  id: T.String(),
  ruleId: T.String(),
  target: T.Object({ kind: T.Union([T.Literal('zone'), T.Literal('machine'), T.Literal('node')]), id: T.String() }),
  severity: Severity,
  state: AlarmState,
  message: T.Object({ ja: T.String(), en: T.String() }),
  value: T.Union([T.Number(), T.Null()]),
  acknowledgedBy: T.Union([T.String(), T.Null()]),
  comment: T.Union([T.String(), T.Null()]),
});

export const AlarmHistory = T.Object({
  /** Newest first, at most `limit`. */
  entries: T.Array(AlarmHistoryEntry),
});

export type AlarmHistoryQueryType = Static<typeof AlarmHistoryQuery>;
export type AlarmHistoryEntryBody = Static<typeof AlarmHistoryEntry>;
export type AlarmHistoryBody = Static<typeof AlarmHistory>;
export type AlarmHistoryFilters = Pick<AlarmHistoryQueryType, 'severity' | 'rule' | 'target' | 'state' | 'limit'>;

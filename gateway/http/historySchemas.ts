/** Query strings of the history, timeline, 稼働率 and CSV export routes; the bodies they answer with are in schemas.ts. */
import { type Static, Type as T } from '@sinclair/typebox';
import { RangeQuery } from './schemas.js';

/** Longer ranges are refused: the minute policy holds 400 days, and a year of hourly rows is what a chart can show. */
export const MAX_RANGE_DAYS = 400;

const Id = T.String({ minLength: 1, maxLength: 64, description: 'an id from GET /api/kit' });
export const UtilizationBy = T.Union([T.Literal('hour'), T.Literal('shift'), T.Literal('day')]);

export const MachineRangeQuery = T.Object({ ...RangeQuery.properties, machine: Id });
export const ZoneRangeQuery = T.Object({ ...RangeQuery.properties, zone: Id });
export const UtilizationQuery = T.Object({ ...RangeQuery.properties, machine: Id, by: UtilizationBy });
export const ExportQuery = T.Object({ ...RangeQuery.properties });
export const UtilizationExportQuery = T.Object({ ...RangeQuery.properties, by: T.Optional(UtilizationBy) });

export type MachineRangeQueryType = Static<typeof MachineRangeQuery>;
export type ZoneRangeQueryType = Static<typeof ZoneRangeQuery>;
export type UtilizationQueryType = Static<typeof UtilizationQuery>;
export type UtilizationExportQueryType = Static<typeof UtilizationExportQuery>;

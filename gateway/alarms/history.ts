/** Reads alarm events back out of InfluxDB (measurement `alarm`, events retention policy) for the alarm history. */
import type { InfluxDB } from 'influx';
import { ident, literal, source, timeRange } from '../history/influxql.js';
import type { AlarmHistoryBody, AlarmHistoryEntryBody, AlarmHistoryFilters } from '../http/alarmSchemas.js';

export interface AlarmHistoryReader {
  history(from: number, to: number, filters?: AlarmHistoryFilters): Promise<AlarmHistoryBody>;
}

const COLUMNS = [
  'id',
  'event',
  'state',
  'rule',
  'target_kind',
  'target',
  'severity',
  'message_ja',
  'message_en',
  'value',
  'acknowledged_by',
  'comment',
];

type Row = [number, ...unknown[]];
interface RawResponse {
  results?: { series?: { values?: Row[] }[]; error?: string }[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function createAlarmHistory(influx: InfluxDB, database: string, kit: string): AlarmHistoryReader {
  return {
    async history(from, to, filters = {}) {
      const where = [`${ident('kit')} = ${literal(kit)}`, timeRange(from, to)];
      if (filters.severity) where.push(`${ident('severity')} = ${literal(filters.severity)}`);
      if (filters.rule) where.push(`${ident('rule')} = ${literal(filters.rule)}`);
      if (filters.target) where.push(`${ident('target')} = ${literal(filters.target)}`);
      if (filters.state) where.push(`${ident('state')} = ${literal(filters.state)}`);
      const limit = Math.max(1, Math.min(10000, Math.trunc(filters.limit ?? 1000)));
      const q = `SELECT ${COLUMNS.map(ident).join(', ')} FROM ${source(database, 'events', 'alarm')} WHERE ${where.join(' AND ')} ORDER BY time DESC LIMIT ${limit}`;
      const response = (await influx.queryRaw(q, { database, precision: 'ms' })) as RawResponse;
      const result = response.results?.[0];
      if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
      const rows = (result?.series ?? []).flatMap((s) => s.values ?? []);
      const entries = rows.map((row): AlarmHistoryEntryBody => {
        const [ts, id, event, state, rule, targetKind, target, severity, ja, en, value, by, comment] = row;
        return {
          ts,
          event: event as AlarmHistoryEntryBody['event'],
          id: String(id),
          ruleId: String(rule),
          target: { kind: targetKind as AlarmHistoryEntryBody['target']['kind'], id: String(target) },
          severity: severity as AlarmHistoryEntryBody['severity'],
          state: state as AlarmHistoryEntryBody['state'],
          message: { ja: String(ja ?? ''), en: String(en ?? '') },
          value: num(value),
          acknowledgedBy: str(by),
          comment: str(comment),
        };
      });
      return { entries };
    },
  };
}

/** CSV exports of the production records for Excel in Japan (BOM, CRLF): stop reasons, part counts and OEE, a machine at a time. */
import type { KitConfig } from '../../config/schema.js';
import { csvLine, csvText, withHeader } from '../history/csv.js';
import { formatLocal } from '../utilization/timeZone.js';
import type { ProductionService } from './service.js';
import { NO_REASON, NOT_ASKED, SHORT_STOP } from './stops.js';

const WEEK = 7 * 86_400_000;
const minutes = (ms: number) => Math.round(ms / 600) / 100;
const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);

export function productionCsv(config: KitConfig, service: ProductionService) {
  const tz = config.kit.timeZone;
  const local = `(${tz})`;
  const shiftNames = new Map(config.calendar.shifts.map((s) => [s.id, s.name]));
  const reasonName = (id: string) => {
    if (id === NO_REASON) return '未入力';
    if (id === NOT_ASKED) return '理由を求めない停止';
    if (id === SHORT_STOP) return '短時間停止';
    return service.settings().reasons.find((r) => r.id === id)?.name ?? id;
  };

  async function* stopLines(from: number, to: number): AsyncGenerator<string> {
    for (const machine of config.machines) {
      const { stops } = await service.stops(machine.id, from, to);
      for (const stop of stops) {
        for (const s of stop.segments) {
          yield csvLine([
            machine.id,
            csvText(machine.name),
            formatLocal(stop.from, tz),
            formatLocal(stop.to, tz),
            stop.open ? '停止中' : '',
            formatLocal(s.from, tz),
            formatLocal(s.to, tz),
            minutes(s.plannedMs),
            s.reason ?? stop.unanswered,
            csvText(reasonName(s.reason ?? stop.unanswered)),
            csvText(s.note ?? undefined),
            csvText(s.by ?? undefined),
            s.at === null ? '' : formatLocal(s.at, tz),
          ]);
        }
      }
    }
  }

  /** Hour by hour, a week at a time: a year of a busy press's cycle times never sits in memory at once. */
  async function* countLines(from: number, to: number): AsyncGenerator<string> {
    for (const p of config.production.machines) {
      if (!p.counter) continue;
      const machine = config.machines.find((m) => m.id === p.machine);
      for (let start = from; start < to; start += WEEK) {
        const { rows } = await service.counts(p.machine, start, Math.min(start + WEEK, to), 'hour');
        for (const r of rows) {
          yield csvLine([
            p.machine,
            csvText(machine?.name),
            r.shift ?? '',
            csvText(r.shift ? shiftNames.get(r.shift) : undefined),
            formatLocal(r.from, tz),
            formatLocal(r.to, tz),
            new Date(r.from).toISOString(),
            r.parts,
            minutes(r.seenMs),
            seconds(r.cycle?.medianMs),
            seconds(r.cycle?.p25Ms),
            seconds(r.cycle?.p75Ms),
            r.cycle?.cycles ?? null,
          ]);
        }
      }
    }
  }

  async function* oeeLines(from: number, to: number, by: 'shift' | 'day'): AsyncGenerator<string> {
    for (const machine of config.machines) {
      const { rows } = await service.oee(from, to, by, machine.id);
      for (const r of rows) {
        yield csvLine([
          machine.id,
          csvText(machine.name),
          r.shift ?? '',
          csvText(r.shift ? shiftNames.get(r.shift) : undefined),
          r.day,
          formatLocal(r.from, tz),
          formatLocal(r.to, tz),
          minutes(r.plannedMs),
          minutes(r.runMs),
          minutes(r.unknownMs),
          minutes(r.noDataMs),
          minutes(r.plannedStopMs),
          r.parts,
          r.rejects,
          r.good,
          r.rejectsRecorded ? '記録あり' : '記録なし',
          pct(r.availability),
          pct(r.performance),
          pct(r.quality),
          pct(r.oee),
        ]);
      }
    }
  }

  return {
    stops: (from: number, to: number) =>
      withHeader(
        [
          '設備ID',
          '設備名',
          `停止開始${local}`,
          `停止終了${local}`,
          '状態',
          `区間開始${local}`,
          `区間終了${local}`,
          '計画時間内の停止(分)',
          '理由ID',
          '停止理由',
          'メモ',
          '入力者',
          `入力日時${local}`,
        ],
        stopLines(from, to),
      ),
    counts: (from: number, to: number) =>
      withHeader(
        [
          '設備ID',
          '設備名',
          'シフトID',
          'シフト名',
          `開始${local}`,
          `終了${local}`,
          '開始(UTC)',
          '生産数(個)',
          'カウンタ確認時間(分)',
          'サイクル中央値(秒)',
          'サイクル第1四分位(秒)',
          'サイクル第3四分位(秒)',
          'サイクル数',
        ],
        countLines(from, to),
      ),
    oee: (from: number, to: number, by: 'shift' | 'day' = 'shift') =>
      withHeader(
        [
          '設備ID',
          '設備名',
          'シフトID',
          'シフト名',
          '日付',
          `開始${local}`,
          `終了${local}`,
          '計画時間(分)',
          '稼働(分)',
          '不明(分)',
          'データなし(分)',
          '計画停止(分)',
          '生産数(個)',
          '不良数(個)',
          '良品数(個)',
          '不良の記録',
          '時間稼働率(稼働率)(%)',
          '性能稼働率(%)',
          '良品率(%)',
          '設備総合効率OEE(%)',
        ],
        oeeLines(from, to, by),
      ),
  };
}

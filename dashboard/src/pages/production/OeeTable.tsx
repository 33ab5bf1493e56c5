/**
 * OEE rows with their three factors, worded for a manager: a factor without data says so instead of showing 0 %. Rows are
 * grouped under their machine's name (a heading row, not a column), so the figures keep their width on an upright tablet.
 */
import { formatCount, formatDuration, formatPct, formatTime } from '../../format';
import { useI18n } from '../../i18n';
import type { KitInfo } from '../../types';
import type { OeeRow, Settings } from './productionApi';

const COLUMNS = 7;

export function OeeTable({
  rows,
  kit,
  settings,
  showMachine,
}: {
  rows: OeeRow[];
  kit: KitInfo;
  settings: Settings | null;
  showMachine: boolean;
}) {
  const { t, name } = useI18n();
  if (rows.length === 0) return <p>{t('prod.oee.none')}</p>;
  const machines = [...new Set(rows.map((r) => r.machine))];
  const machineName = (id: string) => {
    const m = kit.machines.find((x) => x.id === id);
    return m ? name(m) : id;
  };
  // Until the settings are in, every machine is taken as counted: a "no counter" flashing up would be wrong for most.
  const counted = (id: string) => !settings || settings.machines.some((m) => m.machine === id && m.counter);
  return (
    <div class="board-scroll">
      <table class="data-table oee-table" data-testid="oee-table">
        <thead>
          <tr>
            <th scope="col">{t('prod.oee.period')}</th>
            <th scope="col">{t('prod.oee.planned')}</th>
            <th scope="col">{t('prod.oee.availability')}</th>
            <th scope="col">{t('prod.oee.performance')}</th>
            <th scope="col">{t('prod.oee.quality')}</th>
            <th scope="col">{t('prod.oee.oee')}</th>
            <th scope="col">{t('prod.oee.parts')}</th>
          </tr>
        </thead>
        {machines.map((machine) => (
          <tbody key={machine} data-testid={`oee-machine-${machine}`}>
            {showMachine && (
              <tr class="oee-machine">
                <th scope="rowgroup" colSpan={COLUMNS}>
                  {machineName(machine)}
                </th>
              </tr>
            )}
            {rows
              .filter((r) => r.machine === machine)
              .map((r) => (
                <OeeLine key={r.from} row={r} kit={kit} counted={counted(machine)} />
              ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function OeeLine({ row: r, kit, counted }: { row: OeeRow; kit: KitInfo; counted: boolean }) {
  const { t, lang, name } = useI18n();
  const shift = kit.shifts.find((s) => s.id === r.shift);
  const noData = <span class="no-data">{t('prod.noData')}</span>;
  return (
    <tr>
      <th scope="row">
        {formatTime(r.from, kit.timeZone, lang, 'date')}
        {r.shift && <small class="cell-note">{shift ? name(shift) : r.shift}</small>}
      </th>
      <td>
        {formatDuration(r.plannedMs, t)}
        {r.unknownMs > 0 && <small class="cell-note">{t('prod.oee.unknown', { d: formatDuration(r.unknownMs, t) })}</small>}
        {r.noDataMs > 0 && <small class="cell-note">{t('prod.oee.noDataPart', { d: formatDuration(r.noDataMs, t) })}</small>}
        {/* Planned stops leave the loading time: what sets availability apart from 稼働率 (run ÷ planned time). */}
        {r.plannedStopMs > 0 && (
          <small class="cell-note" data-testid="oee-planned-stops">
            {t('prod.oee.plannedStops', { d: formatDuration(r.plannedStopMs, t) })}
          </small>
        )}
      </td>
      <td>{r.availability === null ? noData : formatPct(r.availability)}</td>
      {counted ? (
        <>
          <td>
            {r.performance !== null ? formatPct(r.performance) : r.idealCycleMs === null ? <small>{t('prod.oee.noIdeal')}</small> : noData}
          </td>
          <td>
            {r.quality === null ? noData : formatPct(r.quality)}
            {r.quality !== null && !r.rejectsRecorded && <small class="cell-note">{t('prod.oee.noRejects')}</small>}
          </td>
          <td class="oee-value">{r.oee === null ? '—' : formatPct(r.oee)}</td>
          <td>
            {r.parts === null ? noData : formatCount(r.parts, lang)}
            {r.rejects ? <small class="cell-note">{t('prod.oee.rejects', { n: formatCount(r.rejects, lang) })}</small> : null}
          </td>
        </>
      ) : (
        // Without a counter there are no parts: performance, quality and OEE cannot be worked out, and one note says why.
        <td colSpan={4} class="oee-uncounted">
          {t('prod.oee.uncounted')}
        </td>
      )}
    </tr>
  );
}

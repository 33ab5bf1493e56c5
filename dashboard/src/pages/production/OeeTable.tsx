/** OEE rows with their three factors, worded for a manager: a factor without data says so instead of showing 0 %. */
import { formatDuration, formatPct, formatTime } from '../../format';
import { useI18n } from '../../i18n';
import type { KitInfo } from '../../types';
import type { OeeRow } from './productionApi';

export function OeeTable({ rows, kit, showMachine }: { rows: OeeRow[]; kit: KitInfo; showMachine: boolean }) {
  const { t, lang, name } = useI18n();
  if (rows.length === 0) return <p>{t('prod.oee.none')}</p>;
  const machineName = (id: string) => {
    const m = kit.machines.find((x) => x.id === id);
    return m ? name(m) : id;
  };
  const shiftName = (id: string | undefined) => {
    const s = kit.shifts.find((x) => x.id === id);
    return s ? name(s) : (id ?? '');
  };
  return (
    <div class="board-scroll">
      <table class="data-table oee-table" data-testid="oee-table">
        <thead>
          <tr>
            {showMachine && <th scope="col">{t('prod.machine')}</th>}
            <th scope="col">{t('prod.oee.period')}</th>
            <th scope="col">{t('prod.oee.planned')}</th>
            <th scope="col">{t('prod.oee.availability')}</th>
            <th scope="col">{t('prod.oee.performance')}</th>
            <th scope="col">{t('prod.oee.quality')}</th>
            <th scope="col">{t('prod.oee.oee')}</th>
            <th scope="col">{t('prod.oee.parts')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.machine}/${r.from}`}>
              {showMachine && <th scope="row">{machineName(r.machine)}</th>}
              <td>
                {formatTime(r.from, kit.timeZone, lang, 'date')} {r.shift ? shiftName(r.shift) : ''}
              </td>
              <td>
                {formatDuration(r.plannedMs, t)}
                {r.unknownMs > 0 && <small class="unknown-note"> {t('prod.oee.unknown', { d: formatDuration(r.unknownMs, t) })}</small>}
                {r.noDataMs > 0 && <small class="unknown-note"> {t('prod.oee.noDataPart', { d: formatDuration(r.noDataMs, t) })}</small>}
              </td>
              <td>{r.availability === null ? t('prod.noData') : formatPct(r.availability)}</td>
              <td>
                {r.performance === null ? (r.idealCycleMs === null ? t('prod.oee.noIdeal') : t('prod.noData')) : formatPct(r.performance)}
              </td>
              <td>
                {r.quality === null ? t('prod.noData') : formatPct(r.quality)}
                {r.quality !== null && !r.rejectsRecorded && <small> {t('prod.oee.noRejects')}</small>}
              </td>
              <td class="oee-value">{r.oee === null ? '—' : formatPct(r.oee)}</td>
              <td>
                {r.parts === null ? t('prod.noData') : r.parts}
                {r.rejects ? <small> {t('prod.oee.rejects', { n: r.rejects })}</small> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** CSV downloads for managers: pick two dates, then plain links the browser downloads with the session cookie. */
import { useState } from 'preact/hooks';
import { apiUrl } from '../api';
import { useNow } from '../clock';
import { useI18n } from '../i18n';
import { DAY, fromDateInput, MINUTE, toDateInput } from '../time';
import type { KitInfo } from '../types';

const FILES = [
  { file: 'readings', label: 'export.readings' },
  { file: 'states', label: 'export.states' },
  { file: 'utilization', label: 'export.utilization' },
  { file: 'stops', label: 'prod.export.stops' },
  { file: 'counts', label: 'prod.export.counts' },
  { file: 'oee', label: 'prod.export.oee' },
] as const;

export function ExportPage({ kit }: { kit: KitInfo }) {
  const { t } = useI18n();
  const tz = kit.timeZone;
  const now = useNow(MINUTE);
  const [fromDate, setFromDate] = useState(() => toDateInput(now - 6 * DAY, tz));
  const [toDate, setToDate] = useState(() => toDateInput(now, tz));
  const from = fromDateInput(fromDate, tz);
  const to = fromDateInput(toDate, tz, 1);
  const valid = from !== null && to !== null && to > from;
  return (
    <section class="panel export">
      <h1 class="page-title">{t('export.title')}</h1>
      <p>{t('export.intro', { tz })}</p>
      <div class="date-fields">
        <label>
          {t('range.from')}
          <input type="date" value={fromDate} max={toDate || undefined} onChange={(e) => setFromDate(e.currentTarget.value)} />
        </label>
        <label>
          {t('range.to')}
          <input type="date" value={toDate} min={fromDate || undefined} onChange={(e) => setToDate(e.currentTarget.value)} />
        </label>
      </div>
      {!valid && (
        <p class="form-error" role="alert">
          {t('range.invalid')}
        </p>
      )}
      <ul class="downloads">
        {FILES.map(({ file, label }) => (
          <li key={file}>
            {valid ? (
              <a
                class="button"
                href={apiUrl(`api/export/${file}.csv`, { from, to })}
                download={`${kit.id}-${file}-${fromDate}_${toDate}.csv`}
              >
                <DownloadIcon />
                {t(label)}
              </a>
            ) : (
              <span class="button disabled" aria-disabled="true">
                <DownloadIcon />
                {t(label)}
              </span>
            )}
          </li>
        ))}
      </ul>
      <h2>{t('report.title')}</h2>
      <p>{t('report.intro')}</p>
      <ul class="downloads">
        {(['ja', 'en'] as const).map((reportLang) => (
          <li key={reportLang}>
            {valid ? (
              <a
                class="button"
                data-testid={`report-${reportLang}`}
                href={apiUrl('api/report.pdf', { from, to, lang: reportLang })}
                download={`${kit.id}-report-${fromDate}_${toDate}${reportLang === 'en' ? '-en' : ''}.pdf`}
              >
                <DownloadIcon />
                {t(reportLang === 'ja' ? 'report.downloadJa' : 'report.downloadEn')}
              </a>
            ) : (
              <span class="button disabled" aria-disabled="true">
                <DownloadIcon />
                {t(reportLang === 'ja' ? 'report.downloadJa' : 'report.downloadEn')}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DownloadIcon() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M11 3h2v10l3.5-3.5 1.4 1.4L12 16.8l-5.9-5.9 1.4-1.4L11 13zM4 19h16v2H4z" fill="currentColor" />
    </svg>
  );
}

/** One inspection trial: add images, fit, and read the judgment with its heat maps, metrics and sensitivity control. */
import { useEffect, useState } from 'preact/hooks';
import { api, apiUrl, upload } from '../../api';
import { Async } from '../../components/Async';
import { formatCount } from '../../format';
import { useFetched } from '../../hooks';
import { errorText, type Lang, type MessageKey, useI18n } from '../../i18n';
import { atLeast } from '../../roles';
import { href } from '../../router';
import type { KitInfo, Me } from '../../types';
import { Results } from './Results';
import type { TrialDetail, UploadResult } from './types';

export function TrialView({ me, id }: { me: Me; kit: KitInfo; id: string }) {
  const { t, lang } = useI18n();
  const [version, setVersion] = useState(0);
  const trial = useFetched<TrialDetail>(`api/inspection/trials/${encodeURIComponent(id)}`, undefined, version);
  const [error, setError] = useState<string | null>(null);
  const fitting = trial.data?.status === 'fitting';
  useEffect(() => {
    if (!fitting) return;
    const timer = setInterval(() => setVersion((v) => v + 1), 1000);
    return () => clearInterval(timer);
  }, [fitting]);
  const manager = atLeast(me.role, 'manager');
  const act = async (change: () => Promise<unknown>) => {
    setError(null);
    try {
      await change();
    } catch (err) {
      setError(errorText(err, lang, t, 'app.error'));
    }
    setVersion((v) => v + 1);
  };
  const base = `api/inspection/trials/${encodeURIComponent(id)}`;

  return (
    <>
      <p>
        <a href={href.inspection()}>← {t('inspection.back')}</a>
      </p>
      <Async fetched={trial}>
        {(data) => (
          <>
            <section class="panel">
              <h1 class="page-title">
                {data.name}{' '}
                <span class={`trial-status status-${data.status}`} data-testid="trial-status">
                  {t(`inspection.status.${data.status}`)}
                </span>
              </h1>
              {(data.product || data.camera) && (
                <p class="muted">
                  {data.product} {data.camera && `· ${data.camera}`}
                </p>
              )}
              <p>{t('inspection.counts', countsText(countRoles(data), lang))}</p>
              {data.progress && (
                <div class="fit-progress" role="status" data-testid="fit-progress">
                  <progress max={1} value={data.progress.fraction} />
                  {t('inspection.progress', {
                    stage: t(`inspection.stage.${data.progress.stage}` as MessageKey),
                    percent: Math.round(data.progress.fraction * 100),
                  })}
                </div>
              )}
              {data.error && data.status !== 'fitting' && (
                <p class="form-error" role="alert">
                  {lang === 'en' ? data.error.message : data.error.messageJa}
                </p>
              )}
              {error && (
                <p class="form-error" role="alert">
                  {error}
                </p>
              )}
              <div class="actions">
                {manager && !fitting && (
                  <button
                    type="button"
                    class="button primary"
                    data-testid="trial-fit"
                    onClick={() => void act(() => api.post(`${base}/fit`))}
                  >
                    {data.fit ? t('inspection.refit') : t('inspection.fit')}
                  </button>
                )}
                {manager && fitting && (
                  <button type="button" class="button" onClick={() => void act(() => api.post(`${base}/cancel`))}>
                    {t('inspection.cancel')}
                  </button>
                )}
                {data.fit && (
                  <a class="button" href={apiUrl(`${base}/report.pdf`)} download={`inspection-${data.id}.pdf`} data-testid="trial-report">
                    {t('inspection.report')}
                  </a>
                )}
                {manager && (
                  <button
                    type="button"
                    class="button danger"
                    onClick={() =>
                      confirm(t('inspection.confirmDelete', { name: data.name })) &&
                      void api.del(base).then(() => {
                        location.hash = href.inspection();
                      })
                    }
                  >
                    {t('inspection.delete')}
                  </button>
                )}
              </div>
              {countRoles(data).ok < 5 && <p class="muted">{t('inspection.needImages')}</p>}
            </section>
            {manager && !fitting && <UploadPanel base={base} onDone={() => setVersion((v) => v + 1)} />}
            <Results trial={data} base={base} manager={manager} onChange={() => setVersion((v) => v + 1)} />
          </>
        )}
      </Async>
    </>
  );
}

/** A trial's image counts by role, grouped for reading. */
export const countsText = (counts: { ok: number; ng: number; test: number }, lang: Lang) => ({
  ok: formatCount(counts.ok, lang),
  ng: formatCount(counts.ng, lang),
  test: formatCount(counts.test, lang),
});

function countRoles(trial: TrialDetail) {
  return {
    ok: trial.images.filter((i) => i.role === 'ok').length,
    ng: trial.images.filter((i) => i.role === 'ng').length,
    test: trial.images.filter((i) => i.role === 'test').length,
  };
}

function UploadPanel({ base, onDone }: { base: string; onDone: () => void }) {
  const { t, lang } = useI18n();
  const [role, setRole] = useState<'ok' | 'ng' | 'test'>('ok');
  const [label, setLabel] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [done, setDone] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<{ added: number; refused: UploadResult['refused']; error: string | null } | null>(null);
  return (
    <section class="panel" aria-labelledby="inspection-upload">
      <h2 id="inspection-upload">{t('inspection.upload')}</h2>
      <p class="muted">{t('inspection.uploadHint')}</p>
      <form
        class="upload-form"
        onSubmit={async (e) => {
          e.preventDefault();
          // Read now: after the awaits below the event no longer has a currentTarget.
          const form = e.currentTarget;
          const result = { added: 0, refused: [] as UploadResult['refused'], error: null as string | null };
          setOutcome(null);
          // One file per request: a bad file is refused on its own, and the progress is real.
          for (const [i, file] of files.entries()) {
            setDone(i);
            try {
              const kind = fromFolders(file, role, label);
              const reply = await upload<UploadResult>(`${base}/images`, file, {
                role: kind.role,
                name: file.webkitRelativePath || file.name,
                ...(kind.label && kind.role === 'ng' ? { label: kind.label } : {}),
              });
              result.added += reply.added.length;
              result.refused.push(...reply.refused);
            } catch (err) {
              result.refused.push({
                file: file.name,
                code: 'ERROR',
                message: errorText(err, 'en', t, 'app.error'),
                messageJa: errorText(err, 'ja', t, 'app.error'),
              });
            }
          }
          setDone(null);
          setFiles([]);
          form.reset();
          setOutcome(result);
          onDone();
        }}
      >
        <label>
          {t('inspection.role')}
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as 'ok' | 'ng' | 'test')} data-testid="upload-role">
            <option value="ok">{t('inspection.role.ok')}</option>
            <option value="ng">{t('inspection.role.ng')}</option>
            <option value="test">{t('inspection.role.test')}</option>
          </select>
        </label>
        {role === 'ng' && (
          <label>
            {t('inspection.label')}
            <input maxLength={40} value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {t('inspection.files')}
          <input
            type="file"
            multiple
            accept=".jpg,.jpeg,.png,.zip,image/jpeg,image/png,application/zip"
            onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])}
            data-testid="upload-files"
          />
        </label>
        <label>
          {t('inspection.folder')}
          <input
            type="file"
            multiple
            {...{ webkitdirectory: '' }}
            onChange={(e) => setFiles([...(e.currentTarget.files ?? [])].filter((f) => /\.(jpe?g|png)$/i.test(f.name)))}
            data-testid="upload-folder"
          />
        </label>
        <button type="submit" class="button primary" disabled={files.length === 0 || done !== null} data-testid="upload-submit">
          {t('inspection.upload')}
        </button>
      </form>
      {done !== null && (
        <p role="status">
          <progress max={files.length} value={done} />{' '}
          {t('inspection.uploading', { done: formatCount(done, lang), total: formatCount(files.length, lang) })}
        </p>
      )}
      {outcome && (
        <div role="status" data-testid="upload-outcome">
          <p class="form-ok">{t('inspection.uploaded', { added: formatCount(outcome.added, lang) })}</p>
          {outcome.refused.length > 0 && (
            <div class="form-error">
              <p>{t('inspection.refused')}</p>
              <ul>
                {outcome.refused.map((r) => (
                  <li key={r.file}>{lang === 'en' ? r.message : r.messageJa}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

/** A file picked with its folder (…/ok/a.png, …/ng/scratch/b.png): the folders say its kind, as in a zip. */
function fromFolders(file: File, role: 'ok' | 'ng' | 'test', label: string): { role: 'ok' | 'ng' | 'test'; label: string } {
  const folders = (file.webkitRelativePath || '').split('/').slice(0, -1);
  const lower = folders.map((f) => f.toLowerCase());
  const ng = lower.findIndex((f) => f === 'ng' || f === 'defect');
  if (ng >= 0) return { role: 'ng', label: folders[ng + 1] ?? label };
  if (lower.some((f) => f === 'ok' || f === 'good')) return { role: 'ok', label: '' };
  return { role, label };
}

/** A fitted trial's judgment: both methods side by side, the sensitivity control, the hardest cases, and every image. */
import { useState } from 'preact/hooks';
import { api, apiUrl } from '../../api';
import { formatCount } from '../../format';
import { errorText, useI18n } from '../../i18n';
import type { Evaluation, TrialDetail, TrialImageInfo } from './types';

type View = 'heatmap' | 'template' | 'image';

export function Results({ trial, base, manager, onChange }: { trial: TrialDetail; base: string; manager: boolean; onChange: () => void }) {
  const { t, lang } = useI18n();
  const [view, setView] = useState<View>('heatmap');
  const fit = trial.fit;
  const byId = new Map(trial.images.map((image) => [image.id, image]));
  const picture = (image: TrialImageInfo, kind: View) =>
    apiUrl(`${base}/images/${image.id}/${image.score === null ? 'image' : kind}`, { v: trial.updatedAt });
  return (
    <>
      {fit && trial.thresholds && (
        <section class="panel" aria-labelledby="inspection-results" data-testid="inspection-results">
          <h2 id="inspection-results">{t('inspection.results')}</h2>
          <p class="muted">
            {t('inspection.heldOutNote', { n: fit.heldOutImages, rate: Math.round(fit.patchcore.falseRejectRate * 100) })}
          </p>
          {fit.patchcore.defects === 0 && <p class="muted">{t('inspection.noDefects')}</p>}
          <Metrics patchcore={fit.patchcore} template={fit.template} />
          {manager && <Sensitivity trial={trial} base={base} onChange={onChange} />}
          {Object.keys(fit.patchcore.aurocByLabel).length > 0 && (
            <>
              <h3>{t('inspection.byLabel')}</h3>
              <table class="metrics">
                <thead>
                  <tr>
                    <th scope="col" />
                    <th scope="col">{t('inspection.patchcore')}</th>
                    <th scope="col">{t('inspection.template')}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(fit.patchcore.aurocByLabel).map(([label, value]) => (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td>{num(value, t('inspection.noData'))}</td>
                      <td>{num(fit.template.aurocByLabel[label] ?? null, t('inspection.noData'))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <div class="hard-cases">
            <Gallery
              title={t('inspection.worstGood')}
              images={fit.patchcore.worstGood.map((s) => byId.get(s.id)).filter(isImage)}
              src={(i) => picture(i, 'heatmap')}
            />
            <Gallery
              title={t('inspection.bestHidden')}
              images={fit.patchcore.bestHiddenDefects.map((s) => byId.get(s.id)).filter(isImage)}
              src={(i) => picture(i, 'heatmap')}
            />
          </div>
        </section>
      )}
      {trial.images.length > 0 && (
        <section class="panel" aria-labelledby="inspection-images">
          <h2 id="inspection-images">
            {t('inspection.images')} ({formatCount(trial.images.length, lang)})
          </h2>
          <fieldset class="view-switch">
            <legend class="visually-hidden">{t('inspection.show')}</legend>
            {(['heatmap', 'template', 'image'] as const).map((v) => (
              <button
                key={v}
                type="button"
                class={v === view ? 'button primary' : 'button'}
                aria-pressed={v === view}
                onClick={() => setView(v)}
              >
                {t(`inspection.show.${v}`)}
              </button>
            ))}
          </fieldset>
          <ul class="image-grid" data-testid="image-grid">
            {[...trial.images]
              .sort((a, b) => (b.score ?? -1) - (a.score ?? -1))
              .map((image) => (
                <ImageCard
                  key={image.id}
                  image={image}
                  trial={trial}
                  src={picture(image, view)}
                  base={base}
                  manager={manager}
                  onChange={onChange}
                />
              ))}
          </ul>
        </section>
      )}
    </>
  );
}

const isImage = (image: TrialImageInfo | undefined): image is TrialImageInfo => image !== undefined;
const num = (value: number | null, none: string, digits = 3) => (value === null ? none : value.toFixed(digits));

function Metrics({ patchcore, template }: { patchcore: Evaluation; template: Evaluation }) {
  const { t } = useI18n();
  const none = t('inspection.noData');
  const share = (part: number, whole: number) => (whole === 0 ? none : `${part} / ${whole}`);
  const rows: [string, (e: Evaluation) => string][] = [
    [t('inspection.threshold'), (e) => e.threshold.toFixed(3)],
    [t('inspection.auroc'), (e) => num(e.auroc, none)],
    [t('inspection.detected'), (e) => share(e.confusion.truePositive, e.defects)],
    [t('inspection.missed'), (e) => share(e.confusion.falseNegative, e.defects)],
    [t('inspection.falseReject'), (e) => share(e.confusion.falsePositive, e.heldOutGood)],
    [t('inspection.trueAccept'), (e) => share(e.confusion.trueNegative, e.heldOutGood)],
  ];
  return (
    <table class="metrics" data-testid="metrics">
      <thead>
        <tr>
          <th scope="col">{t('inspection.method')}</th>
          <th scope="col">{t('inspection.patchcore')}</th>
          <th scope="col">{t('inspection.template')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value(patchcore)}</td>
            <td>{value(template)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Moves PatchCore's threshold over the range the scores span; the preview is computed here from the stored scores. */
function Sensitivity({ trial, base, onChange }: { trial: TrialDetail; base: string; onChange: () => void }) {
  const { t, lang } = useI18n();
  const fitted = trial.fit?.fittedThresholds.patchcore ?? 1;
  const current = trial.thresholds?.patchcore ?? fitted;
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const judged = trial.images.filter((i) => i.score !== null && i.use !== 'train' && i.role !== 'test');
  const defects = judged.filter((i) => i.role === 'ng');
  const good = judged.filter((i) => i.role === 'ok');
  const detected = defects.filter((i) => (i.score as number) > value).length;
  const rejected = good.filter((i) => (i.score as number) > value).length;
  const save = async (threshold: number | null) => {
    setError(null);
    try {
      const updated = await api.put<TrialDetail>(`${base}/threshold`, { patchcore: threshold });
      setValue(updated.thresholds?.patchcore ?? fitted);
      onChange();
    } catch (err) {
      setError(errorText(err, lang, t, 'app.error'));
    }
  };
  return (
    <div class="sensitivity">
      <label>
        {t('inspection.sensitivity')}: {value.toFixed(3)}
        <input
          type="range"
          min={(fitted * 0.5).toFixed(3)}
          max={(fitted * 1.5).toFixed(3)}
          step={(fitted / 200).toFixed(4)}
          value={value}
          onInput={(e) => setValue(Number(e.currentTarget.value))}
          data-testid="sensitivity"
        />
      </label>
      <p class="muted">{t('inspection.sensitivityHint')}</p>
      <p data-testid="sensitivity-preview">
        {t('inspection.preview', {
          detected: `${formatCount(detected, lang)} / ${formatCount(defects.length, lang)}`,
          rejected: `${formatCount(rejected, lang)} / ${formatCount(good.length, lang)}`,
        })}
      </p>
      <div class="actions">
        <button type="button" class="button primary" disabled={value === current} onClick={() => void save(value)}>
          {t('inspection.apply')}
        </button>
        <button type="button" class="button" disabled={current === fitted} onClick={() => void save(null)}>
          {t('inspection.reset')}
        </button>
      </div>
      {error && <p class="form-error">{error}</p>}
    </div>
  );
}

function Gallery({ title, images, src }: { title: string; images: TrialImageInfo[]; src: (image: TrialImageInfo) => string }) {
  const { t } = useI18n();
  if (images.length === 0) return null;
  return (
    <div class="gallery">
      <h3>{title}</h3>
      <ul class="image-grid">
        {images.map((image) => (
          <li key={image.id} class="image-card">
            <img src={src(image)} alt={image.name} loading="lazy" />
            <p>
              {image.label ?? t(`inspection.role.${image.role}`)} · {t('inspection.score', { score: num(image.score, '—') })}
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ImageCard(props: {
  image: TrialImageInfo;
  trial: TrialDetail;
  src: string;
  base: string;
  manager: boolean;
  onChange: () => void;
}) {
  const { image, trial } = props;
  const { t } = useI18n();
  const threshold = trial.thresholds?.patchcore;
  const verdict = image.score !== null && threshold !== undefined ? (image.score > threshold ? 'NG' : 'OK') : null;
  return (
    <li class={`image-card role-${image.role}`} data-testid="image-card">
      <img src={props.src} alt={image.name} loading="lazy" width={192} height={192} />
      <p class="image-name" title={image.name}>
        {image.name}
      </p>
      <p>
        <span class={`role role-${image.role}`}>{image.label ?? t(`inspection.role.${image.role}`)}</span>
        {image.use && <span class="muted"> · {t(`inspection.use.${image.use}`)}</span>}
      </p>
      {verdict && (
        <p>
          <span class={`verdict verdict-${verdict}`} data-testid="verdict">
            {verdict}
          </span>{' '}
          {t('inspection.score', { score: num(image.score, '—') })}
        </p>
      )}
      {props.manager && (
        <button
          type="button"
          class="button small"
          onClick={() => void api.del(`${props.base}/images/${image.id}`).then(props.onChange, props.onChange)}
        >
          {t('inspection.remove')}
        </button>
      )}
    </li>
  );
}

/** The inspection trial pages: the list of trials with the live stations, or one trial (#/inspection/<id>). */
import { useEffect, useState } from 'preact/hooks';
import { api, apiUrl } from '../../api';
import { Async } from '../../components/Async';
import { formatCount } from '../../format';
import { useFetched } from '../../hooks';
import { errorText, useI18n } from '../../i18n';
import { atLeast } from '../../roles';
import { href } from '../../router';
import type { KitInfo, Me } from '../../types';
import { countsText, TrialView } from './TrialView';
import type { Stations, TrialDetail, TrialListBody } from './types';
import './inspection.css';

export default function InspectionPage({ me, kit, id }: { me: Me; kit: KitInfo; id: string | null }) {
  if (id) return <TrialView me={me} kit={kit} id={id} />;
  return (
    <>
      <h1 class="page-title">{useI18n().t('inspection.title')}</h1>
      <TrialListPanel me={me} />
      <StationsPanel />
    </>
  );
}

function TrialListPanel({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const trials = useFetched<TrialListBody>('api/inspection/trials');
  return (
    <section class="panel" aria-labelledby="inspection-trials">
      <h2 id="inspection-trials">{t('inspection.trials')}</h2>
      <p>{t('inspection.intro')}</p>
      <Async fetched={trials}>
        {(body) =>
          body.trials.length === 0 ? (
            <p>{t('inspection.noTrials')}</p>
          ) : (
            <ul class="trial-list">
              {body.trials.map((trial) => (
                <li key={trial.id}>
                  <a href={href.inspection(trial.id)} data-testid={`trial-${trial.id}`}>
                    <strong>{trial.name}</strong>
                  </a>
                  <span class={`trial-status status-${trial.status}`}>{t(`inspection.status.${trial.status}`)}</span>
                  <span>{t('inspection.counts', countsText(trial.images, lang))}</span>
                  {trial.auroc !== null && <span>AUROC {trial.auroc.toFixed(3)}</span>}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
      {atLeast(me.role, 'manager') && <NewTrialForm />}
    </section>
  );
}

function NewTrialForm() {
  const { t, lang } = useI18n();
  const [name, setName] = useState('');
  const [product, setProduct] = useState('');
  const [camera, setCamera] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="trial-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const trial = await api.post<TrialDetail>('api/inspection/trials', { name, product, camera });
          location.hash = href.inspection(trial.id);
        } catch (err) {
          setError(errorText(err, lang, t, 'app.error'));
        }
      }}
    >
      <h3>{t('inspection.new')}</h3>
      <label>
        {t('inspection.name')}
        <input required maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="trial-name" />
      </label>
      <label>
        {t('inspection.product')}
        <input maxLength={120} value={product} onInput={(e) => setProduct(e.currentTarget.value)} />
      </label>
      <label>
        {t('inspection.camera')}
        <input maxLength={120} value={camera} onInput={(e) => setCamera(e.currentTarget.value)} />
      </label>
      <button type="submit" class="button primary" data-testid="trial-create">
        {t('inspection.create')}
      </button>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function StationsPanel() {
  const { t, lang } = useI18n();
  // Live: a part every few seconds at most, so polling every 3 s is plenty and costs the Pi nothing.
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 3000);
    return () => clearInterval(timer);
  }, []);
  const stations = useFetched<Stations>('api/inspection/stations', undefined, version);
  return (
    <section class="panel" aria-labelledby="inspection-stations">
      <h2 id="inspection-stations">{t('inspection.stations')}</h2>
      <Async fetched={stations}>
        {(body) =>
          body.stations.length === 0 ? (
            <p>{t('inspection.noStations')}</p>
          ) : (
            <div class="station-grid">
              {body.stations.map((station) => {
                const last = station.recent[0];
                return (
                  <article class="station" key={station.id}>
                    <h3>{lang === 'en' && station.nameEn ? station.nameEn : station.name}</h3>
                    <p class="station-counts">
                      {t('inspection.today', {
                        good: formatCount(station.goodToday, lang),
                        reject: formatCount(station.rejectToday, lang),
                      })}
                    </p>
                    {last ? (
                      <figure>
                        <img src={apiUrl(`api/inspection/stations/${station.id}/recent/${last.slot}`, { ts: last.ts })} alt={last.image} />
                        <figcaption>
                          <span class={`verdict verdict-${last.verdict}`}>{last.verdict}</span> {last.image} ·{' '}
                          {t('inspection.score', { score: last.score.toFixed(3) })}
                        </figcaption>
                      </figure>
                    ) : (
                      <p>{t('inspection.waiting')}</p>
                    )}
                    {station.lastError && (
                      <p class="form-error">{lang === 'en' ? station.lastError.message : station.lastError.messageJa}</p>
                    )}
                    <p class="muted small">{t('inspection.watch', { path: station.watch })}</p>
                  </article>
                );
              })}
            </div>
          )
        }
      </Async>
    </section>
  );
}

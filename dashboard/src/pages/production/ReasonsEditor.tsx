/** The admin's stop-reason list: rename, reorder, add, remove; saved to the kit file, where the kit checks it as a whole. */
import { useState } from 'preact/hooks';
import { errorText, useI18n } from '../../i18n';
import { type Reason, type Settings, saveReasonList } from './productionApi';

const blank = (): Reason => ({ id: '', name: '', nameEn: '', planned: false, note: false });

export function ReasonsEditor({ settings }: { settings: Settings }) {
  const { t, lang } = useI18n();
  const [list, setList] = useState<Reason[]>(() => settings.reasons.map((r) => ({ ...r, nameEn: r.nameEn ?? '' })));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const change = (i: number, patch: Partial<Reason>) => setList(list.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: number) => {
    const next = [...list];
    const [item] = next.splice(i, 1);
    if (item) next.splice(Math.max(0, Math.min(next.length, i + by)), 0, item);
    setList(next);
  };
  const save = async () => {
    setMessage(null);
    try {
      const saved = await saveReasonList(list.map(({ nameEn, ...r }) => ({ ...r, ...(nameEn ? { nameEn } : {}) })));
      setList(saved.reasons.map((r) => ({ ...r, nameEn: r.nameEn ?? '' })));
      setMessage({ ok: true, text: t('admin.saved') });
    } catch (e) {
      setMessage({ ok: false, text: errorText(e, lang, t, 'app.error') });
    }
  };
  return (
    <section class="panel" aria-labelledby="production-reasons">
      <h2 id="production-reasons">{t('prod.reasons.title')}</h2>
      <p class="help-text">{t('prod.reasons.intro')}</p>
      <ol class="reason-rows">
        {list.map((r, i) => (
          <li key={i} class="reason-row">
            <label>
              ID
              <input value={r.id} size={10} onInput={(e) => change(i, { id: e.currentTarget.value })} />
            </label>
            <label>
              {t('prod.reasons.name')}
              <input value={r.name} size={12} onInput={(e) => change(i, { name: e.currentTarget.value })} />
            </label>
            <label>
              {t('prod.reasons.nameEn')}
              <input value={r.nameEn ?? ''} size={16} onInput={(e) => change(i, { nameEn: e.currentTarget.value })} />
            </label>
            <label class="check">
              <input type="checkbox" checked={r.planned} onChange={(e) => change(i, { planned: e.currentTarget.checked })} />
              {t('prod.reasons.planned')}
            </label>
            <label class="check">
              <input type="checkbox" checked={r.note} onChange={(e) => change(i, { note: e.currentTarget.checked })} />
              {t('prod.reasons.note')}
            </label>
            <span class="reason-row-actions">
              <button type="button" onClick={() => move(i, -1)} aria-label={t('prod.reasons.up')} disabled={i === 0}>
                ↑
              </button>
              <button type="button" onClick={() => move(i, 1)} aria-label={t('prod.reasons.down')} disabled={i === list.length - 1}>
                ↓
              </button>
              <button type="button" onClick={() => setList(list.filter((_, j) => j !== i))} aria-label={t('prod.reasons.remove')}>
                ✕
              </button>
            </span>
          </li>
        ))}
      </ol>
      <p class="inline-form">
        <button type="button" class="button" onClick={() => setList([...list, blank()])}>
          {t('prod.reasons.add')}
        </button>
        <button type="button" class="button primary" onClick={() => void save()} data-testid="reasons-save">
          {t('prod.save')}
        </button>
      </p>
      {message && (
        <p class={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
    </section>
  );
}

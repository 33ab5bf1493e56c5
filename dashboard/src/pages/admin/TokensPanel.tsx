/** API tokens for integrators, or kiosk links for wall tablets (with a QR code to scan): issue, show the secret once, revoke. */
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { QrCode } from '../../components/QrCode';
import { formatTime } from '../../format';
import { useFetched } from '../../hooks';
import { errorText, useI18n } from '../../i18n';
import type { Role } from '../../types';
import { type CreatedToken, type TokenRow, tokensFrom, toMs } from './adminApi';
import { RoleSelect } from './UsersPanel';

export function TokensPanel({ kind, timeZone }: { kind: TokenRow['kind']; timeZone: string }) {
  const { t, lang } = useI18n();
  const [version, setVersion] = useState(0);
  const tokens = useFetched<unknown>('api/admin/tokens', undefined, version);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const title = kind === 'kiosk' ? t('admin.kioskLinks') : t('admin.tokens');
  const when = (v: number | string | null | undefined) => {
    const ms = toMs(v);
    return ms === null ? t('app.noValue') : formatTime(ms, timeZone, lang, 'dateTime');
  };

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      // A kiosk is always a viewer; only API tokens carry a chosen role.
      setCreated(await api.post<CreatedToken>('api/admin/tokens', kind === 'kiosk' ? { kind, name } : { kind, name, role }));
      setName('');
      setVersion((v) => v + 1);
    } catch (err) {
      setError(errorText(err, lang, t, 'app.error'));
    }
  };

  const revoke = async (token: TokenRow) => {
    if (!confirm(t('admin.confirmRevoke', { name: token.name }))) return;
    setError(null);
    try {
      await api.del(`api/admin/tokens/${encodeURIComponent(token.id)}`);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(errorText(err, lang, t, 'app.error'));
    }
  };

  return (
    <section class="panel" aria-labelledby={`admin-${kind}`}>
      <h2 id={`admin-${kind}`}>{title}</h2>
      <Async fetched={tokens}>
        {(body) => {
          const list = tokensFrom(body).filter((x) => x.kind === kind);
          return list.length === 0 ? (
            <p>{t('admin.none')}</p>
          ) : (
            <table class="admin-table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('admin.role')}</th>
                  <th scope="col">{t('admin.created')}</th>
                  <th scope="col">{t('admin.lastUsed')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('admin.revoke')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((token) => (
                  <tr key={token.id}>
                    <td>{token.name}</td>
                    <td>{token.role ? t(`role.${token.role}`) : ''}</td>
                    <td>{when(token.createdAt)}</td>
                    <td>{when(token.lastUsedAt)}</td>
                    <td>
                      <div class="actions">
                        <button type="button" class="button danger" onClick={() => void revoke(token)}>
                          {t('admin.revoke')}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {created && <CreatedSecret token={created} kind={kind} onClose={() => setCreated(null)} />}
      <form class="inline-form add-form" onSubmit={create}>
        <label>
          {t('admin.name')}
          <input required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        {kind === 'api' && <RoleSelect value={role} onChange={setRole} />}
        <button type="submit" class="button primary">
          {t('admin.create')}
        </button>
      </form>
    </section>
  );
}

/** The secret and, for a kiosk, its link and QR code: shown once, right after creation. */
function CreatedSecret({ token, kind, onClose }: { token: CreatedToken; kind: TokenRow['kind']; onClose: () => void }) {
  const { t } = useI18n();
  // The gateway may not know the public base behind a proxy: a relative link is resolved against this page's base.
  const url = kind === 'kiosk' && token.url ? new URL(token.url, document.baseURI).href : null;
  const select = (e: Event) => (e.currentTarget as HTMLInputElement).select();
  return (
    <div class="created-secret" role="status">
      <p>
        <strong>{t('admin.secretOnce')}</strong>
      </p>
      {token.secret && (
        <label>
          {t('admin.secret')}
          <input readOnly value={token.secret} onFocus={select} class="mono" />
        </label>
      )}
      {url && (
        <>
          <label>
            {t('admin.kioskUrl')}
            <input readOnly value={url} onFocus={select} class="mono" />
          </label>
          <QrCode text={url} label={t('admin.kioskUrl')} />
          <p>{t('admin.kioskQr')}</p>
        </>
      )}
      <button type="button" class="button secondary" onClick={onClose}>
        {t('admin.close')}
      </button>
    </div>
  );
}

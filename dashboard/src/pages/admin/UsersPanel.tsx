/** Users: list, add, remove, and set a new password (the admin tells it to the user; there is no e-mail on a closed LAN). */
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { useFetched } from '../../hooks';
import { errorText, useI18n } from '../../i18n';
import type { Me, Role } from '../../types';
import { ROLES, setPassword, setRole, usersFrom } from './adminApi';

export function UsersPanel({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const [version, setVersion] = useState(0);
  const users = useFetched<unknown>('api/admin/users', undefined, version);
  const [resetFor, setResetFor] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  /** Every change: run it, say how it went, and reload the list. */
  const act = async (change: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await change();
      setMessage({ ok: true, text: t('admin.saved') });
      setResetFor(null);
      setVersion((v) => v + 1);
      return true;
    } catch (e) {
      setMessage({ ok: false, text: errorText(e, lang, t, 'app.error') });
      return false;
    }
  };

  return (
    <section class="panel" aria-labelledby="admin-users">
      <h2 id="admin-users">{t('admin.users')}</h2>
      <Async fetched={users}>
        {(body) => {
          const list = usersFrom(body);
          return list.length === 0 ? (
            <p>{t('admin.none')}</p>
          ) : (
            <table class="admin-table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.username')}</th>
                  <th scope="col">{t('admin.role')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('admin.resetPassword')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <tr key={u.username}>
                    <td>
                      {u.username} {u.username === me.username && t('admin.you')}
                    </td>
                    <td>
                      {u.role && u.username !== me.username ? (
                        <RoleSelect value={u.role} onChange={(role) => void act(() => setRole(u.username, role))} hideLabel />
                      ) : u.role ? (
                        t(`role.${u.role}`)
                      ) : (
                        ''
                      )}
                    </td>
                    <td>
                      <div class="actions">
                        {resetFor === u.username ? (
                          <PasswordForm
                            onSave={(password) => act(() => setPassword(u.username, password))}
                            onCancel={() => setResetFor(null)}
                          />
                        ) : (
                          <>
                            <button type="button" class="button secondary" onClick={() => setResetFor(u.username)}>
                              {t('admin.resetPassword')}
                            </button>
                            <button
                              type="button"
                              class="button danger"
                              disabled={u.username === me.username}
                              onClick={() =>
                                confirm(t('admin.confirmRemoveUser', { name: u.username })) &&
                                void act(() => api.del(`api/admin/users/${encodeURIComponent(u.username)}`))
                              }
                            >
                              {t('admin.remove')}
                            </button>
                          </>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
      {message && (
        <p class={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <AddUserForm onAdd={(user) => act(() => api.post('api/admin/users', user))} />
    </section>
  );
}

function PasswordForm({ onSave, onCancel }: { onSave: (password: string) => Promise<boolean>; onCancel: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(password);
      }}
    >
      <label>
        {t('admin.newPassword')}
        <input type="password" autocomplete="new-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <button type="submit" class="button primary">
        {t('admin.save')}
      </button>
      <button type="button" class="button secondary" onClick={onCancel}>
        {t('admin.cancel')}
      </button>
    </form>
  );
}

function AddUserForm({ onAdd }: { onAdd: (user: { username: string; password: string; role: Role }) => Promise<boolean> }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  return (
    <form
      class="inline-form add-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onAdd({ username, password, role })) {
          setUsername('');
          setPassword('');
        }
      }}
    >
      <label>
        {t('admin.username')}
        <input
          autocomplete="off"
          autocapitalize="none"
          required
          maxLength={64}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        {t('admin.password')}
        <input type="password" autocomplete="new-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <RoleSelect value={role} onChange={setRole} />
      <button type="submit" class="button primary">
        {t('admin.addUser')}
      </button>
    </form>
  );
}

export function RoleSelect({ value, onChange, hideLabel }: { value: Role; onChange: (role: Role) => void; hideLabel?: boolean }) {
  const { t } = useI18n();
  return (
    <label>
      <span class={hideLabel ? 'visually-hidden' : undefined}>{t('admin.role')}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as Role)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`role.${r}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

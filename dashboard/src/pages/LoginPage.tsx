/** The login form (or, on a kit with no user yet, the first-admin setup form), with errors in the chosen language. */
import { useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useFetched } from '../hooks';
import { errorText, useI18n } from '../i18n';
import { signedIn } from '../session';
import type { Me } from '../types';

export function LoginPage({ expired }: { expired: boolean }) {
  const { t, lang } = useI18n();
  // A freshly wiped kit has no user: the first admin is made with the one-time code the gateway prints on its console.
  const setup = useFetched<{ setupRequired?: boolean }>('api/auth/setup');
  const setupMode = setup.data?.setupRequired === true;
  const [code, setCode] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = setupMode ? { code, username, password } : { username, password };
      signedIn(await request<Me>('POST', setupMode ? 'api/auth/setup' : 'api/auth/login', { body, authProbe: true }));
    } catch (err) {
      setError(err);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  let message: string | null = null;
  if (error instanceof ApiError && error.status === 429) {
    message = error.retryAfterS ? t('login.rateLimited', { s: Math.ceil(error.retryAfterS) }) : t('login.rateLimitedLater');
  } else if (error) {
    message = errorText(error, lang, t, setupMode ? 'app.error' : 'login.failed');
  } else if (expired) {
    message = t('login.expired');
  }

  return (
    <main class="login">
      <div class="login-lang">
        <LanguageSwitch />
      </div>
      <form class="panel login-form" onSubmit={submit}>
        <h1>{setupMode ? t('setup.title') : t('login.title')}</h1>
        <p class="login-app">{setupMode ? t('setup.intro') : t('app.title')}</p>
        {setupMode && (
          <label>
            {t('setup.code')}
            <input
              name="code"
              autocomplete="one-time-code"
              autocapitalize="none"
              spellcheck={false}
              required
              maxLength={32}
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          {t('login.username')}
          <input
            data-testid="login-username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={64}
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            data-testid="login-password"
            name="password"
            type="password"
            autocomplete={setupMode ? 'new-password' : 'current-password'}
            required
            maxLength={256}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {message && (
          <p class="form-error" role="alert" data-testid="login-error">
            {message}
          </p>
        )}
        <button type="submit" class="button primary" data-testid="login-submit" disabled={busy}>
          {setupMode ? t('setup.submit') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}

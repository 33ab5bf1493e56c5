/** Loading, error or content for a fetched resource, worded the same on every page. */
import type { ComponentChildren } from 'preact';
import type { Fetched } from '../hooks';
import { errorText, useI18n } from '../i18n';

export function Async<T>({ fetched, children }: { fetched: Fetched<T>; children: (data: T) => ComponentChildren }) {
  const { t, lang } = useI18n();
  if (fetched.error) return <p class="form-error">{t('app.loadFailed', { message: errorText(fetched.error, lang, t, 'app.error') })}</p>;
  if (fetched.data === null) return <p class="loading">{t('chart.loading')}</p>;
  return <div class={fetched.loading ? 'refreshing' : undefined}>{children(fetched.data)}</div>;
}

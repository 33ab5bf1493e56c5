/** A page loaded on first use, so the tablet's overview starts without the chart and QR code libraries. */
import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n';

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): FunctionComponent<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function LazyPage(props: P) {
    const { t } = useI18n();
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Component) return;
      pending ??= load();
      pending.then(
        (c) => {
          loaded = c;
          setComponent(() => c);
        },
        () => {
          // A kit updated while this page was open no longer has the old chunk: a reload fetches the new one.
          pending = null;
          setFailed(true);
        },
      );
    }, []);
    if (Component) return <Component {...props} />;
    if (failed)
      return (
        <p class="panel">
          {t('app.loadFailed', { message: t('app.error') })}{' '}
          <button type="button" class="button" onClick={() => location.reload()}>
            {t('app.reload')}
          </button>
        </p>
      );
    return <p class="loading">{t('app.loading')}</p>;
  };
}

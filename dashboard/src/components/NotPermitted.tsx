/** What a page shows when its URL is opened by a role (or a kiosk) that may not use it. */
import { useI18n } from '../i18n';
import { href } from '../router';
import type { Role } from '../types';

export function NotPermitted({ role }: { role: Role }) {
  const { t } = useI18n();
  return (
    <section class="panel not-permitted" data-testid="not-permitted">
      <h1>{t('notPermitted.title')}</h1>
      <p>{t('notPermitted.detail', { role: t(`role.${role}`) })}</p>
      <p>
        <a class="button" href={href.overview}>
          {t('notPermitted.back')}
        </a>
      </p>
    </section>
  );
}

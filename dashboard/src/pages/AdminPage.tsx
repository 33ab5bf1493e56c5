/** The admin page: users, API tokens and kiosk links; loaded on first use because only an admin ever opens it. */
import { useI18n } from '../i18n';
import type { KitInfo, Me } from '../types';
import { TokensPanel } from './admin/TokensPanel';
import { UsersPanel } from './admin/UsersPanel';

export default function AdminPage({ me, kit }: { me: Me; kit: KitInfo }) {
  const { t } = useI18n();
  return (
    <>
      <h1 class="page-title">{t('admin.title')}</h1>
      <UsersPanel me={me} />
      <TokensPanel kind="kiosk" timeZone={kit.timeZone} />
      <TokensPanel kind="api" timeZone={kit.timeZone} />
    </>
  );
}

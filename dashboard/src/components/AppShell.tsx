/** The frame of every signed-in page: alarm slot, connection banner, header with menu and language, then the page. */
import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n';
import { mayOpen } from '../roles';
import { href, type Page } from '../router';
import { logout } from '../session';
import type { KitInfo, Me } from '../types';
import { AlarmAlertSwitch } from './AlarmAlertSwitch';
import { AlarmBanner } from './AlarmBanner';
import { ClockWarning } from './ClockWarning';
import { ConnectionBanner } from './ConnectionBanner';
import { KitStatus } from './KitStatus';
import { LanguageSwitch } from './LanguageSwitch';

interface Props {
  me: Me;
  kit: KitInfo;
  page: Page;
  children: ComponentChildren;
}

export function AppShell({ me, kit, page, children }: Props) {
  const { t } = useI18n();
  const items: { page: Page; href: string; label: string; testId: string }[] = [
    { page: 'overview', href: href.overview, label: t('nav.overview'), testId: 'nav-overview' },
    ...(kit.zones.length > 0
      ? [{ page: 'environment' as const, href: href.environment(), label: t('nav.environment'), testId: 'nav-environment' }]
      : []),
    { page: 'stops', href: href.stops(), label: t('nav.stops'), testId: 'nav-stops' },
    { page: 'production', href: href.production, label: t('nav.production'), testId: 'nav-production' },
    { page: 'alarms', href: href.alarms(), label: t('nav.alarms'), testId: 'nav-alarms' },
    { page: 'export', href: href.export, label: t('nav.export'), testId: 'nav-export' },
    { page: 'inspection', href: href.inspection(), label: t('nav.inspection'), testId: 'nav-inspection' },
    { page: 'admin', href: href.admin, label: t('nav.admin'), testId: 'nav-admin' },
    { page: 'doctor', href: href.doctor, label: t('nav.doctor'), testId: 'nav-doctor' },
  ];
  return (
    <>
      <AlarmBanner me={me} kit={kit} />
      <ConnectionBanner />
      <ClockWarning me={me} />
      <header class="topbar">
        <p class="site">
          <span class="site-name">{kit.site}</span>
          {me.kiosk && <span class="kiosk-tag">{t('nav.kiosk')}</span>}
          {kit.demo && (
            <span class="kiosk-tag demo-tag" data-testid="demo-tag" title={t('demo.note')}>
              {t('demo.tag')}
            </span>
          )}
        </p>
        <nav class="menu" aria-label={t('nav.label')}>
          <ul>
            {items
              .filter((item) => mayOpen(me, item.page))
              .map((item) => (
                <li key={item.page}>
                  <a href={item.href} data-testid={item.testId} aria-current={item.page === page ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="session">
          <AlarmAlertSwitch />
          <LanguageSwitch />
          {!me.kiosk && (
            <>
              <span class="user">{t('nav.user', { user: me.username, role: t(`role.${me.role}`) })}</span>
              <button type="button" class="button secondary" onClick={() => void logout()}>
                {t('nav.logout')}
              </button>
            </>
          )}
        </div>
      </header>
      <KitStatus />
      <main id="main" class={`page page-${page}`}>
        {children}
      </main>
    </>
  );
}

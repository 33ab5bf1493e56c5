/** The whole dashboard: session check, login, then the signed-in frame with the page the hash route names. */
import { useEffect } from 'preact/hooks';
import { AppShell } from './components/AppShell';
import { lazyPage } from './components/Lazy';
import { NotPermitted } from './components/NotPermitted';
import { useFetched } from './hooks';
import { adoptKitLocale, errorText, useI18n } from './i18n';
import { startLive, stopLive } from './live';
import { ExportPage } from './pages/ExportPage';
import { LoginPage } from './pages/LoginPage';
import { OverviewPage } from './pages/OverviewPage';
import { mayOpen, PAGE_ROLE } from './roles';
import { type Route, routeStore } from './router';
import { checkSession, sessionStore } from './session';
import { useStore } from './store';
import type { KitInfo, Me } from './types';

// Charts (uPlot) and QR codes load with the pages that use them; the tablet's overview needs neither.
const MachinePage = lazyPage(() => import('./pages/MachinePage').then((m) => m.default));
const EnvironmentPage = lazyPage(() => import('./pages/EnvironmentPage').then((m) => m.default));
const AlarmsPage = lazyPage(() => import('./pages/AlarmsPage').then((m) => m.default));
const AdminPage = lazyPage(() => import('./pages/AdminPage').then((m) => m.default));
const DoctorPage = lazyPage(() => import('./pages/DoctorPage').then((m) => m.default));
const CalibrationPage = lazyPage(() => import('./pages/CalibrationPage').then((m) => m.default));
const InspectionPage = lazyPage(() => import('./pages/inspection/InspectionPage').then((m) => m.default));
const StopsPage = lazyPage(() => import('./pages/production/StopsPage').then((m) => m.default));
const BoardPage = lazyPage(() => import('./pages/production/BoardPage').then((m) => m.default));
const ProductionPage = lazyPage(() => import('./pages/production/ProductionPage').then((m) => m.default));

export function App() {
  const session = useStore(sessionStore);
  const { t, lang } = useI18n();
  useEffect(() => {
    void checkSession();
  }, []);
  switch (session.status) {
    case 'checking':
      return <p class="loading">{t('app.loading')}</p>;
    case 'failed':
      return (
        <main class="login">
          <p class="panel form-error">
            {t('app.loadFailed', { message: errorText(session.error, lang, t, 'app.error') })}{' '}
            <button type="button" class="button" onClick={() => void checkSession()}>
              {t('app.retry')}
            </button>
          </p>
        </main>
      );
    case 'signedOut':
      return <LoginPage expired={session.expired} />;
    case 'signedIn':
      return <SignedIn me={session.me} />;
  }
}

function SignedIn({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const route = useStore(routeStore);
  const kit = useFetched<KitInfo>('api/kit');
  useEffect(() => {
    startLive();
    return stopLive;
  }, []);
  useEffect(() => {
    if (!kit.data) return;
    adoptKitLocale(kit.data.locale);
    document.title = `${kit.data.site} — Minotake`;
  }, [kit.data]);

  if (!kit.data) {
    return kit.error ? (
      <main class="login">
        <p class="panel form-error">
          {t('app.loadFailed', { message: errorText(kit.error, lang, t, 'app.error') })}{' '}
          <button type="button" class="button" onClick={() => location.reload()}>
            {t('app.retry')}
          </button>
        </p>
      </main>
    ) : (
      <p class="loading">{t('app.loading')}</p>
    );
  }
  return (
    <AppShell me={me} kit={kit.data} page={route.page}>
      <PageFor route={route} me={me} kit={kit.data} />
    </AppShell>
  );
}

function PageFor({ route, me, kit }: { route: Route; me: Me; kit: KitInfo }) {
  // Hidden from the menu is not enough: a bookmarked or typed URL lands here too.
  if (!mayOpen(me, route.page)) return <NotPermitted role={PAGE_ROLE[route.page]} />;
  switch (route.page) {
    case 'overview':
      return <OverviewPage kit={kit} />;
    case 'machine':
      return <MachinePage kit={kit} id={route.id} />;
    case 'environment':
      return <EnvironmentPage kit={kit} id={route.id} />;
    case 'alarms':
      return <AlarmsPage kit={kit} id={route.id} />;
    case 'export':
      return <ExportPage kit={kit} />;
    case 'admin':
      return <AdminPage me={me} kit={kit} />;
    case 'doctor':
      return <DoctorPage me={me} kit={kit} />;
    case 'calibration':
      return <CalibrationPage me={me} kit={kit} id={route.id} />;
    case 'inspection':
      return <InspectionPage me={me} kit={kit} id={route.id} />;
    case 'stops':
      return <StopsPage me={me} kit={kit} id={route.id} />;
    case 'board':
      return <BoardPage me={me} kit={kit} id={route.id} />;
    case 'production':
      return <ProductionPage me={me} kit={kit} />;
  }
}

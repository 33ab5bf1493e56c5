/** Hash routes (#/machine/lathe-1): the gateway serves one index.html and needs no routes of its own for the dashboard's pages. */
import { createStore } from './store';

export type Route =
  | { page: 'overview' }
  | { page: 'machine'; id: string }
  | { page: 'environment'; id: string | null }
  | { page: 'alarms'; id: string | null }
  | { page: 'export' }
  | { page: 'admin' }
  | { page: 'doctor' }
  | { page: 'calibration'; id: string | null }
  | { page: 'inspection'; id: string | null }
  | { page: 'stops'; id: string | null }
  | { page: 'board'; id: string | null }
  | { page: 'production' };

export type Page = Route['page'];

export function parseHash(hash: string): Route {
  // `#/alarms?id=<id>`: notification messages link to one alarm in the history.
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const [, page = '', rawId] = path.split('/');
  let id: string | null = null;
  try {
    id = rawId ? decodeURIComponent(rawId) : null;
  } catch {}
  if (page === 'alarms') return { page, id: new URLSearchParams(search).get('id') || null };
  if (page === 'machine' && id) return { page, id };
  if (page === 'environment') return { page, id };
  if (page === 'export' || page === 'admin') return { page };
  if (page === 'doctor') return { page };
  if (page === 'calibration') return { page, id };
  if (page === 'inspection') return { page, id };
  if (page === 'stops' || page === 'board') return { page, id };
  if (page === 'production') return { page };
  return { page: 'overview' };
}

export const routeStore = createStore<Route>(parseHash(location.hash));
window.addEventListener('hashchange', () => {
  routeStore.set(parseHash(location.hash));
  window.scrollTo(0, 0);
});

export const href = {
  overview: '#/',
  machine: (id: string) => `#/machine/${encodeURIComponent(id)}`,
  environment: (id?: string) => (id ? `#/environment/${encodeURIComponent(id)}` : '#/environment'),
  alarms: (id?: string) => (id ? `#/alarms?id=${encodeURIComponent(id)}` : '#/alarms'),
  export: '#/export',
  admin: '#/admin',
  doctor: '#/doctor',
  calibration: (id?: string) => (id ? `#/calibration/${encodeURIComponent(id)}` : '#/calibration'),
  inspection: (id?: string) => (id ? `#/inspection/${encodeURIComponent(id)}` : '#/inspection'),
  stops: (id?: string) => (id ? `#/stops/${encodeURIComponent(id)}` : '#/stops'),
  board: (id?: string) => (id ? `#/board/${encodeURIComponent(id)}` : '#/board'),
  production: '#/production',
};

/** Who is signed in: asked once at start, set by the login page, cleared by logout or by any 401 from the API. */
import { ApiError, api, onSessionLost, request, setCsrfToken } from './api';
import { createStore } from './store';
import type { Me } from './types';

export type Session =
  | { status: 'checking' }
  | { status: 'signedOut'; expired: boolean }
  | { status: 'signedIn'; me: Me }
  | { status: 'failed'; error: ApiError };

export const sessionStore = createStore<Session>({ status: 'checking' });

export function signedIn(me: Me): void {
  setCsrfToken(me.csrfToken);
  sessionStore.set({ status: 'signedIn', me });
}

function signedOut(expired: boolean): void {
  setCsrfToken(null);
  sessionStore.set({ status: 'signedOut', expired });
}

onSessionLost(() => {
  if (sessionStore.get().status === 'signedIn') signedOut(true);
});

export async function checkSession(): Promise<void> {
  sessionStore.set({ status: 'checking' });
  try {
    signedIn(await request<Me>('GET', 'api/auth/me', { authProbe: true }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signedOut(false);
    else sessionStore.set({ status: 'failed', error: e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e), null) });
  }
}

export async function logout(): Promise<void> {
  try {
    await api.post('api/auth/logout');
  } catch {
    // The cookie may already be gone; the user still expects to be logged out here.
  }
  signedOut(false);
}

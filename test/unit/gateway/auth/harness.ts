/** A small app with the auth plugin, auth and admin routes, and one test route per access level, over a real temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse, LogController } from 'fastify';
import { Sessions } from '../../../../gateway/auth/sessions.js';
import { AuthStore } from '../../../../gateway/auth/store.js';
import { authPlugin, SESSION_COOKIE } from '../../../../gateway/http/plugins/auth.js';
import { adminRoutes } from '../../../../gateway/http/routes/admin.js';
import { authRoutes } from '../../../../gateway/http/routes/auth.js';
import type { Access, Role } from '../../../../gateway/http/schemas.js';
import { testLog } from '../../../helpers/log.js';

export const ACCESS_LEVELS: Access[] = ['public', 'viewer', 'operator', 'manager', 'admin'];
export const ROLES: Role[] = ['viewer', 'operator', 'manager', 'admin'];
/** Long enough for the 10-character rule; one per role so that a leak in a log or file is easy to spot. */
export const PASSWORDS: Record<Role, string> = {
  viewer: 'viewer-pass-0001',
  operator: 'operator-pass-0002',
  manager: 'manager-pass-0003',
  admin: 'admin-pass-0004',
};
export const T0 = Date.UTC(2025, 5, 2, 0, 0, 0);

export interface Kit {
  app: FastifyInstance;
  store: AuthStore;
  sessions: Sessions;
  clock: { now: number };
  dir: string;
  /** A new app over the same data folder, as after a restart (sessions are gone, files are not). */
  restart(): Promise<Kit>;
  close(): Promise<void>;
}

export interface KitOptions {
  basePath?: string;
  secureCookies?: boolean;
  log?: FastifyBaseLogger;
  /** Keep fastify's per-request log lines (off in the kit itself), to prove they hold no secrets either. */
  requestLogging?: boolean;
  dir?: string;
  /** More routes, registered after the auth plugin and before ready. */
  extra?: (app: FastifyInstance) => Promise<void>;
}

export async function makeKit(options: KitOptions = {}): Promise<Kit> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'minotake-auth-'));
  const clock = { now: T0 };
  const now = () => clock.now;
  const store = new AuthStore(join(dir, 'auth'), { now });
  const sessions = new Sessions({ now });
  const app = Fastify({
    loggerInstance: options.log ?? testLog,
    logController: new LogController({ disableRequestLogging: !options.requestLogging }),
  });
  const pluginOptions = { store, sessions, basePath: options.basePath ?? '/', secureCookies: options.secureCookies ?? false };
  await app.register(authPlugin, pluginOptions);
  await app.register(authRoutes, pluginOptions);
  await app.register(adminRoutes, pluginOptions);
  for (const access of ACCESS_LEVELS) {
    app.get(`/test/${access}`, { config: { access } }, async (request) => ({ ok: true, principal: request.principal ?? null }));
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url: `/test/${access}`,
      config: { access },
      handler: async () => ({ ok: true }),
    });
  }
  app.get('/test/unmarked', async () => ({ ok: true }));
  app.post('/test/unmarked', async () => ({ ok: true }));
  if (options.extra) await options.extra(app);
  await app.ready();
  const kit: Kit = {
    app,
    store,
    sessions,
    clock,
    dir,
    restart: async () => {
      await app.close();
      return makeKit({ ...options, dir });
    },
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return kit;
}

/** One user per role, added straight to the store. */
export function addRoleUsers(store: AuthStore): void {
  for (const role of ROLES) store.addUser(role, PASSWORDS[role], role);
}

export interface Login {
  response: LightMyRequestResponse;
  cookie: string;
  csrf: string;
}

export async function login(app: FastifyInstance, username: string, password: string, remoteAddress = '127.0.0.1'): Promise<Login> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)?.value ?? '';
  const csrf = response.statusCode === 200 ? (response.json() as { csrfToken: string }).csrfToken : '';
  return { response, cookie, csrf };
}

export function withSession(session: Login, csrf = true) {
  return { cookies: { [SESSION_COOKIE]: session.cookie }, headers: csrf ? { 'x-csrf-token': session.csrf } : {} };
}

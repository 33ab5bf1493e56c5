/** The HTTP API's gatekeeper: finds the session cookie or API token behind each request and checks it against the route's access. */
import { timingSafeEqual } from 'node:crypto';
import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, authErrors } from '../../auth/errors.js';
import { mayAccess, type Principal } from '../../auth/principal.js';
import { liveSession, type Session, type Sessions } from '../../auth/sessions.js';
import type { AuthStore } from '../../auth/store.js';
import type { Access } from '../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set for every route whose access is not `public`. */
    principal?: Principal;
    /** The cookie session behind the request, when it came with one. */
    authSession?: Session;
  }
  interface FastifyContextConfig {
    /** Who may call the route; a route without it is admin-only (secure by default). */
    access?: Access;
    /** On a public route: still find out who is asking (request.principal), for an answer that tells a signed-in caller more. */
    identify?: boolean;
  }
}

export const SESSION_COOKIE = 'minotake_session';

export interface AuthPluginOptions {
  store: AuthStore;
  sessions: Sessions;
  /** The path the dashboard is served under as the browser sees it, e.g. `/` or `/minotake/`: the cookie's Path. */
  basePath: string;
  /** Set under TLS: the cookie then only travels over HTTPS. */
  secureCookies: boolean;
}

/** Methods that change nothing need no CSRF token; everything else does, not only the four usual ones. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A kiosk cookie is kept by the browser as long as browsers allow; the server's 30-day sliding expiry is what counts. */
const KIOSK_COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60;

export function normalizeBasePath(basePath: string): string {
  let path = basePath.trim() || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  if (!path.endsWith('/')) path = `${path}/`;
  return path;
}

export function sessionCookieOptions(opts: Pick<AuthPluginOptions, 'basePath' | 'secureCookies'>, kiosk: boolean): CookieSerializeOptions {
  return {
    path: normalizeBasePath(opts.basePath),
    httpOnly: true,
    sameSite: 'strict',
    secure: opts.secureCookies,
    // A person's cookie lasts as long as the browser session (and at most 12 h on the server); a wall tablet's survives reboots.
    ...(kiosk ? { maxAge: KIOSK_COOKIE_MAX_AGE_S } : {}),
  };
}

export function setSessionCookie(reply: FastifyReply, opts: Pick<AuthPluginOptions, 'basePath' | 'secureCookies'>, session: Session): void {
  reply.setCookie(SESSION_COOKIE, session.id, sessionCookieOptions(opts, session.kiosk));
}

export function clearSessionCookie(reply: FastifyReply, opts: Pick<AuthPluginOptions, 'basePath' | 'secureCookies'>): void {
  const { maxAge: _maxAge, ...options } = sessionCookieOptions(opts, false);
  reply.clearCookie(SESSION_COOKIE, options);
}

export function principalOfSession(session: Session): Principal {
  return {
    username: session.username,
    role: session.role,
    kiosk: session.kiosk,
    via: 'session',
    ...(session.tokenId !== undefined ? { tokenId: session.tokenId } : {}),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The error handler of the auth and admin routes: their errors as `{ code, message, messageJa }`. Server errors go on to the
 * app's own handler.
 */
export function authErrorHandler(error: FastifyError | AuthError, _request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AuthError) return reply.code(error.status).send(error.body());
  const status = (error as FastifyError).statusCode ?? 500;
  if ((error as FastifyError).validation) {
    return reply.code(400).send({
      code: 'VALIDATION',
      message: `Invalid request: ${error.message}`,
      messageJa: `リクエストの内容が正しくありません: ${error.message}`,
    });
  }
  if (status >= 400 && status < 500) {
    return reply.code(status).send({
      code: (error as FastifyError).code ?? 'BAD_REQUEST',
      message: error.message,
      messageJa: `リクエストを処理できません: ${error.message}`,
    });
  }
  throw error;
}

/** `/api/auth/kiosk/<secret>` with the secret cut out: the URL is the credential there. */
export function redactUrl(url: string): string {
  return url.replace(/(\/api\/auth\/kiosk\/)[^/?#]*/, '$1[redacted]');
}

/**
 * pino serializers for the app's logger (`pino({ serializers: authLogSerializers })`): fastify's request serializer logs the
 * URL, which for a kiosk link is the credential.
 */
export const authLogSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

/**
 * Registers @fastify/cookie (unless already there), decorates `request.principal` and adds the `onRequest` hook that lets a
 * request through only when its principal's role reaches the route's `config.access`. Applies to the whole app (it does not
 * encapsulate): register it before any route.
 */
export async function authPlugin(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const { store, sessions } = opts;
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authSession', undefined);

  // A changed password or role, a removed user or a revoked kiosk token ends the sessions at once, not at their next use.
  const stopFollowing = store.onChange((change) => {
    if (change.kind === 'user') sessions.endUser(change.username);
    else sessions.endToken(change.tokenId);
  });
  app.addHook('onClose', async () => {
    stopFollowing();
  });

  const deny = (request: FastifyRequest, reply: FastifyReply, error: AuthError) => {
    request.log.debug({ code: error.code, method: request.method, route: request.routeOptions.url }, 'request denied');
    return reply.code(error.status).header('cache-control', 'no-store').send(error.body());
  };

  /** The principal behind a Bearer token or session cookie (set on the request); an AuthError for a credential that is no good. */
  const identify = (request: FastifyRequest, reply: FastifyReply): Principal | AuthError => {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) {
      // An explicit token wins over any cookie; a bad one is refused rather than quietly falling back to the cookie.
      const token = store.verifyToken(authorization.slice(7).trim(), 'api');
      if (!token) return authErrors.authRequired('The API token is invalid or revoked.', 'API トークンが無効か、取り消されています。');
      request.principal = { username: `token:${token.name}`, role: token.role, kiosk: false, via: 'token', tokenId: token.tokenId };
      return request.principal;
    }
    const id = request.cookies[SESSION_COOKIE];
    if (!id) return authErrors.authRequired();
    const session = liveSession(sessions, store, id);
    if (!session) {
      clearSessionCookie(reply, opts);
      return authErrors.authRequired(
        'Your session has ended; please sign in again.',
        'セッションが終了しました。もう一度ログインしてください。',
      );
    }
    request.authSession = session;
    request.principal = principalOfSession(session);
    return request.principal;
  };

  app.addHook('onRequest', async (request, reply) => {
    // An unknown URL answers 404, not 401: nothing is behind it, and a typo must not look like a login problem.
    if (request.is404) return;
    const { access = 'admin', identify: identifyOnPublic } = request.routeOptions.config;
    if (access === 'public') {
      if (identifyOnPublic) identify(request, reply);
      return;
    }
    const principal = identify(request, reply);
    if (principal instanceof AuthError) return deny(request, reply, principal);
    if (!mayAccess(principal.role, access)) return deny(request, reply, authErrors.forbidden());
    // A cookie travels with any request the browser makes, even one a hostile page starts; the CSRF token only with ours.
    if (request.authSession && !SAFE_METHODS.has(request.method)) {
      const given = request.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameSecret(given, request.authSession.csrfToken)) return deny(request, reply, authErrors.csrf());
    }
  });
}

// fastify-plugin's effect without the package: the hook and decorators land on the instance that registers the plugin.
(authPlugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(authPlugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'minotake-auth';

/** Gives every route registered on `instance` (and its children) that has no `config.access` this one, e.g. public static files. */
export function defaultAccess(instance: FastifyInstance, access: Access): void {
  instance.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) route.config = { ...route.config, access };
  });
}

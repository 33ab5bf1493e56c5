/** Login, logout, who-am-I, first-admin setup and the kiosk link: the HTTP routes that make and end sessions. */
import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authErrors } from '../../auth/errors.js';
import type { Principal } from '../../auth/principal.js';
import { liveSession, type Session, type Sessions } from '../../auth/sessions.js';
import type { AuthStore, LoginUser } from '../../auth/store.js';
import { KioskParams, SetupBody, SetupStatus } from '../authSchemas.js';
import { authErrorHandler, clearSessionCookie, normalizeBasePath, SESSION_COOKIE, setSessionCookie } from '../plugins/auth.js';
import { ErrorBody, LoginBody, Me, type MeBody } from '../schemas.js';

export interface AuthRoutesOptions {
  store: AuthStore;
  sessions: Sessions;
  basePath: string;
  secureCookies: boolean;
}

const FIVE_MINUTES = 5 * 60 * 1000;
/**
 * Sign-in attempts allowed in each 5 minutes. Per user name *and* address, never per name alone: a name's limit shared by
 * every address would let anyone lock the real admin out by guessing wrong on purpose. Per address as well, for all names
 * together, so that one client cannot go through a list of names; a few people behind one NAT address still fit in it.
 */
export const LOGIN_LIMITS = { perUserAndAddress: 10, perAddress: 30, setupPerAddress: 10 } as const;
/** Kiosk secrets are 256-bit and cannot be guessed; the limit only keeps a misbehaving client from spinning the CPU. */
const KIOSK_LIMIT_PER_ADDRESS = 30;

function meOf(principal: Principal, session: Session | undefined): MeBody {
  // A Bearer-token client needs no CSRF token: it sends its credential on purpose, never ambiently.
  return { username: principal.username, role: principal.role, kiosk: principal.kiosk, csrfToken: session?.csrfToken ?? '' };
}

/** Large type for the person holding the tablet; allowed by its hash, so the page needs no 'unsafe-inline' in its policy. */
const KIOSK_REFUSED_STYLE = 'body { font-family: sans-serif; font-size: 1.4rem; margin: 2rem }';
const KIOSK_REFUSED_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(KIOSK_REFUSED_STYLE).digest('base64')}'; frame-ancestors 'none'`;

function kioskRefusedPage(): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Minotake — キオスク用リンクが無効です / Kiosk link invalid</title><style>${KIOSK_REFUSED_STYLE}</style></head>
<body>
<h1>キオスク用リンクが無効です</h1><p>${authErrors.kioskLinkInvalid().messageJa}</p>
<h2 lang="en">Kiosk link invalid</h2><p lang="en">${authErrors.kioskLinkInvalid().message}</p>
</body></html>
`;
}

export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { store, sessions } = opts;
  const basePath = normalizeBasePath(opts.basePath);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.setErrorHandler(authErrorHandler);

  // Registered here (encapsulated, not global) so that only these routes are limited; the app may have its own limits elsewhere.
  if (!app.hasDecorator('createRateLimit')) await app.register(fastifyRateLimit, { global: false });
  const limiter = (max: number, keyGenerator?: (request: FastifyRequest) => string) => {
    const check = app.createRateLimit({ max, timeWindow: FIVE_MINUTES, ...(keyGenerator ? { keyGenerator } : {}) });
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await check(request);
      if (result.isAllowed || !result.isExceeded) return;
      reply.header('retry-after', result.ttlInSeconds);
      request.log.warn({ route: request.routeOptions.url, ip: request.ip }, 'auth attempts rate-limited');
      throw authErrors.rateLimited(result.ttlInSeconds);
    };
  };
  // Per address before the body is even parsed (and scrypt run), per name and address after.
  const perAddress = limiter(LOGIN_LIMITS.perAddress);
  const perUserAndAddress = limiter(LOGIN_LIMITS.perUserAndAddress, (request) => {
    const username = String((request.body as { username?: unknown } | undefined)?.username ?? '');
    return `user:${username.normalize('NFC').toLowerCase()}\0${request.ip}`;
  });
  const setupPerAddress = limiter(LOGIN_LIMITS.setupPerAddress);
  const perAddressKiosk = limiter(KIOSK_LIMIT_PER_ADDRESS);

  const startSession = (request: FastifyRequest, reply: FastifyReply, user: LoginUser): Session => {
    // A login replaces the session this browser had, if any.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) sessions.delete(previous);
    const session = sessions.create({ username: user.username, role: user.role, kiosk: false, stamp: user.stamp });
    setSessionCookie(reply, opts, session);
    reply.header('cache-control', 'no-store');
    return session;
  };

  api.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      onRequest: perAddress,
      preHandler: perUserAndAddress,
      schema: {
        description: 'Sign in: sets the session cookie. / ログイン（セッション Cookie を設定）',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await store.verifyLogin(username, password);
      if (!user) {
        // Only a known name is logged: a password typed into the name field by mistake must not end up in the log.
        request.log.info({ ip: request.ip, ...(store.getUser(username) ? { username } : {}) }, 'login failed');
        throw authErrors.badCredentials();
      }
      const session = startSession(request, reply, user);
      request.log.info({ username: user.username, role: user.role, ip: request.ip }, 'login');
      return { username: user.username, role: user.role, kiosk: false, csrfToken: session.csrfToken };
    },
  );

  api.post(
    '/api/auth/logout',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'Sign out: ends this session. / ログアウト',
        tags: ['auth'],
        response: { 204: T.Null(), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      if (request.authSession) sessions.delete(request.authSession.id);
      clearSessionCookie(reply, opts);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/auth/me',
    {
      config: { access: 'viewer' },
      schema: {
        description: 'Who is signed in, with the CSRF token to send as x-csrf-token. / ログイン中のユーザーと CSRF トークン',
        tags: ['auth'],
        response: { 200: Me, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return meOf(request.principal!, request.authSession);
    },
  );

  api.get(
    '/api/auth/setup',
    {
      config: { access: 'public' },
      schema: {
        description: 'Whether the kit still needs its first admin. / 初期設定が必要か',
        tags: ['auth'],
        response: { 200: SetupStatus },
      },
    },
    async () => ({ setupRequired: !store.hasUsers() }),
  );

  api.post(
    '/api/auth/setup',
    {
      config: { access: 'public' },
      onRequest: setupPerAddress,
      schema: {
        description:
          'Creates the first admin with the one-time code printed on the kit console, and signs them in; 409 once any user exists. / ' +
          'コンソールに表示されたコードで最初の管理者を作成',
        tags: ['auth'],
        body: SetupBody,
        response: { 201: Me, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { code, username, password } = request.body;
      const user = store.setupFirstAdmin(code, username, password);
      const session = startSession(request, reply, user);
      request.log.info({ username: user.username, ip: request.ip }, 'first admin created with the setup code');
      return reply.code(201).send({ username: user.username, role: user.role, kiosk: false, csrfToken: session.csrfToken });
    },
  );

  api.get(
    '/api/auth/kiosk/:secret',
    {
      config: { access: 'public' },
      onRequest: perAddressKiosk,
      schema: {
        description:
          'The kiosk link: the secret is the credential. Makes a viewer session for a wall tablet and redirects to the dashboard. / ' +
          'キオスク用リンク（閲覧専用セッションを作成してダッシュボードへ移動）',
        tags: ['auth'],
        params: KioskParams,
        response: { 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      // The URL holds the secret: no page it leads to may pass it on as a Referer, and no cache may keep it.
      reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
      const token = store.verifyToken(request.params.secret, 'kiosk');
      if (!token) {
        request.log.info({ ip: request.ip }, 'kiosk link refused');
        if ((request.headers.accept ?? '').includes('text/html')) {
          // A person holding the tablet reads a page, not JSON; the dashboard's fetch still gets the ErrorBody below.
          return (reply as FastifyReply)
            .code(401)
            .type('text/html; charset=utf-8')
            .header('content-security-policy', KIOSK_REFUSED_CSP)
            .send(kioskRefusedPage());
        }
        throw authErrors.kioskLinkInvalid();
      }
      // A tablet that opens its start page again keeps its session rather than piling up new ones.
      const current = liveSession(sessions, store, request.cookies[SESSION_COOKIE]);
      if (current?.tokenId !== token.tokenId) {
        if (current) sessions.delete(current.id);
        const session = sessions.create({ username: `kiosk:${token.name}`, role: 'viewer', kiosk: true, tokenId: token.tokenId });
        setSessionCookie(reply, opts, session);
        request.log.info({ token: token.tokenId, name: token.name, ip: request.ip }, 'kiosk session started');
      }
      return reply.redirect(basePath, 303);
    },
  );
}

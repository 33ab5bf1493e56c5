/** The admin's HTTP routes: users (add, remove, role, password reset) and API and kiosk tokens (list, create, revoke). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sessions } from '../../auth/sessions.js';
import type { AuthStore } from '../../auth/store.js';
import {
  AddUserBody,
  CreatedToken,
  CreateTokenBody,
  PublicUser,
  SetPasswordBody,
  SetRoleBody,
  TokenIdParams,
  TokenInfo,
  TokenList,
  UserList,
  UsernameParams,
} from '../authSchemas.js';
import { authErrorHandler, normalizeBasePath } from '../plugins/auth.js';
import { ErrorBody } from '../schemas.js';

export interface AdminRoutesOptions {
  store: AuthStore;
  /** Sessions end through the store's change events (see authPlugin); kept here so both route plugins take the same options. */
  sessions: Sessions;
  basePath: string;
  secureCookies: boolean;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const access = 'admin' as const;

/** The origin the admin's browser used, so that the kiosk link works from the tablets on the same network (or through the same proxy). */
export function requestOrigin(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return `${proto === 'http' || proto === 'https' ? proto : request.protocol}://${request.host}`;
}

export async function adminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { store } = opts;
  const basePath = normalizeBasePath(opts.basePath);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.setErrorHandler(authErrorHandler);
  const by = (request: FastifyRequest) => request.principal?.username;

  api.get(
    '/api/admin/users',
    { config: { access }, schema: { description: 'Users. / ユーザー一覧', tags: ['admin'], response: { 200: UserList, ...errors } } },
    async () => store.listUsers(),
  );

  api.post(
    '/api/admin/users',
    {
      config: { access },
      schema: {
        description: 'Adds a user (password at least 10 characters). / ユーザーを追加（パスワードは 10 文字以上）',
        tags: ['admin'],
        body: AddUserBody,
        response: { 201: PublicUser, ...errors },
      },
    },
    async (request, reply) => {
      const { username, password, role } = request.body;
      const user = store.addUser(username, password, role);
      request.log.info({ by: by(request), username, role }, 'user added');
      return reply.code(201).send(user);
    },
  );

  api.delete(
    '/api/admin/users/:username',
    {
      config: { access },
      schema: {
        description: 'Removes a user and ends their sessions; never the last admin. / ユーザーを削除（最後の管理者は不可）',
        tags: ['admin'],
        params: UsernameParams,
        response: { 204: T.Null(), ...errors },
      },
    },
    async (request, reply) => {
      store.removeUser(request.params.username);
      request.log.info({ by: by(request), username: request.params.username }, 'user removed');
      return reply.code(204).send(null);
    },
  );

  api.put(
    '/api/admin/users/:username/role',
    {
      config: { access },
      schema: {
        description: "Sets a user's role and ends their sessions; the last admin keeps admin. / ロールを変更",
        tags: ['admin'],
        params: UsernameParams,
        body: SetRoleBody,
        response: { 200: PublicUser, ...errors },
      },
    },
    async (request) => {
      const user = store.setRole(request.params.username, request.body.role);
      request.log.info({ by: by(request), username: user.username, role: user.role }, 'user role set');
      return user;
    },
  );

  api.put(
    '/api/admin/users/:username/password',
    {
      config: { access },
      schema: {
        description: "Resets a user's password and ends their sessions (your own too, if it is yours). / パスワードを再設定",
        tags: ['admin'],
        params: UsernameParams,
        body: SetPasswordBody,
        response: { 204: T.Null(), ...errors },
      },
    },
    async (request, reply) => {
      store.setPassword(request.params.username, request.body.password);
      request.log.info({ by: by(request), username: request.params.username }, 'user password reset');
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api/admin/tokens',
    {
      config: { access },
      schema: {
        description: 'API and kiosk tokens, revoked ones included. / トークン一覧',
        tags: ['admin'],
        response: { 200: TokenList, ...errors },
      },
    },
    async () => store.listTokens(),
  );

  api.post(
    '/api/admin/tokens',
    {
      config: { access },
      schema: {
        description:
          'Creates an API token (role as given, viewer by default) or a kiosk token (always viewer; the answer holds its link for a ' +
          'QR code). The secret is shown only in this answer. / トークンを作成（秘密値はこの応答でのみ表示）',
        tags: ['admin'],
        body: CreateTokenBody,
        response: { 201: CreatedToken, ...errors },
      },
    },
    async (request, reply) => {
      const { kind, name, role } = request.body;
      const { token, secret } = store.createToken(kind, name, role ?? 'viewer');
      request.log.info({ by: by(request), token: token.id, kind, name: token.name, role: token.role }, 'token created');
      const url = kind === 'kiosk' ? `${requestOrigin(request)}${basePath}api/auth/kiosk/${secret}` : undefined;
      return reply.code(201).send({ token, secret, ...(url ? { url } : {}) });
    },
  );

  api.delete(
    '/api/admin/tokens/:id',
    {
      config: { access },
      schema: {
        description: 'Revokes a token; a kiosk token’s tablets are signed out at once. / トークンを無効化',
        tags: ['admin'],
        params: TokenIdParams,
        response: { 200: TokenInfo, ...errors },
      },
    },
    async (request) => {
      const token = store.revokeToken(request.params.id);
      request.log.info({ by: by(request), token: token.id, kind: token.kind, name: token.name }, 'token revoked');
      return token;
    },
  );
}

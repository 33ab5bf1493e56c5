/** The HTTP API's shapes for login, first-admin setup, users and tokens (added beside schemas.ts, which stays the shared contract). */
import { type Static, Type as T } from '@sinclair/typebox';
import { Role } from './schemas.js';

const Ms = T.Integer({ description: 'ms since the epoch, UTC' });
const Username = T.String({ minLength: 1, maxLength: 64, description: 'letters, digits and . _ @ - / 英数字と . _ @ -' });
/** At least 10 characters is checked by the store, so that the error says so in both languages rather than as a schema error. */
const Password = T.String({ minLength: 1, maxLength: 256, description: 'at least 10 characters / 10 文字以上' });

export const SetupStatus = T.Object({
  setupRequired: T.Boolean({ description: 'true while the kit has no user: the dashboard shows the setup form / ユーザー未登録' }),
});
export const SetupBody = T.Object({
  code: T.String({
    minLength: 1,
    maxLength: 32,
    description: 'the one-time code printed on the kit console / コンソールに表示されたコード',
  }),
  username: Username,
  password: Password,
});

export const PublicUser = T.Object({ username: T.String(), role: Role, createdAt: Ms });
export const UserList = T.Array(PublicUser);
export const AddUserBody = T.Object({ username: Username, password: Password, role: Role });
export const SetRoleBody = T.Object({ role: Role });
export const SetPasswordBody = T.Object({ password: Password });
export const UsernameParams = T.Object({ username: T.String({ minLength: 1, maxLength: 64 }) });

export const TokenKind = T.Union([T.Literal('api'), T.Literal('kiosk')]);
export const TokenInfo = T.Object({
  id: T.String(),
  name: T.String(),
  role: Role,
  kind: TokenKind,
  createdAt: Ms,
  lastUsedAt: T.Optional(Ms),
  revokedAt: T.Optional(Ms),
});
export const TokenList = T.Array(TokenInfo);
export const CreateTokenBody = T.Object({
  kind: TokenKind,
  name: T.String({ minLength: 1, maxLength: 64, description: 'what the token is for, e.g. "Node-RED" or "line 2 tablet"' }),
  role: T.Optional(Role),
});
export const CreatedToken = T.Object({
  token: TokenInfo,
  secret: T.String({ description: 'shown once, never stored: copy it now / この一度だけ表示されます' }),
  url: T.Optional(T.String({ description: 'kiosk tokens: the link to open on the tablet (show it as a QR code) / タブレット用リンク' })),
});
export const TokenIdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) });
export const KioskParams = T.Object({ secret: T.String({ minLength: 1, maxLength: 128 }) });

export type SetupBodyBody = Static<typeof SetupBody>;
export type PublicUserBody = Static<typeof PublicUser>;
export type TokenInfoBody = Static<typeof TokenInfo>;
export type CreatedTokenBody = Static<typeof CreatedToken>;

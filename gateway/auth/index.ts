/** Who may do what on the kit: users, tokens, sessions and roles. */
export { AuthError, authErrors, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './errors.js';
export { mayAccess, type Principal } from './principal.js';
export {
  liveSession,
  SESSION_DEFAULTS,
  type Session,
  type SessionAuthority,
  type SessionSubject,
  Sessions,
  type SessionsOptions,
} from './sessions.js';
export {
  type AuthChange,
  AuthStore,
  AuthStoreCorruptError,
  type AuthStoreOptions,
  addAdminFromCli,
  type LoginUser,
  type PublicUser,
  type StoredToken,
  type StoredUser,
  type TokenInfo,
  type TokenKind,
  type TokenPrincipal,
} from './store.js';

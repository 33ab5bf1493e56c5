/** The kit's users and its API and kiosk tokens, kept as two small JSON files (mode 0600) in `<dataDir>/auth/`; no default password. */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { decoyHash, hashPassword, verifyPasswordAsync } from '../broker/password.js';
import { ROLE_ORDER, type Role } from '../http/schemas.js';
import { ensurePrivateDir, writePrivateFile } from '../privateFiles.js';
import { authErrors, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './errors.js';

export type TokenKind = 'api' | 'kiosk';

export interface StoredUser {
  username: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash`, from gateway/broker/password.ts. */
  passwordHash: string;
  createdAt: number;
}
export type PublicUser = Omit<StoredUser, 'passwordHash'>;

export interface StoredToken {
  id: string;
  name: string;
  role: Role;
  kind: TokenKind;
  /** sha256 (hex) of the secret: the secret itself is shown once at creation and never stored. */
  hash: string;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}
export type TokenInfo = Omit<StoredToken, 'hash'>;

/** A user whose password was right; `stamp` changes whenever the user's password or role does, which ends their sessions. */
export interface LoginUser {
  username: string;
  role: Role;
  stamp: string;
}

export interface TokenPrincipal {
  tokenId: string;
  name: string;
  role: Role;
  kind: TokenKind;
}

/** What happened to whom: the session table ends the sessions that hang on it. */
export type AuthChange = { kind: 'user'; username: string } | { kind: 'token'; tokenId: string };

export interface AuthStoreOptions {
  /** The clock, for tests. */
  now?: () => number;
}

export class AuthStoreCorruptError extends Error {
  readonly code = 'AUTH_STORE_CORRUPT';
  constructor(file: string, reason: string) {
    super(
      `${file} is not a valid Minotake auth file (${reason}); restore it from a backup or move it away to start over / ` +
        `${file} は認証ファイルとして不正です（${reason}）。バックアップから戻すか、別の場所へ移動して作り直してください`,
    );
  }
}

/** Letters and digits of any script plus . _ @ -: no spaces, and no ':' so that `token:` and `kiosk:` names cannot be forged. */
const USERNAME = /^[\p{L}\p{N}._@-]{1,64}$/u;
export const SETUP_CODE_TTL_MS = 60 * 60 * 1000;
/** Without a capital I, O, 0 or 1 — a code read off a console is typed by a person. 32 symbols: 5 bits each. */
const SETUP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const SETUP_CODE_LENGTH = 12;
/** lastUsedAt is kept in memory on every use but written at most this often: an API poller must not wear the SD card. */
const LAST_USED_WRITE_INTERVAL_MS = 10 * 60 * 1000;
const MAX_SECRET_LENGTH = 128;

interface FileStamp {
  ino: number;
  mtimeMs: number;
  size: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const fileStamp = (stats: Stats): FileStamp => ({ ino: stats.ino, mtimeMs: stats.mtimeMs, size: stats.size });
const sameStamp = (a: FileStamp | undefined, b: FileStamp): boolean =>
  a !== undefined && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;
const isRole = (value: unknown): value is Role => ROLE_ORDER.includes(value as Role);
const publicUser = ({ passwordHash: _hash, ...user }: StoredUser): PublicUser => user;
const tokenInfo = ({ hash: _hash, ...token }: StoredToken): TokenInfo => token;

function checkPassword(password: string): string {
  const normalized = password.normalize('NFC');
  // Counted in characters as a person sees them (code points), not UTF-16 units.
  const length = [...normalized].length;
  if (length < MIN_PASSWORD_LENGTH) throw authErrors.passwordTooShort();
  if (length > MAX_PASSWORD_LENGTH) throw authErrors.passwordTooLong();
  return normalized;
}

function checkUsername(username: string): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) throw authErrors.usernameInvalid();
  return username;
}

function checkTokenName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a name must not hold
  if (trimmed.length < 1 || trimmed.length > 64 || /[\u0000-\u001f\u007f]/.test(trimmed)) throw authErrors.tokenNameInvalid();
  return trimmed;
}

function normalizeSetupCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * Users and tokens on disk. Every call first re-reads a file that changed on disk, so that `minotake admin add`, run as a
 * separate process while the gateway runs, is seen at once and not overwritten by the gateway's next write.
 */
export class AuthStore {
  readonly usersFile: string;
  readonly tokensFile: string;
  private readonly now: () => number;
  private users = new Map<string, StoredUser>();
  private stamps = new Map<string, string>();
  private tokens = new Map<string, StoredToken>();
  private tokensByHash = new Map<string, StoredToken>();
  private seen: { users?: FileStamp; tokens?: FileStamp } = {};
  private lastUsedWritten = new Map<string, number>();
  private setup: { hash: Buffer; expiresAt: number; onSpent?: () => void; timer: NodeJS.Timeout } | undefined;
  /** What an unknown name is checked against, so that it costs what a wrong password costs. */
  private readonly decoy = decoyHash();
  private readonly listeners = new Set<(change: AuthChange) => void>();

  /** `dir` is the auth folder itself, normally `<dataDir>/auth`; it is created owner-only (0700), or narrowed to that. */
  constructor(
    readonly dir: string,
    options: AuthStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    ensurePrivateDir(dir);
    this.usersFile = join(dir, 'users.json');
    this.tokensFile = join(dir, 'tokens.json');
    this.refresh();
  }

  // ---- users

  hasUsers(): boolean {
    this.refresh();
    return this.users.size > 0;
  }

  listUsers(): PublicUser[] {
    this.refresh();
    // Oldest first; sort is stable, so users made in the same millisecond keep the order they were added in.
    return [...this.users.values()].sort((a, b) => a.createdAt - b.createdAt).map(publicUser);
  }

  getUser(username: string): PublicUser | undefined {
    this.refresh();
    const user = this.users.get(username);
    return user && publicUser(user);
  }

  addUser(username: string, password: string, role: Role): PublicUser {
    this.refresh();
    checkUsername(username);
    const normalized = checkPassword(password);
    if (!isRole(role)) throw authErrors.roleInvalid();
    if (this.users.has(username)) throw authErrors.userExists(username);
    const user: StoredUser = { username, role, passwordHash: hashPassword(normalized), createdAt: this.now() };
    this.saveUsers([...this.users.values(), user]);
    return publicUser(user);
  }

  setPassword(username: string, password: string): void {
    this.refresh();
    const normalized = checkPassword(password);
    const user = this.users.get(username);
    if (!user) throw authErrors.userNotFound(username);
    this.saveUsers([...this.users.values()].map((u) => (u === user ? { ...u, passwordHash: hashPassword(normalized) } : u)));
    this.emit({ kind: 'user', username });
  }

  setRole(username: string, role: Role): PublicUser {
    this.refresh();
    const user = this.users.get(username);
    if (!user) throw authErrors.userNotFound(username);
    if (!isRole(role)) throw authErrors.roleInvalid();
    if (user.role === role) return publicUser(user);
    if (user.role === 'admin' && this.adminCount() === 1) throw authErrors.lastAdmin();
    const changed = { ...user, role };
    this.saveUsers([...this.users.values()].map((u) => (u === user ? changed : u)));
    this.emit({ kind: 'user', username });
    return publicUser(changed);
  }

  removeUser(username: string): void {
    this.refresh();
    const user = this.users.get(username);
    if (!user) throw authErrors.userNotFound(username);
    if (user.role === 'admin' && this.adminCount() === 1) throw authErrors.lastAdmin();
    this.saveUsers([...this.users.values()].filter((u) => u !== user));
    this.emit({ kind: 'user', username });
  }

  /**
   * The user when the password is right, else undefined. An unknown name costs the same scrypt as a wrong password, so the
   * answer's timing does not tell who has an account. scrypt (~0.1 s on a Pi 4) runs off the event loop, a couple at a
   * time, so a flood of logins slows logins only: readings, live events and other requests keep flowing.
   */
  async verifyLogin(username: string, password: string): Promise<LoginUser | undefined> {
    this.refresh();
    const user = typeof username === 'string' ? this.users.get(username) : undefined;
    const given = typeof password === 'string' ? password.normalize('NFC') : '';
    const ok = await verifyPasswordAsync(given, user?.passwordHash ?? this.decoy);
    if (!user || !ok) return undefined;
    // The password may have changed or the user gone while scrypt ran (an admin, `minotake admin`): answer for now, not then.
    this.refresh();
    const current = this.users.get(user.username);
    if (current?.passwordHash !== user.passwordHash) return undefined;
    return { username: current.username, role: current.role, stamp: this.stamps.get(current.username)! };
  }

  /** Changes whenever the user's password or role changes (or the user is removed and made again); undefined for no such user. */
  userStamp(username: string): string | undefined {
    this.refresh();
    return this.stamps.get(username);
  }

  // ---- first admin

  /**
   * A one-time code for `POST /api/auth/setup`, valid for an hour or until used; a new code replaces the old one. `onSpent`
   * is called once when the code is used, expires or is replaced (the file that holds it is then deleted).
   */
  createSetupCode(options: { onSpent?: () => void } = {}): string {
    if (this.hasUsers()) throw authErrors.setupDone();
    this.spendSetupCode();
    let code = '';
    for (let i = 0; i < SETUP_CODE_LENGTH; i++) code += SETUP_ALPHABET[randomInt(SETUP_ALPHABET.length)];
    const expiresAt = this.now() + SETUP_CODE_TTL_MS;
    // Unref'd: an unused code must not keep a process alive, and the check in consumeSetupCode is what really counts.
    const timer = setTimeout(() => this.spendSetupCode(), SETUP_CODE_TTL_MS).unref();
    this.setup = { hash: createHash('sha256').update(code).digest(), expiresAt, onSpent: options.onSpent, timer };
    return code.match(/.{4}/g)!.join('-');
  }

  /** True once for the right, unexpired code (case, spaces and dashes ignored); the code is then spent. */
  consumeSetupCode(code: string): boolean {
    const setup = this.setup;
    if (!setup || typeof code !== 'string') return false;
    if (this.now() >= setup.expiresAt) {
      this.spendSetupCode();
      return false;
    }
    const given = createHash('sha256').update(normalizeSetupCode(code)).digest();
    if (!timingSafeEqual(given, setup.hash)) return false;
    this.spendSetupCode();
    return true;
  }

  private spendSetupCode(): void {
    const setup = this.setup;
    if (!setup) return;
    this.setup = undefined;
    clearTimeout(setup.timer);
    try {
      setup.onSpent?.();
    } catch {
      // Deleting the file is a courtesy: the code is spent in memory either way.
    }
  }

  /** Exchanges the setup code for the first admin. Username and password are checked before the code is spent. */
  setupFirstAdmin(code: string, username: string, password: string): LoginUser {
    if (this.hasUsers()) throw authErrors.setupDone();
    checkUsername(username);
    checkPassword(password);
    if (!this.consumeSetupCode(code)) throw authErrors.setupCodeInvalid();
    const user = this.addUser(username, password, 'admin');
    return { username: user.username, role: user.role, stamp: this.stamps.get(user.username)! };
  }

  // ---- tokens

  /** An API token (any role) for an integration, or a kiosk token (always viewer) for a wall tablet; the secret is shown only here. */
  createToken(kind: TokenKind, name: string, role: Role = 'viewer'): { token: TokenInfo; secret: string } {
    this.refresh();
    const cleanName = checkTokenName(name);
    if (kind !== 'api' && kind !== 'kiosk') throw authErrors.tokenKindInvalid();
    if (!isRole(role)) throw authErrors.roleInvalid();
    if (kind === 'kiosk' && role !== 'viewer') throw authErrors.kioskRole();
    const secret = randomBytes(32).toString('base64url');
    const token: StoredToken = {
      id: randomBytes(8).toString('hex'),
      name: cleanName,
      role,
      kind,
      hash: sha256(secret),
      createdAt: this.now(),
    };
    this.saveTokens([...this.tokens.values(), token]);
    return { token: tokenInfo(token), secret };
  }

  /** Revoked tokens stay listed (with revokedAt) so that an admin can see what existed; revoking twice is harmless. */
  revokeToken(id: string): TokenInfo {
    this.refresh();
    const token = this.tokens.get(id);
    if (!token) throw authErrors.tokenNotFound(id);
    if (token.revokedAt !== undefined) return tokenInfo(token);
    const revoked = { ...token, revokedAt: this.now() };
    this.saveTokens([...this.tokens.values()].map((t) => (t === token ? revoked : t)));
    this.emit({ kind: 'token', tokenId: id });
    return tokenInfo(revoked);
  }

  listTokens(): TokenInfo[] {
    this.refresh();
    return [...this.tokens.values()].sort((a, b) => a.createdAt - b.createdAt).map(tokenInfo);
  }

  /** The token's principal when the secret belongs to a live token (of `kind`, if given), else undefined. */
  verifyToken(secret: string, kind?: TokenKind): TokenPrincipal | undefined {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return undefined;
    this.refresh();
    // Looked up by the hash of the secret: a lookup by the secret itself could leak it through timing.
    const token = this.tokensByHash.get(sha256(secret));
    if (!token || token.revokedAt !== undefined || (kind && token.kind !== kind)) return undefined;
    this.noteUse(token);
    return { tokenId: token.id, name: token.name, role: token.role, kind: token.kind };
  }

  isTokenActive(id: string): boolean {
    this.refresh();
    const token = this.tokens.get(id);
    return token !== undefined && token.revokedAt === undefined;
  }

  // ---- changes

  /** Called after a user's password or role changed or the user was removed, and after a token was revoked. */
  onChange(listener: (change: AuthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- files

  /** Re-reads a file that changed on disk since this store last read or wrote it. */
  refresh(): void {
    const users = this.readIfChanged('users');
    if (users) this.applyUsers(users as StoredUser[]);
    const tokens = this.readIfChanged('tokens');
    if (tokens) this.applyTokens(tokens as StoredToken[]);
  }

  private readIfChanged(which: 'users' | 'tokens'): unknown[] | undefined {
    const file = which === 'users' ? this.usersFile : this.tokensFile;
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Missing: a fresh kit, or a wiped one.
      if (this.seen[which] === undefined && (which === 'users' ? this.users.size : this.tokens.size) === 0) return undefined;
      this.seen[which] = undefined;
      return [];
    }
    const stamp = fileStamp(stats);
    if (sameStamp(this.seen[which], stamp)) return undefined;
    // A copy from a backup may come with wider permissions; the hashes in it are still worth keeping private.
    if ((stats.mode & 0o077) !== 0) chmodSync(file, 0o600);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new AuthStoreCorruptError(file, (error as Error).message);
    }
    const list = (parsed as Record<string, unknown> | null)?.[which];
    if (!Array.isArray(list)) throw new AuthStoreCorruptError(file, `no "${which}" list`);
    for (const [i, item] of list.entries()) {
      const bad = which === 'users' ? badUser(item) : badToken(item);
      if (bad) throw new AuthStoreCorruptError(file, `${which}[${i}]: ${bad}`);
    }
    this.seen[which] = stamp;
    return list;
  }

  private applyUsers(list: StoredUser[]): void {
    this.users = new Map(list.map((u) => [u.username, u]));
    this.stamps = new Map(list.map((u) => [u.username, sha256(`${u.role}\0${u.createdAt}\0${u.passwordHash}`)]));
  }

  private applyTokens(list: StoredToken[]): void {
    this.tokens = new Map(list.map((t) => [t.id, t]));
    this.tokensByHash = new Map(list.map((t) => [t.hash, t]));
  }

  private saveUsers(list: StoredUser[]): void {
    this.seen.users = this.writeAtomically(this.usersFile, { version: 1, users: list });
    this.applyUsers(list);
  }

  private saveTokens(list: StoredToken[]): void {
    this.seen.tokens = this.writeAtomically(this.tokensFile, { version: 1, tokens: list });
    this.applyTokens(list);
    for (const token of list) if (token.lastUsedAt !== undefined) this.lastUsedWritten.set(token.id, token.lastUsedAt);
  }

  private noteUse(token: StoredToken): void {
    const now = this.now();
    token.lastUsedAt = now;
    const written = this.lastUsedWritten.get(token.id);
    if (written !== undefined && now - written < LAST_USED_WRITE_INTERVAL_MS) return;
    try {
      this.saveTokens([...this.tokens.values()]);
    } catch {
      // A full or read-only disk must not lock integrations out; lastUsedAt is a courtesy, not a record.
    }
  }

  /** Owner-only and atomic: a power cut leaves the old file or the new one, never half. */
  private writeAtomically(file: string, data: unknown): FileStamp {
    writePrivateFile(file, `${JSON.stringify(data, null, 2)}\n`);
    return fileStamp(statSync(file));
  }

  private adminCount(): number {
    let count = 0;
    for (const user of this.users.values()) if (user.role === 'admin') count++;
    return count;
  }

  private emit(change: AuthChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // One listener failing must not undo a change that is already on disk.
      }
    }
  }
}

function badUser(item: unknown): string | undefined {
  const user = item as Partial<StoredUser> | null;
  if (!user || typeof user !== 'object') return 'not an object';
  if (typeof user.username !== 'string' || !USERNAME.test(user.username)) return 'bad username';
  if (!isRole(user.role)) return 'bad role';
  if (typeof user.passwordHash !== 'string' || !user.passwordHash.startsWith('scrypt$')) return 'bad passwordHash';
  if (typeof user.createdAt !== 'number') return 'bad createdAt';
  return undefined;
}

function badToken(item: unknown): string | undefined {
  const token = item as Partial<StoredToken> | null;
  if (!token || typeof token !== 'object') return 'not an object';
  if (typeof token.id !== 'string' || typeof token.name !== 'string') return 'bad id or name';
  if (!isRole(token.role)) return 'bad role';
  if (token.kind !== 'api' && token.kind !== 'kiosk') return 'bad kind';
  if (typeof token.hash !== 'string' || !/^[0-9a-f]{64}$/.test(token.hash)) return 'bad hash';
  if (typeof token.createdAt !== 'number') return 'bad createdAt';
  return undefined;
}

/** The first admin from the command line (`minotake admin add`): the other way in besides the setup code. */
export function addAdminFromCli(store: AuthStore, username: string, password: string): PublicUser {
  return store.addUser(username, password, 'admin');
}

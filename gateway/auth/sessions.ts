/** Signed-in browsers and kiosk tablets; optionally kept on disk so that a gateway restart does not sign the wall tablets out. */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Role } from '../http/schemas.js';
import { writePrivateFile } from '../privateFiles.js';

/** Whom a session stands for. */
export interface SessionSubject {
  username: string;
  role: Role;
  kiosk: boolean;
  /** The kiosk token the session was made from: revoking the token ends the session. */
  tokenId?: string;
  /** The user's stamp at login (AuthStore.userStamp): a different stamp later means the password or role changed. */
  stamp?: string;
}

export interface Session extends SessionSubject {
  /** 32 random bytes, base64url: the cookie's value. */
  readonly id: string;
  /** 32 random bytes, base64url: must come back in `x-csrf-token` on every cookie-authenticated write. */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface SessionsOptions {
  /** The clock, for tests. */
  now?: () => number;
  /** Sessions one person may hold at once (phone, office PC, tablet...); a login past it ends that person's session idle longest. */
  maxPerUser?: number;
  /** Sessions one kiosk link may hold at once (the tablets that opened it); past it, that link's tablet idle longest is signed out. */
  maxPerKioskLink?: number;
  /** A person's session ends this long after login, however busy. */
  absoluteMs?: number;
  /** ... or this long after its last use. */
  idleMs?: number;
  /** A kiosk tablet's session ends this long after its last use (renewed on each use: a wall tablet is never asked to log in). */
  kioskMs?: number;
  /**
   * Where to keep sessions across restarts (0600). Only a SHA-256 of each session id is written, so the
   * file holds nothing a browser could present as a cookie.
   */
  file?: string;
}

const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');
/** Sessions are bounded per principal: whoever floods the kit with logins or kiosk visits only ever pushes out their own. */
const principalOf = (subject: SessionSubject) => (subject.kiosk ? `kiosk:${subject.tokenId}` : `user:${subject.username}`);

const HOUR = 60 * 60 * 1000;
export const SESSION_DEFAULTS = {
  maxPerUser: 20,
  maxPerKioskLink: 50,
  absoluteMs: 12 * HOUR,
  idleMs: 2 * HOUR,
  kioskMs: 30 * 24 * HOUR,
} as const;

type StoredSession = Omit<Session, 'id'> & { key: string };

export class Sessions {
  private readonly byKey = new Map<string, Session>();
  /** Each principal's sessions in least-recently-used order: a use moves a session to the end, so eviction takes the one idle longest. */
  private readonly byPrincipal = new Map<string, Map<string, Session>>();
  private readonly now: () => number;
  private readonly limits: Required<Omit<SessionsOptions, 'now' | 'file'>>;
  private readonly file: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private evicted = 0;

  constructor(options: SessionsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.limits = {
      maxPerUser: options.maxPerUser ?? SESSION_DEFAULTS.maxPerUser,
      maxPerKioskLink: options.maxPerKioskLink ?? SESSION_DEFAULTS.maxPerKioskLink,
      absoluteMs: options.absoluteMs ?? SESSION_DEFAULTS.absoluteMs,
      idleMs: options.idleMs ?? SESSION_DEFAULTS.idleMs,
      kioskMs: options.kioskMs ?? SESSION_DEFAULTS.kioskMs,
    };
    this.file = options.file;
    if (this.file) this.load(this.file);
  }

  private load(file: string): void {
    let stored: StoredSession[];
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
      if (!Array.isArray(stored)) return;
    } catch {
      return; // no file yet, or a torn one: everyone logs in again, nothing worse
    }
    const now = this.now();
    // Oldest use first, so that the bounds keep the most recently used when the file holds more than they allow.
    for (const { key, ...rest } of stored.sort((a, b) => a.lastSeenAt - b.lastSeenAt)) {
      // The id is learnt again from the cookie on the session's first use after the restart.
      if (now < rest.expiresAt) this.add(key, { ...rest, id: '' });
    }
  }

  /** Logins and logouts are rare, so a write per change (batched over 200 ms) costs the SD card nothing. */
  private changed(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), 200);
    this.saveTimer.unref();
  }

  /** Writes the sessions now (also called on shutdown). */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    const rows = [...this.byKey].map(([key, { id: _id, ...rest }]) => ({ key, ...rest }));
    writePrivateFile(this.file, JSON.stringify(rows));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** For the health report. */
  stats(): { active: number; evicted: number } {
    return { active: this.byKey.size, evicted: this.evicted };
  }

  create(subject: SessionSubject): Session {
    const now = this.now();
    const session: Session = {
      ...subject,
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: 0,
    };
    session.expiresAt = this.expiry(session);
    this.add(keyOf(session.id), session);
    this.changed();
    return session;
  }

  /** The live session with this id, touched (idle timer and kiosk expiry renewed); undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (typeof id !== 'string' || id.length === 0) return undefined;
    const key = keyOf(id);
    const session = this.byKey.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (now >= session.expiresAt) {
      this.remove(key, session);
      this.changed();
      return undefined;
    }
    if (session.id === '') (session as { id: string }).id = id; // restored from disk: learnt from the cookie
    session.lastSeenAt = now;
    session.expiresAt = this.expiry(session);
    const own = this.byPrincipal.get(principalOf(session));
    own?.delete(key);
    own?.set(key, session);
    return session;
  }

  delete(id: string): boolean {
    const key = keyOf(id);
    const session = this.byKey.get(key);
    if (!session) return false;
    this.remove(key, session);
    this.changed();
    return true;
  }

  /** Ends every session of a user (password or role changed, user removed); returns how many. */
  endUser(username: string): number {
    return this.endPrincipal(principalOf({ username, role: 'viewer', kiosk: false }));
  }

  /** Ends every session made from a kiosk token (the token was revoked); returns how many. */
  endToken(tokenId: string): number {
    return this.endPrincipal(principalOf({ username: '', role: 'viewer', kiosk: true, tokenId }));
  }

  clear(): void {
    this.byKey.clear();
    this.byPrincipal.clear();
    this.changed();
  }

  private endPrincipal(principal: string): number {
    const own = this.byPrincipal.get(principal);
    if (!own) return 0;
    for (const key of own.keys()) this.byKey.delete(key);
    this.byPrincipal.delete(principal);
    this.changed();
    return own.size;
  }

  private expiry(session: Session): number {
    if (session.kiosk) return session.lastSeenAt + this.limits.kioskMs;
    return Math.min(session.createdAt + this.limits.absoluteMs, session.lastSeenAt + this.limits.idleMs);
  }

  /**
   * Adds a session within its principal's bound: expired ones go first, then the unused, then the one idle longest. Bounded per principal, a
   * script logging in or opening a kiosk link in a loop neither grows the gateway's memory nor signs anybody else out.
   */
  private add(key: string, session: Session): void {
    const principal = principalOf(session);
    const own = this.byPrincipal.get(principal) ?? new Map<string, Session>();
    const max = session.kiosk ? this.limits.maxPerKioskLink : this.limits.maxPerUser;
    if (own.size >= max) {
      const now = this.now();
      for (const [oldKey, old] of own) if (now >= old.expiresAt) this.remove(oldKey, old);
      // Sessions never used since they were made go before used ones: a script opening the kiosk link without keeping the
      // cookie makes nothing but those, so the wall tablets that really use the link keep theirs.
      for (const unusedFirst of [true, false]) {
        for (const [oldKey, old] of own) {
          if (own.size < max) break;
          if (unusedFirst && old.lastSeenAt !== old.createdAt) continue;
          this.remove(oldKey, old);
          this.evicted++;
        }
      }
    }
    own.set(key, session);
    // Set again: evicting the last of its sessions above takes the principal out of the map.
    this.byPrincipal.set(principal, own);
    this.byKey.set(key, session);
  }

  private remove(key: string, session: Session): void {
    this.byKey.delete(key);
    const principal = principalOf(session);
    const own = this.byPrincipal.get(principal);
    own?.delete(key);
    if (own?.size === 0) this.byPrincipal.delete(principal);
  }
}

/** What liveSession needs of the AuthStore (kept narrow so that sessions do not depend on the files). */
export interface SessionAuthority {
  userStamp(username: string): string | undefined;
  isTokenActive(tokenId: string): boolean;
}

/**
 * The session behind a cookie, if it is still good: unexpired, its user unchanged since login (same password and role), or its
 * kiosk token still unrevoked. Checked on every use as well as ended on change, so that a change made by another process
 * (`minotake admin ...` on the command line) takes effect too.
 */
export function liveSession(sessions: Sessions, authority: SessionAuthority, id: string | undefined): Session | undefined {
  const session = sessions.get(id);
  if (!session) return undefined;
  const valid = session.kiosk
    ? session.tokenId !== undefined && authority.isTokenActive(session.tokenId)
    : session.stamp !== undefined && authority.userStamp(session.username) === session.stamp;
  if (valid) return session;
  sessions.delete(session.id);
  return undefined;
}

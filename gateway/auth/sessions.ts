/** Signed-in browsers and kiosk tablets; optionally kept on disk so that a gateway restart does not sign the wall tablets out. */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Role } from '../http/schemas.js';

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
  maxSessions?: number;
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

const HOUR = 60 * 60 * 1000;
export const SESSION_DEFAULTS = { maxSessions: 1000, absoluteMs: 12 * HOUR, idleMs: 2 * HOUR, kioskMs: 30 * 24 * HOUR } as const;

export class Sessions {
  /** In least-recently-used order: a use moves a session to the end, so eviction takes the one idle longest. */
  private readonly byId = new Map<string, Session>();
  private readonly now: () => number;
  private readonly limits: Required<Omit<SessionsOptions, 'now' | 'file'>>;
  private readonly file: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private evicted = 0;

  constructor(options: SessionsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.limits = {
      maxSessions: options.maxSessions ?? SESSION_DEFAULTS.maxSessions,
      absoluteMs: options.absoluteMs ?? SESSION_DEFAULTS.absoluteMs,
      idleMs: options.idleMs ?? SESSION_DEFAULTS.idleMs,
      kioskMs: options.kioskMs ?? SESSION_DEFAULTS.kioskMs,
    };
    this.file = options.file;
    if (this.file) this.load(this.file);
  }

  private load(file: string): void {
    let stored: (Omit<Session, 'id'> & { key: string })[];
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // no file yet, or a torn one: everyone logs in again, nothing worse
    }
    const now = this.now();
    for (const { key, ...rest } of stored) {
      // The id is learnt again from the cookie on the session's first use after the restart.
      if (now < rest.expiresAt) this.byId.set(key, { ...rest, id: '' });
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
    const rows = [...this.byId].map(([key, { id: _id, ...rest }]) => ({ key, ...rest }));
    writeFileSync(`${this.file}.tmp`, JSON.stringify(rows), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }

  get size(): number {
    return this.byId.size;
  }

  /** For the health report. */
  stats(): { active: number; evicted: number } {
    return { active: this.byId.size, evicted: this.evicted };
  }

  create(subject: SessionSubject): Session {
    const now = this.now();
    this.makeRoom(now);
    const session: Session = {
      ...subject,
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: 0,
    };
    session.expiresAt = this.expiry(session);
    this.byId.set(keyOf(session.id), session);
    this.changed();
    return session;
  }

  /** The live session with this id, touched (idle timer and kiosk expiry renewed); undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (typeof id !== 'string' || id.length === 0) return undefined;
    const key = keyOf(id);
    const session = this.byId.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (now >= session.expiresAt) {
      this.byId.delete(key);
      this.changed();
      return undefined;
    }
    if (session.id === '') (session as { id: string }).id = id; // restored from disk: learnt from the cookie
    session.lastSeenAt = now;
    session.expiresAt = this.expiry(session);
    this.byId.delete(key);
    this.byId.set(key, session);
    return session;
  }

  delete(id: string): boolean {
    const deleted = this.byId.delete(keyOf(id));
    if (deleted) this.changed();
    return deleted;
  }

  /** Ends every session of a user (password or role changed, user removed); returns how many. */
  endUser(username: string): number {
    return this.endWhere((s) => !s.kiosk && s.username === username);
  }

  /** Ends every session made from a kiosk token (the token was revoked); returns how many. */
  endToken(tokenId: string): number {
    return this.endWhere((s) => s.tokenId === tokenId);
  }

  clear(): void {
    this.byId.clear();
    this.changed();
  }

  private endWhere(match: (session: Session) => boolean): number {
    let ended = 0;
    for (const [id, session] of this.byId) {
      if (match(session)) {
        this.byId.delete(id);
        ended++;
      }
    }
    if (ended > 0) this.changed();
    return ended;
  }

  private expiry(session: Session): number {
    if (session.kiosk) return session.lastSeenAt + this.limits.kioskMs;
    return Math.min(session.createdAt + this.limits.absoluteMs, session.lastSeenAt + this.limits.idleMs);
  }

  /** Bounded: a script logging in in a loop must not grow the gateway's memory on a 512 MB Pi. Expired ones go first. */
  private makeRoom(now: number): void {
    if (this.byId.size < this.limits.maxSessions) return;
    for (const [id, session] of this.byId) if (now >= session.expiresAt) this.byId.delete(id);
    for (const id of this.byId.keys()) {
      if (this.byId.size < this.limits.maxSessions) break;
      this.byId.delete(id);
      this.evicted++;
      this.changed();
    }
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

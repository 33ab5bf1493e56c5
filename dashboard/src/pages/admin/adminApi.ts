/** The admin endpoints, read tolerantly: their shapes are not in the contract yet, so lists may be bare or wrapped and fields optional. */
import { ApiError, api } from '../../api';
import type { Role } from '../../types';

export interface UserRow {
  username: string;
  role?: Role;
}

export interface TokenRow {
  id: string;
  kind: 'api' | 'kiosk';
  name: string;
  role?: Role;
  createdAt?: number | string;
  lastUsedAt?: number | string | null;
}

/** The answer to creating a token: the secret is shown once; a kiosk token also has the link to open on the tablet. */
export interface CreatedToken extends Partial<TokenRow> {
  secret?: string;
  url?: string;
}

export const ROLES: readonly Role[] = ['viewer', 'operator', 'manager', 'admin'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** `[...]` or `{ [key]: [...] }`. */
function listIn(body: unknown, key: string): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body[key]) ? body[key] : [];
  return (list as unknown[]).filter(isRecord);
}

const asRole = (v: unknown): Role | undefined => ((ROLES as readonly unknown[]).includes(v) ? (v as Role) : undefined);

export function usersFrom(body: unknown): UserRow[] {
  return listIn(body, 'users')
    .filter((u) => typeof u.username === 'string')
    .map((u) => ({ username: u.username as string, role: asRole(u.role) }));
}

export function tokensFrom(body: unknown): TokenRow[] {
  return (
    listIn(body, 'tokens')
      // The gateway lists revoked tokens too; they can do nothing any more, so they are not shown.
      .filter((x) => x.id !== undefined && (x.revokedAt === undefined || x.revokedAt === null))
      .map((x) => ({
        id: String(x.id),
        kind: x.kind === 'kiosk' ? 'kiosk' : 'api',
        name: typeof x.name === 'string' ? x.name : String(x.id),
        role: asRole(x.role),
        createdAt: typeof x.createdAt === 'number' || typeof x.createdAt === 'string' ? x.createdAt : undefined,
        lastUsedAt: typeof x.lastUsedAt === 'number' || typeof x.lastUsedAt === 'string' ? x.lastUsedAt : null,
      }))
  );
}

/** A timestamp that may come as ms or as an ISO string. */
export function toMs(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const userPath = (username: string, what: string) => `api/admin/users/${encodeURIComponent(username)}/${what}`;

/** The brief said POST and the gateway has PUT: try PUT, fall back to POST when the route is not there. */
export async function setPassword(username: string, password: string): Promise<void> {
  try {
    await api.put(userPath(username, 'password'), { password });
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
    await api.post(userPath(username, 'password'), { password });
  }
}

export const setRole = (username: string, role: Role) => api.put(userPath(username, 'role'), { role });

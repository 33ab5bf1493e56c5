/** Who is behind a request, and whether their role reaches what a route asks for. */
import { type Access, ROLE_ORDER, type Role } from '../http/schemas.js';

export interface Principal {
  /** A user's name; `token:<name>` for an API token, `kiosk:<name>` for a kiosk tablet. */
  username: string;
  role: Role;
  /** A wall-mounted tablet signed in by a kiosk link: always viewer. */
  kiosk: boolean;
  via: 'session' | 'token';
  /** The API or kiosk token behind this principal, if any. */
  tokenId?: string;
}

/** A higher role may do all a lower one may; `public` needs no principal at all. */
export function mayAccess(role: Role, access: Access): boolean {
  if (access === 'public') return true;
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(access);
}

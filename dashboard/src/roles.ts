/** Who may open which page: the menu hides what a role may not use, and the page itself says so when opened by URL. */
import type { Page } from './router';
import type { Me, Role } from './types';

/** Mirrors ROLE_ORDER in gateway/http/schemas.ts, a value the dashboard may not import; the `satisfies` keeps the names in step. */
const ORDER = ['viewer', 'operator', 'manager', 'admin'] as const satisfies readonly Role[];

export function atLeast(role: Role, min: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(min);
}

export const PAGE_ROLE: Record<Page, Role> = {
  overview: 'viewer',
  machine: 'viewer',
  environment: 'viewer',
  alarms: 'viewer',
  export: 'manager',
  admin: 'admin',
  doctor: 'manager',
  calibration: 'manager',
  inspection: 'viewer',
  stops: 'viewer',
  board: 'viewer',
  production: 'viewer',
};

/** A wall-mounted kiosk tablet shows the shop floor only, whatever role its link carries. */
const KIOSK_PAGES: readonly Page[] = ['overview', 'machine', 'environment', 'stops', 'board'];

/** Acknowledging an alarm: operators and above, a kiosk link included when its role allows (the gateway checks again). */
export function mayAcknowledge(me: Me): boolean {
  return atLeast(me.role, 'operator');
}

/** Entering stop reasons and rejects: operators and above, a wall tablet's kiosk link included when its role allows. */
export function mayEnterProduction(me: Me): boolean {
  return atLeast(me.role, 'operator');
}

export function mayOpen(me: Me, page: Page): boolean {
  return (!me.kiosk || KIOSK_PAGES.includes(page)) && atLeast(me.role, PAGE_ROLE[page]);
}

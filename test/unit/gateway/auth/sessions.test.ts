import { describe, expect, it } from 'vitest';
import { liveSession, type SessionAuthority, Sessions } from '../../../../gateway/auth/sessions.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

function clocked(options: { maxPerUser?: number; maxPerKioskLink?: number } = {}) {
  const clock = { now: Date.UTC(2025, 5, 2) };
  return { clock, sessions: new Sessions({ now: () => clock.now, ...options }) };
}

const person = { username: 'tanaka', role: 'manager' as const, kiosk: false, stamp: 's1' };
const kiosk = { username: 'kiosk:line 1', role: 'viewer' as const, kiosk: true, tokenId: 'k1' };

describe('Sessions', () => {
  it('makes 32-byte random ids and CSRF tokens', () => {
    const { sessions } = clocked();
    const a = sessions.create(person);
    const b = sessions.create(person);
    for (const value of [a.id, a.csrfToken, b.id]) expect(Buffer.from(value, 'base64url')).toHaveLength(32);
    expect(new Set([a.id, a.csrfToken, b.id, b.csrfToken]).size).toBe(4);
    expect(sessions.get(a.id)?.username).toBe('tanaka');
    expect(sessions.get('not-a-session')).toBeUndefined();
    expect(sessions.get(undefined)).toBeUndefined();
  });

  it('ends a session after 2 hours idle', () => {
    const { clock, sessions } = clocked();
    const { id } = sessions.create(person);
    clock.now += 2 * HOUR - 1;
    expect(sessions.get(id)).toBeDefined();
    clock.now += 2 * HOUR - 1;
    expect(sessions.get(id)).toBeDefined();
    clock.now += 2 * HOUR;
    expect(sessions.get(id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('ends a busy session 12 hours after login', () => {
    const { clock, sessions } = clocked();
    const { id } = sessions.create(person);
    for (let hour = 1; hour < 12; hour++) {
      clock.now += HOUR;
      expect(sessions.get(id), `hour ${hour}`).toBeDefined();
    }
    clock.now += HOUR;
    expect(sessions.get(id)).toBeUndefined();
  });

  it('keeps a kiosk session 30 days from its last use', () => {
    const { clock, sessions } = clocked();
    const { id } = sessions.create(kiosk);
    clock.now += 29 * DAY;
    expect(sessions.get(id)).toBeDefined();
    clock.now += 29 * DAY;
    expect(sessions.get(id)).toBeDefined();
    clock.now += 30 * DAY;
    expect(sessions.get(id)).toBeUndefined();
  });

  it("stays bounded per person, evicting that person's session idle longest", () => {
    const { clock, sessions } = clocked({ maxPerUser: 3 });
    const first = sessions.create(person);
    const second = sessions.create(person);
    const third = sessions.create(person);
    clock.now += 1000;
    sessions.get(first.id);
    const fourth = sessions.create(person);
    expect(sessions.size).toBe(3);
    expect(sessions.get(second.id)).toBeUndefined();
    for (const kept of [first, third, fourth]) expect(sessions.get(kept.id)).toBeDefined();
    expect(sessions.stats()).toEqual({ active: 3, evicted: 1 });
  });

  it("lets a flood of kiosk sessions push out only that kiosk link's own sessions", () => {
    const { clock, sessions } = clocked({ maxPerUser: 3, maxPerKioskLink: 5 });
    const admin = sessions.create({ ...person, username: 'admin', role: 'admin' });
    const manager = sessions.create(person);
    const otherTablet = sessions.create({ ...kiosk, tokenId: 'k2' });
    const wallTablet = sessions.create(kiosk);
    clock.now += 1000;
    sessions.get(wallTablet.id);
    const flood = Array.from({ length: 1010 }, () => sessions.create(kiosk));
    expect(sessions.size).toBe(3 + 5);
    for (const kept of [admin, manager, otherTablet, wallTablet]) expect(sessions.get(kept.id)).toBeDefined();
    // Unused sessions go first, so the link keeps the tablet that uses it and the newest four of the flood.
    expect(flood.filter((s) => sessions.get(s.id)).map((s) => s.id)).toEqual(flood.slice(-4).map((s) => s.id));
    expect(sessions.stats().evicted).toBe(1006);
  });

  it('signs out the idle longest of a link once all its sessions are in use', () => {
    const { clock, sessions } = clocked({ maxPerKioskLink: 2 });
    const first = sessions.create(kiosk);
    const second = sessions.create(kiosk);
    clock.now += 1000;
    sessions.get(second.id);
    clock.now += 1000;
    sessions.get(first.id);
    sessions.create(kiosk);
    expect(sessions.get(second.id)).toBeUndefined();
    expect(sessions.get(first.id)).toBeDefined();
  });

  it('makes room with expired sessions before live ones', () => {
    const { clock, sessions } = clocked({ maxPerUser: 2 });
    const stale = sessions.create(person);
    clock.now += HOUR;
    const live = sessions.create(person);
    clock.now += HOUR + 1; // `stale` is now 2 h idle: expired, `live` is not
    sessions.create(person);
    expect(sessions.get(live.id)).toBeDefined();
    expect(sessions.get(stale.id)).toBeUndefined();
    expect(sessions.stats().evicted).toBe(0);
  });

  it("ends a user's sessions, or a kiosk token's, and nothing else", () => {
    const { sessions } = clocked();
    const mine = sessions.create(person);
    const other = sessions.create({ ...person, username: 'sato' });
    const tablet = sessions.create(kiosk);
    expect(sessions.endUser('tanaka')).toBe(1);
    expect(sessions.endToken('k1')).toBe(1);
    expect(sessions.get(mine.id)).toBeUndefined();
    expect(sessions.get(tablet.id)).toBeUndefined();
    expect(sessions.get(other.id)).toBeDefined();
    expect(sessions.delete(other.id)).toBe(true);
    expect(sessions.size).toBe(0);
  });

  it('drops a session whose user changed or whose kiosk token was revoked (liveSession)', () => {
    const { sessions } = clocked();
    const state = { stamp: 's1' as string | undefined, tokenActive: true };
    const authority: SessionAuthority = { userStamp: () => state.stamp, isTokenActive: () => state.tokenActive };
    const user = sessions.create(person);
    const tablet = sessions.create(kiosk);
    expect(liveSession(sessions, authority, user.id)).toBe(user);
    expect(liveSession(sessions, authority, tablet.id)).toBe(tablet);
    state.stamp = 's2';
    state.tokenActive = false;
    expect(liveSession(sessions, authority, user.id)).toBeUndefined();
    expect(liveSession(sessions, authority, tablet.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });
});

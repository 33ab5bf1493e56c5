import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { addressKey, createCredentials } from '../../../../gateway/broker/credentials.js';
import * as password from '../../../../gateway/broker/password.js';

vi.mock('../../../../gateway/broker/password.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../../gateway/broker/password.js')>();
  return { ...original, verifyPasswordAsync: vi.fn(original.verifyPasswordAsync) };
});

let accounts: ReturnType<typeof parseKitConfig>['broker']['accounts'];
beforeAll(() => {
  accounts = parseKitConfig({
    kit: { id: 'k', site: 'site' },
    broker: {
      accounts: [
        { username: 'grafana', role: 'reader', passwordHash: password.hashPassword('grafana-password') },
        { username: 'bench', role: 'reader', password: 'bench-password' },
      ],
    },
  }).broker.accounts;
});

const wrong = Buffer.from('not the password');

describe('broker credentials', () => {
  it('lets the right password in and keeps the wrong one out', async () => {
    const credentials = createCredentials(accounts);
    expect(await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.5')).toEqual({
      ok: true,
      principal: { username: 'grafana', role: 'reader' },
    });
    expect(await credentials.check('grafana', wrong, '10.0.0.5')).toEqual({ ok: false, why: 'badCredentials' });
    expect((await credentials.check('bench', Buffer.from('bench-password'), '10.0.0.5')).ok).toBe(true);
  });

  it('hashes an unknown name, and a clear-text bench account, as it does a real one', async () => {
    const credentials = createCredentials(accounts);
    const verify = vi.mocked(password.verifyPasswordAsync);
    verify.mockClear();
    await credentials.check('nobody', wrong, '10.0.0.5');
    await credentials.check('bench', wrong, '10.0.0.5');
    await credentials.check('grafana', wrong, '10.0.0.5');
    expect(verify).toHaveBeenCalledTimes(3);
    // The same scrypt parameters for each, so each costs the same.
    const costs = verify.mock.calls.map(([, stored]) => stored.split('$').slice(0, 4).join('$'));
    expect(new Set(costs).size).toBe(1);
  });

  it('hashes off the event loop: other work runs while a password is checked', async () => {
    const credentials = createCredentials(accounts);
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.5').then(() => order.push('checked'));
    expect(order).toEqual(['other work', 'checked']);
  });

  it('throttles an address after 10 failures, and lets it try again as time passes', async () => {
    const clock = { now: 0 };
    const credentials = createCredentials(accounts, () => clock.now);
    for (let i = 0; i < 10; i++) expect((await credentials.check('grafana', wrong, '10.0.0.66')).ok).toBe(false);
    // Even the right password is not looked at now: guessing from there is over for a while.
    expect(await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.66')).toEqual({ ok: false, why: 'throttled' });
    expect(await credentials.check('bench', wrong, '10.0.0.66')).toEqual({ ok: false, why: 'throttled' });
    // Another address is not punished for it.
    expect((await credentials.check('bench', Buffer.from('bench-password'), '10.0.0.7')).ok).toBe(true);
    clock.now += 3000;
    expect((await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.66')).ok).toBe(true);
  });

  it('throttles guesses at one name from many addresses, but not the account where it already signed in', async () => {
    const clock = { now: 0 };
    const credentials = createCredentials(accounts, () => clock.now);
    expect((await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.5')).ok).toBe(true);
    for (let i = 0; i < 10; i++) await credentials.check('grafana', wrong, `10.0.1.${i}`);
    expect(await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.2.1')).toEqual({ ok: false, why: 'throttled' });
    expect((await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.5')).ok).toBe(true);
  });

  it('charges a burst of wrong passwords sent at once as it arrives: 50 at once are hashed 10 times, not 50', async () => {
    const clock = { now: 0 };
    const credentials = createCredentials(accounts, () => clock.now);
    const verify = vi.mocked(password.verifyPasswordAsync);
    verify.mockClear();
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => credentials.check('grafana', wrong, '10.0.0.80')));
    expect(verdicts.filter((v) => !v.ok && v.why === 'badCredentials')).toHaveLength(10);
    expect(verdicts.filter((v) => !v.ok && v.why === 'throttled')).toHaveLength(40);
    expect(verify).toHaveBeenCalledTimes(10);
  });

  it('locks an address and a name out for at most 10 × 3 s however big the burst was', async () => {
    const clock = { now: 0 };
    const credentials = createCredentials(accounts, () => clock.now);
    await Promise.all(Array.from({ length: 300 }, () => credentials.check('grafana', wrong, '10.0.0.81')));
    clock.now += 10 * 3000;
    // From another address the name is free again, and from the same address the right password gets in.
    expect((await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.82')).ok).toBe(true);
    expect((await credentials.check('grafana', Buffer.from('grafana-password'), '10.0.0.81')).ok).toBe(true);
  });

  it('does not count a right password against the address: a node that reconnects all day is never throttled', async () => {
    const clock = { now: 0 };
    const credentials = createCredentials(accounts, () => clock.now);
    for (let i = 0; i < 30; i++) expect((await credentials.check('bench', Buffer.from('bench-password'), '10.0.0.83')).ok).toBe(true);
    for (let i = 0; i < 9; i++) await credentials.check('bench', wrong, '10.0.0.83');
    expect((await credentials.check('bench', Buffer.from('bench-password'), '10.0.0.83')).ok).toBe(true);
  });

  it('counts an IPv6 host by its /64, since it may use any address in it', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb::9'));
    expect(addressKey('::ffff:192.168.1.20')).toBe('192.168.1.20');
  });
});

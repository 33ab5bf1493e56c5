/**
 * Checks broker credentials without handing out timing or guesses: failed CONNECTs are throttled per address
 * and per account name, every check costs one asynchronous scrypt whether the name exists or not.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountConfig } from '../../config/schema.js';
import type { Principal } from './acl.js';
import { decoyHash, verifyPasswordAsync } from './password.js';

export type Verdict = { ok: true; principal: Principal } | { ok: false; why: 'badCredentials' | 'throttled' };

/** Failures allowed in a burst, then one more every REFILL_MS: a mistyped password is fine, a guessing loop gets 20 a minute. */
const BURST = 10;
const REFILL_MS = 3000;
/** Bounds the memory an attacker can make the throttle keep; the oldest entries go first. */
const MAX_TRACKED = 10_000;
/** scrypt runs on libuv's pool of 4 threads, shared with file I/O (the spool): never let logins take more than 2. */
const MAX_HASHING = 2;

/** A token bucket of failures per key (an address, a name). */
export class FailureBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  private tokens(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return BURST;
    const tokens = Math.min(BURST, bucket.tokens + (this.now() - bucket.at) / REFILL_MS);
    if (tokens >= BURST) this.buckets.delete(key);
    return tokens;
  }

  exhausted(key: string): boolean {
    return this.tokens(key) < 1;
  }

  /** Takes one try; never below empty, so a burst locks a key out for at most BURST × REFILL_MS. */
  fail(key: string): void {
    const tokens = Math.max(0, this.tokens(key) - 1);
    this.buckets.delete(key); // re-inserted last, so the oldest entry is the first in the map
    this.buckets.set(key, { tokens, at: this.now() });
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
  }

  /** Gives back a try taken for an attempt that turned out right. */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const tokens = this.tokens(key) + 1;
    if (tokens >= BURST) this.buckets.delete(key);
    else Object.assign(bucket, { tokens, at: this.now() });
  }
}

/** One IPv4 address, or an IPv6 /64: a single host can take a whole /64 of addresses. */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1] as string;
  const groups = address.split('::')[0]?.split(':') ?? [];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** Waits for one of `size` slots. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

export function createCredentials(accounts: AccountConfig[], now: () => number = Date.now) {
  const byName = new Map(accounts.map((a) => [a.username, a]));
  const byAddress = new FailureBudget(now);
  const byNameBudget = new FailureBudget(now);
  // A name that signed in from an address keeps signing in from there while others guess at that name elsewhere.
  const known = new Set<string>();
  const hashing = new Slots(MAX_HASHING);
  // An unknown name (or a bench account with a clear password) is hashed against this, so it costs what a real one does.
  const dummyHash = decoyHash();

  const principalOf = (account: AccountConfig): Principal => ({
    username: account.username,
    role: account.role,
    ...(account.node ? { node: account.node } : {}),
  });

  async function verify(username: string, password: Buffer): Promise<Principal | undefined> {
    const account = byName.get(username);
    const hashOk = await hashing.run(() => verifyPasswordAsync(password, account?.passwordHash ?? dummyHash));
    if (!account) return undefined;
    if (account.passwordHash) return hashOk ? principalOf(account) : undefined;
    return account.password !== undefined && timingSafeEqual(digest(account.password), digest(password)) ? principalOf(account) : undefined;
  }

  return {
    async check(username: string, password: Buffer, address: string | undefined): Promise<Verdict> {
      const from = addressKey(address);
      const pair = `${username}\n${from}`;
      if (byAddress.exhausted(from) || (byNameBudget.exhausted(username) && !known.has(pair))) return { ok: false, why: 'throttled' };
      // Charged before the hash and given back when right: charged after it, a burst of CONNECTs sent at once all passed
      // the check while the first were still hashing (300 of them held every login up for a minute, then the name for 15).
      byAddress.fail(from);
      byNameBudget.fail(username);
      const principal = await verify(username, password);
      if (!principal) return { ok: false, why: 'badCredentials' };
      byAddress.refund(from);
      byNameBudget.refund(username);
      known.add(pair);
      if (known.size > MAX_TRACKED) known.delete(known.values().next().value as string);
      return { ok: true, principal };
    },
  };
}

export type Credentials = ReturnType<typeof createCredentials>;

/** scrypt password hashes for broker accounts: `scrypt$N$r$p$salt$hash` (base64), never the password itself. */
import { randomBytes, type ScryptOptions, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed {
  salt: Buffer;
  hash: Buffer;
  options: ScryptOptions;
}

function parse(stored: string): Parsed | undefined {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return undefined;
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * Number(n) * Number(r) };
  return { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64'), options };
}

const matches = (expected: Buffer, actual: Buffer) => expected.length === actual.length && timingSafeEqual(expected, actual);

/**
 * A well-formed hash with the parameters of a real one but a random key that no password can be expected to match: checking
 * an unknown name against it costs what a real check costs, and making it costs nothing (no scrypt at the first unknown name).
 */
export function decoyHash(): string {
  return `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64')}$${randomBytes(KEY_LENGTH).toString('base64')}`;
}

/**
 * scrypt runs on libuv's pool of 4 threads, which file I/O (the spool, the dead letters) shares, and each run takes a 16 MB
 * work area: however many logins arrive at once, over HTTP and MQTT together, at most this many hash at a time.
 */
const MAX_HASHING = 2;
let hashing = 0;
const waiting: (() => void)[] = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (hashing < MAX_HASHING) hashing++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else hashing--;
  }
}

export function verifyPassword(password: string | Buffer, stored: string): boolean {
  const parsed = parse(stored);
  return parsed ? matches(parsed.hash, scryptSync(password, parsed.salt, parsed.hash.length, parsed.options)) : false;
}

/** The same check on libuv's thread pool, so that a flood of logins does not stall the event loop; logins wait their turn. */
export async function verifyPasswordAsync(password: string | Buffer, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await inTurn(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, parsed.salt, parsed.hash.length, parsed.options, (error, key) => (error ? reject(error) : resolve(key))),
      ),
  );
  return matches(parsed.hash, actual);
}

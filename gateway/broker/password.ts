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

export function verifyPassword(password: string | Buffer, stored: string): boolean {
  const parsed = parse(stored);
  return parsed ? matches(parsed.hash, scryptSync(password, parsed.salt, parsed.hash.length, parsed.options)) : false;
}

/** The same check on libuv's thread pool, so that a flood of logins does not stall the event loop. */
export async function verifyPasswordAsync(password: string | Buffer, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, parsed.salt, parsed.hash.length, parsed.options, (error, key) => (error ? reject(error) : resolve(key))),
  );
  return matches(parsed.hash, actual);
}

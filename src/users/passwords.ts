import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import pLimit from 'p-limit';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

// At OWASP's floor for scrypt (its equivalent of N=2^17, r=8, p=1 that costs 32 MiB, not 128 MiB).
// Hashes stored with less are upgraded at their owner's next login (needsRehash).
const PARAMS = { N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

// scrypt runs on libuv's pool (4 threads), shared with file and DNS work: a burst of password
// attempts queues here instead of holding every thread, and a login waits behind two hashes at most.
const hashing = pLimit(2);

/** How much password hashing is running now (for tests and metrics). */
export const passwordWork = {
  get running() {
    return hashing.activeCount;
  },
  get waiting() {
    return hashing.pendingCount;
  },
};

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await hashing(() => scrypt(password, salt, KEY_LEN, PARAMS));
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A stored hash made with weaker parameters than today's (or not by scrypt). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < PARAMS.N || Number(r) < PARAMS.r || Number(p) < PARAMS.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await hashing(() =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: PARAMS.maxmem,
    }),
  );
  return timingSafeEqual(actual, expected);
}

// An account's checks run one after another: a burst at one account (a stolen token guessing its
// password) holds one of the two hashing slots, and every other sign-in keeps the other.
const accountTails = new Map<string, Promise<unknown>>();

/** verifyPassword, queued behind the same account's checks still running. */
export function verifyAccountPassword(account: string, password: string, stored: string): Promise<boolean> {
  const previous = accountTails.get(account) ?? Promise.resolve();
  const check = previous.then(() => verifyPassword(password, stored));
  const tail = check.catch(() => undefined);
  accountTails.set(account, tail);
  void tail.then(() => {
    if (accountTails.get(account) === tail) accountTails.delete(account);
  });
  return check;
}

export function newToken(prefix = 'shp'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/index.js';
import { createBatcher } from '../shared/batcher.js';
import type { Cache } from '../shared/cache.js';
import { DomainError, isUniqueViolation } from '../shared/errors.js';
import type { AuthUser } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import type { RateLimits } from '../shared/rate-limits.js';
import { hashPassword, hashToken, needsRehash, newToken, verifyAccountPassword } from './passwords.js';
import * as q from './queries.js';
import type { LoginInput, PasswordChangeInput, RegisterInput, Role } from './schemas.js';

// A revoked token keeps working at most this long on other processes.
const AUTH_CACHE_TTL_MS = 60_000;
// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$3$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export type UserService = ReturnType<typeof createUserService>;

interface CachedSession {
  user: AuthUser;
  /** When the token expires (ms since epoch), so a cached entry never outlives it. */
  expiresAt: number | null;
  sig: string;
}

export function createUserService({
  db,
  cache,
  logger,
  limits,
  options,
}: {
  db: Db;
  cache: Cache;
  logger: Logger;
  limits: RateLimits;
  options: { tokenTtlMs: number; cacheSecret: string | null };
}) {
  // The cached entry says which user (and role) a token is: signed, so writing to Redis is not
  // enough to become an admin. Without a configured secret each process signs with its own.
  const secret = options.cacheSecret ?? randomBytes(32).toString('hex');
  const sign = (tokenHash: string, user: AuthUser, expiresAt: number | null) =>
    createHmac('sha256', secret)
      .update(`${tokenHash}|${user.id}|${user.email}|${user.role}|${expiresAt ?? ''}`)
      .digest('base64url');
  const verified = (tokenHash: string, entry: CachedSession | null): AuthUser | null => {
    if (!entry?.user || typeof entry.sig !== 'string') return null;
    const expected = Buffer.from(sign(tokenHash, entry.user, entry.expiresAt));
    const given = Buffer.from(entry.sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) return null;
    return { id: entry.user.id, email: entry.user.email, role: entry.user.role };
  };
  const cacheKey = (tokenHash: string) => `auth:${tokenHash}`;
  const accountAttempts = (email: string, address: string) => `${email.toLowerCase()}|${address}`;

  // Cache misses of requests arriving together (a flash sale of first-time buyers) share one query.
  const tokenLoader = createBatcher<string, { user: AuthUser; expiresAt: number | null } | null>({
    async run(hashes) {
      const rows = await q.findUsersByTokenHashes(db, [...new Set(hashes)]);
      const byHash = new Map(
        rows.map((r) => [
          r.token_hash,
          { user: { id: r.id, email: r.email, role: r.role }, expiresAt: r.expires_at?.getTime() ?? null },
        ]),
      );
      return new Map(hashes.map((h) => [h, byHash.get(h) ?? null]));
    },
    maxSize: 500,
    maxWaitMs: 0,
    concurrency: 4,
    logger,
  });

  async function issueToken(userId: string, name = 'session'): Promise<string> {
    const token = newToken();
    await q.insertToken(db, userId, hashToken(token), name, options.tokenTtlMs);
    return token;
  }

  /** Revokes in PostgreSQL, then drops the cached entries: every process stops accepting them. */
  async function revoke(where: { tokenHash: string } | { userId: string }) {
    const hashes = await q.revokeTokens(db, where);
    await Promise.all(hashes.map((h) => cache.del(cacheKey(h))));
    return hashes.length;
  }

  async function createUser(input: { email: string; password?: string; name?: string; role: Role }) {
    const password_hash = input.password ? await hashPassword(input.password) : null;
    try {
      return await q.insertUser(db, {
        email: input.email,
        name: input.name ?? null,
        password_hash,
        role: input.role,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError('already_exists', 'An account with this email already exists', {
          field: 'email',
        });
      }
      throw err;
    }
  }

  return {
    createUser,
    issueToken,

    async register(input: RegisterInput) {
      const user = await createUser({ ...input, role: 'customer' });
      return { user_id: user.id, token: await issueToken(user.id) };
    },

    /**
     * Each attempt is counted before the password is checked, so a concurrent burst cannot slip
     * through between a check and a count; it is counted per account and client address, so guesses
     * from one place never lock the owner out from theirs (the per-address login limit bounds how
     * many accounts one place may try).
     */
    async login(input: LoginInput, address: string) {
      const attempts = accountAttempts(input.email, address);
      await limits.consume('login_account', attempts);
      const user = await q.findUserByEmail(db, input.email);
      const ok = await verifyAccountPassword(input.email, input.password, user?.password_hash ?? DUMMY_HASH);
      if (!user?.password_hash || !ok) throw new DomainError('unauthorized', 'Email or password is wrong');
      await limits.reset('login_account', attempts);
      if (needsRehash(user.password_hash)) {
        await q.setPasswordHash(db, user.id, await hashPassword(input.password));
      }
      return { user_id: user.id, token: await issueToken(user.id) };
    },

    /** Resolves a bearer token to its user; null when unknown, revoked or expired. */
    async authenticate(token: string): Promise<AuthUser | null> {
      const tokenHash = hashToken(token);
      const cached = verified(tokenHash, await cache.getJson<CachedSession>(cacheKey(tokenHash)));
      if (cached) return cached;
      const found = await tokenLoader.submit(tokenHash);
      if (!found) return null;
      const ttl = Math.min(
        AUTH_CACHE_TTL_MS,
        found.expiresAt === null ? Infinity : found.expiresAt - Date.now(),
      );
      if (ttl > 0) {
        const entry: CachedSession = { ...found, sig: sign(tokenHash, found.user, found.expiresAt) };
        await cache.setJson(cacheKey(tokenHash), entry, ttl);
      }
      return found.user;
    },

    /** Ends the session of this token (POST /auth/logout). */
    logout: (tokenHash: string) => revoke({ tokenHash }),

    /** Every session of a user ends (shopctl users revoke, a password change). */
    async revokeAll(email: string) {
      const user = await q.findUserByEmail(db, email);
      if (!user) throw new DomainError('not_found', `No user with email ${email}`);
      return { email: user.email, revoked: await revoke({ userId: user.id }) };
    },

    /**
     * A new password ends every session; the answer is a fresh token for this one. Guessing the
     * current password with a stolen token costs what guessing it at login does: each attempt is
     * counted (per user, and with the account's login attempts from this address) before it is checked.
     */
    async changePassword(userId: string, input: PasswordChangeInput, address: string) {
      await limits.consume('password_user', userId);
      const user = await q.findUserById(db, userId);
      if (!user) throw new DomainError('unauthorized', 'Token is invalid, expired or revoked');
      const attempts = accountAttempts(user.email, address);
      await limits.consume('login_account', attempts);
      const ok = await verifyAccountPassword(
        user.email,
        input.current_password,
        user.password_hash ?? DUMMY_HASH,
      );
      if (!user.password_hash || !ok) throw new DomainError('forbidden', 'The current password is wrong');
      await limits.reset('login_account', attempts);
      await q.setPasswordHash(db, user.id, await hashPassword(input.new_password));
      const revoked = await revoke({ userId: user.id });
      return { user_id: user.id, token: await issueToken(user.id), revoked_sessions: revoked };
    },

    /** Mints a fresh token for an existing user (tokens are stored hashed, so old ones cannot be shown). */
    async tokenFor(email: string, name = 'cli') {
      const user = await q.findUserByEmail(db, email);
      if (!user) throw new DomainError('not_found', `No user with email ${email}`);
      return { user_id: user.id, email: user.email, role: user.role, token: await issueToken(user.id, name) };
    },

    list: () => q.listUsers(db),
    findByEmail: (email: string) => q.findUserByEmail(db, email),
  };
}

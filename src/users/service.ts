import type { Db } from '../db/index.js';
import { createBatcher } from '../shared/batcher.js';
import type { Cache } from '../shared/cache.js';
import { DomainError, isUniqueViolation } from '../shared/errors.js';
import type { AuthUser } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { hashPassword, hashToken, newToken, verifyPassword } from './passwords.js';
import * as q from './queries.js';
import type { LoginInput, RegisterInput, Role } from './schemas.js';

// A revoked token keeps working at most this long on other processes.
const AUTH_CACHE_TTL_MS = 60_000;
// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export type UserService = ReturnType<typeof createUserService>;

export function createUserService({ db, cache, logger }: { db: Db; cache: Cache; logger: Logger }) {
  // Cache misses of requests arriving together (a flash sale of first-time buyers) share one query.
  const tokenLoader = createBatcher<string, AuthUser | null>({
    async run(hashes) {
      const rows = await q.findUsersByTokenHashes(db, [...new Set(hashes)]);
      const byHash = new Map(rows.map((r) => [r.token_hash, { id: r.id, email: r.email, role: r.role }]));
      return new Map(hashes.map((h) => [h, byHash.get(h) ?? null]));
    },
    maxSize: 500,
    maxWaitMs: 0,
    concurrency: 4,
    logger,
  });

  async function issueToken(userId: string, name = 'session'): Promise<string> {
    const token = newToken();
    await q.insertToken(db, userId, hashToken(token), name);
    return token;
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

    async login(input: LoginInput) {
      const user = await q.findUserByEmail(db, input.email);
      const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
      if (!user || !ok) throw new DomainError('unauthorized', 'Email or password is wrong');
      return { user_id: user.id, token: await issueToken(user.id) };
    },

    /** Resolves a bearer token to its user; null when unknown, revoked or expired. */
    async authenticate(token: string): Promise<AuthUser | null> {
      const tokenHash = hashToken(token);
      const cached = await cache.getJson<AuthUser>(`auth:${tokenHash}`);
      if (cached) return cached;
      const user = await tokenLoader.submit(tokenHash);
      if (user) await cache.setJson(`auth:${tokenHash}`, user, AUTH_CACHE_TTL_MS);
      return user;
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

import type { Db } from '../db/index.js';
import { ageRule, type RetentionRule } from '../db/retention.js';
import type { Role } from './schemas.js';

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  role: Role;
  created_at: Date;
}

export const findUserByEmail = (db: Db, email: string) =>
  db<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first();

export const insertUser = async (
  db: Db,
  row: { email: string; name?: string | null; password_hash: string | null; role: Role },
) => {
  const [user] = await db<UserRow>('users').insert(row).returning('*');
  return user!;
};

export const insertToken = (db: Db, userId: string, tokenHash: string, name: string, ttlMs: number) =>
  db('api_tokens').insert({
    user_id: userId,
    token_hash: tokenHash,
    name,
    expires_at: db.raw(`now() + make_interval(secs => ? / 1000.0)`, [ttlMs]),
  });

/** Revokes tokens (one, or every live one of a user); answers the revoked hashes, to drop their cache entries. */
export async function revokeTokens(db: Db, where: { tokenHash: string } | { userId: string }) {
  const rows = await db('api_tokens')
    .where('tokenHash' in where ? { token_hash: where.tokenHash } : { user_id: where.userId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now() })
    .returning<{ token_hash: string }[]>('token_hash');
  return rows.map((r) => r.token_hash);
}

export const setPasswordHash = (db: Db, userId: string, passwordHash: string) =>
  db('users').where({ id: userId }).update({ password_hash: passwordHash });

export const findUserById = (db: Db, id: string) => db<UserRow>('users').where({ id }).first();

/** Several tokens in one query (concurrent requests' lookups are coalesced). */
export const findUsersByTokenHashes = (db: Db, tokenHashes: string[]) =>
  db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .whereIn('t.token_hash', tokenHashes)
    .whereNull('t.revoked_at')
    .where((q) => q.whereNull('t.expires_at').orWhere('t.expires_at', '>', db.fn.now()))
    .select<(Pick<UserRow, 'id' | 'email' | 'role'> & { token_hash: string; expires_at: Date | null })[]>(
      't.token_hash',
      't.expires_at',
      'u.id',
      'u.email',
      'u.role',
    );

export const listUsers = (db: Db) =>
  db<UserRow>('users').select('id', 'email', 'name', 'role', 'created_at').orderBy('created_at');

/**
 * Retention: every login adds a token. One that expired or was revoked stops working at once, and
 * is kept a week so a recent sign-out or revocation can still be looked into; then it goes.
 * (LEAST skips a NULL: the earlier of expiry and revocation; the first condition is the index's.)
 */
export const endedTokensRetention: RetentionRule = ageRule(
  'api_tokens',
  'expired or revoked over 7 days ago',
  "(expires_at IS NOT NULL OR revoked_at IS NOT NULL) AND least(expires_at, revoked_at) < now() - interval '7 days'",
);

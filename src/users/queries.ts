import type { Db } from '../db/index.js';
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

export const insertToken = (db: Db, userId: string, tokenHash: string, name: string) =>
  db('api_tokens').insert({ user_id: userId, token_hash: tokenHash, name });

/** Several tokens in one query (concurrent requests' lookups are coalesced). */
export const findUsersByTokenHashes = (db: Db, tokenHashes: string[]) =>
  db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .whereIn('t.token_hash', tokenHashes)
    .whereNull('t.revoked_at')
    .where((q) => q.whereNull('t.expires_at').orWhere('t.expires_at', '>', db.fn.now()))
    .select<(Pick<UserRow, 'id' | 'email' | 'role'> & { token_hash: string })[]>(
      't.token_hash',
      'u.id',
      'u.email',
      'u.role',
    );

export const listUsers = (db: Db) =>
  db<UserRow>('users').select('id', 'email', 'name', 'role', 'created_at').orderBy('created_at');

import { createHash } from 'node:crypto';
import type { Db, Trx } from '../db/index.js';
import type { SqlPiece } from '../db/pieces.js';
import { countWhere, type RetentionRule } from '../db/retention.js';
import type { CheckoutInput, CheckoutRequest, CheckoutResponse } from './schemas.js';

/** How long a checkout's stored answer is replayed for the same Idempotency-Key. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

/** Canonical JSON (sorted keys) so the same body always hashes the same, whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a key is bound to: a retry with another body under the same key is refused, not replayed. */
export const hashRequest = (input: CheckoutInput) =>
  createHash('sha256').update(canonical(input)).digest('hex');

const slot = (userId: string, key: string) => `${userId}\u0000${key}`;

/**
 * Claims the requests' keys (sorted, so two batches never deadlock on them). A key committed by
 * another transaction meanwhile is not claimed: its request is a duplicate, replayed from the
 * stored answer. A key whose stored answer expired (24 h) while its order lives on is `spent`.
 */
export async function claimKeys(
  trx: Trx,
  requests: CheckoutRequest[],
): Promise<{ claimed: Set<CheckoutRequest>; spent: Set<CheckoutRequest> }> {
  const sorted = [...requests].sort((a, b) => (a.userId + a.key < b.userId + b.key ? -1 : 1));
  const { rows } = await trx.raw<{ rows: { user_id: string; key: string; spent: boolean }[] }>(
    `INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)
     SELECT u, k, h, now() + interval '${IDEMPOTENCY_RETENTION_HOURS} hours'
       FROM unnest(:users::uuid[], :keys::text[], :hashes::text[]) WITH ORDINALITY AS t(u, k, h, n) ORDER BY n
     ON CONFLICT (user_id, key) DO NOTHING
     RETURNING user_id, key,
               EXISTS (SELECT 1 FROM orders o WHERE o.user_id = idempotency_keys.user_id
                          AND o.idempotency_key = idempotency_keys.key) AS spent`,
    {
      users: sorted.map((r) => r.userId),
      keys: sorted.map((r) => r.key),
      hashes: sorted.map((r) => r.requestHash),
    },
  );
  const won = new Set(rows.map((r) => slot(r.user_id, r.key)));
  const used = new Set(rows.filter((r) => r.spent).map((r) => slot(r.user_id, r.key)));
  return {
    claimed: new Set(requests.filter((r) => won.has(slot(r.userId, r.key)))),
    spent: new Set(requests.filter((r) => used.has(slot(r.userId, r.key)))),
  };
}

/** Every claimed request's answer, stored for replay, as a piece of the caller's statement. */
export const storeAnswers = (
  answers: { request: CheckoutRequest; response: CheckoutResponse }[],
): SqlPiece => ({
  sql: `UPDATE idempotency_keys i SET response_status = r.s, response_body = r.b
         FROM unnest(:answers_user::uuid[], :answers_key::text[], :answers_status::int[], :answers_body::json[])
              AS r(u, k, s, b)
        WHERE i.user_id = r.u AND i.key = r.k`,
  bindings: {
    answers_user: answers.map((a) => a.request.userId),
    answers_key: answers.map((a) => a.request.key),
    answers_status: answers.map((a) => a.response.status),
    answers_body: answers.map((a) => JSON.stringify(a.response.body)),
  },
});

/** The key's row as another transaction committed it: its request hash and stored answer, if any. */
export const storedAnswer = (db: Db, request: CheckoutRequest) =>
  db('idempotency_keys')
    .where({ user_id: request.userId, key: request.key })
    .first<
      | { request_hash: string; response_status: number | null; response_body: CheckoutResponse['body'] }
      | undefined
    >('request_hash', 'response_status', 'response_body');

/** Retention: keys past their expiry go; an order placed under one still keeps the key spent. */
export const deleteExpiredIdempotencyKeys = (db: Db) =>
  db('idempotency_keys').where('expires_at', '<', db.fn.now()).delete();

export const idempotencyRetention: RetentionRule = {
  table: 'idempotency_keys',
  rule: `${IDEMPOTENCY_RETENTION_HOURS} h after first use (the order keeps its key spent)`,
  due: (db) => countWhere(db, 'idempotency_keys', 'expires_at < now()'),
  purge: deleteExpiredIdempotencyKeys,
};

/**
 * The keys of orders leaving the live tables (the order archive, in its transaction). A key lives
 * a day and an archived order is years old, so one is rarely left; one that is would name an
 * order that is no longer there (a replay would answer with it).
 */
export const forgetOrderKeys = (trx: Trx, orders: { user_id: string; idempotency_key: string | null }[]) => {
  const keyed = orders.filter((o) => o.idempotency_key !== null);
  if (keyed.length === 0) return Promise.resolve(0);
  return trx('idempotency_keys')
    .whereRaw('(user_id, key) IN (SELECT * FROM unnest(?::uuid[], ?::text[]))', [
      keyed.map((o) => o.user_id),
      keyed.map((o) => o.idempotency_key as string),
    ])
    .delete();
};

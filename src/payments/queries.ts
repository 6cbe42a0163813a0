import { type Db, pgArray, type Trx } from '../db/index.js';
import type { ChargeRequest } from './provider.js';

export const chargeKey = (orderId: string) => `order:${orderId}:charge`;
export const refundKey = (orderId: string) => `order:${orderId}:refund`;
export const cancelKey = (orderId: string) => `order:${orderId}:cancel`;

/**
 * Records the charge attempts of many orders in one statement and answers what to send to the
 * provider: a new attempt for an order still PENDING with none, or the same attempt again (same
 * idempotency key) for one whose earlier call never got an answer. Orders already answered
 * (paid, declined, waiting for the customer) or no longer PENDING get nothing.
 */
export async function startCharges(db: Db, provider: string, orderIds: string[]): Promise<ChargeRequest[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await db.raw<{
    rows: { id: string; total_cents: number; currency: string; payment_method: string }[];
  }>(
    `WITH o AS (
       SELECT id, status, total_cents, currency, payment_method FROM orders WHERE id = ANY(?::uuid[])
     ), started AS (
       INSERT INTO payments (order_id, provider, kind, state, amount_cents, idempotency_key)
       SELECT id, ?, 'charge', 'pending', total_cents, 'order:' || id || ':charge' FROM o
        WHERE status = 'PENDING'
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge')
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING order_id
     )
     SELECT o.id, o.total_cents, o.currency, o.payment_method FROM o
      WHERE o.id IN (SELECT order_id FROM started)
         OR EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge' AND p.state = 'pending')
      ORDER BY o.id`,
    [orderIds, provider],
  );
  return rows.map((r) => ({
    orderId: r.id,
    amountCents: r.total_cents,
    currency: r.currency,
    paymentMethod: r.payment_method,
    idempotencyKey: chargeKey(r.id),
  }));
}

export interface ChargeResultRow {
  orderId: string;
  state: string;
  ref: string;
  failureCode: string | null;
  nextAction: Record<string, unknown> | null;
}

/** What the provider said, onto each order's charge row, set-based; an order's last result wins. */
export async function recordChargeResults(trx: Trx, results: ChargeResultRow[]) {
  if (results.length === 0) return;
  const last = [...new Map(results.map((r) => [r.orderId, r])).values()];
  await trx.raw(
    `UPDATE payments p
        SET state = u.state, provider_ref = u.ref, failure_code = u.code, next_action = u.next_action,
            updated_at = now()
       FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[]) AS u(order_id, state, ref, code, next_action)
      WHERE p.order_id = u.order_id AND p.kind = 'charge'`,
    [
      last.map((r) => r.orderId),
      last.map((r) => r.state),
      last.map((r) => r.ref),
      pgArray(last.map((r) => r.failureCode)),
      pgArray(last.map((r) => (r.nextAction ? JSON.stringify(r.nextAction) : null))),
    ],
  );
}

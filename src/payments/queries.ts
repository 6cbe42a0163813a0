import { type Db, pgArray, type Trx } from '../db/index.js';
import { ageRule, type RetentionRule } from '../db/retention.js';
import { AWAITING_PAYMENT } from '../orders/index.js';
import type { ChargeRequest } from './provider.js';

export const chargeKey = (orderId: string) => `order:${orderId}:charge`;
export const refundKey = (orderId: string) => `order:${orderId}:refund`;
export const cancelKey = (orderId: string) => `order:${orderId}:cancel`;

/**
 * Whether a charge (its payments row's state) is still waiting, on the customer's 3-D Secure or on
 * the provider's processing: the only kind whose state can still change at the provider.
 */
export const isChargeWaiting = (state: string | null | undefined) =>
  state === 'pending' || state === 'requires_action';

/** The provider's reference of a charge still waiting; null for any other. */
export const waitingChargeRef = (charge: { state: string; provider_ref: string | null } | undefined) =>
  charge?.provider_ref && isChargeWaiting(charge.state) ? charge.provider_ref : null;

type ChargedOrder = { id: string; total_cents: number; currency: string; payment_method: string };

/** The charge request of an order: the same key and parameters on every try. */
const chargeRequest = (o: ChargedOrder): ChargeRequest => ({
  orderId: o.id,
  amountCents: o.total_cents,
  currency: o.currency,
  paymentMethod: o.payment_method,
  idempotencyKey: chargeKey(o.id),
});

/**
 * Records the charge attempts of many orders in one statement and answers what to send to the
 * provider: a new attempt for an order still PENDING with none, or the same attempt again (same
 * idempotency key) for one whose earlier call never got an answer. Orders already answered
 * (paid, declined, waiting for the customer) or no longer PENDING get nothing.
 */
export async function startCharges(db: Db, provider: string, orderIds: string[]): Promise<ChargeRequest[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: ChargedOrder[] }>(
    `WITH o AS (
       SELECT id, status, total_cents, currency, payment_method FROM orders WHERE id = ANY(:orders::uuid[])
     ), started AS (
       INSERT INTO payments (order_id, provider, kind, state, amount_cents, idempotency_key)
       SELECT id, :provider, 'charge', 'pending', total_cents, 'order:' || id || '\\:charge' FROM o
        WHERE status = ANY(:payable::text[])
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge')
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING order_id
     )
     SELECT o.id, o.total_cents, o.currency, o.payment_method FROM o
      WHERE o.id IN (SELECT order_id FROM started)
         OR (o.status = ANY(:payable::text[])
             AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge' AND p.state = 'pending'))
      ORDER BY o.id`,
    // The orders state machine says which orders may be charged (PENDING).
    { orders: orderIds, provider, payable: AWAITING_PAYMENT },
  );
  return rows.map(chargeRequest);
}

/**
 * The request an order's charge was sent as, while no answer to it is recorded (lost, or still on
 * its way), whatever the order's status now. Stripe keeps a key's answer for 24 hours: past that,
 * or at another provider, the same request would be a new charge, so none is given.
 */
export async function unansweredCharge(
  db: Db,
  provider: string,
  orderId: string,
): Promise<ChargeRequest | null> {
  const order = await db('orders as o')
    .join('payments as p', 'p.order_id', 'o.id')
    .where({ 'o.id': orderId, 'p.kind': 'charge', 'p.state': 'pending', 'p.provider': provider })
    .whereNull('p.provider_ref')
    .where('p.created_at', '>', db.raw("now() - interval '23 hours'"))
    .first<ChargedOrder | undefined>('o.id', 'o.total_cents', 'o.currency', 'o.payment_method');
  return order ? chargeRequest(order) : null;
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

/** Everything known about an order's money: charge and refund rows, their jobs, their webhooks. */
export async function paymentRecord(db: Db, orderId: string) {
  const payments = await db('payments')
    .where({ order_id: orderId })
    .orderBy('created_at')
    .select(
      'kind',
      'state',
      'provider',
      'provider_ref',
      'amount_cents',
      'failure_code',
      'idempotency_key',
      'created_at',
      'updated_at',
    );
  const refs = payments.map((p) => p.provider_ref).filter(Boolean);
  const [jobs, webhooks] = await Promise.all([
    db('outbox_events')
      .where({ aggregate_id: orderId })
      .where('topic', 'like', 'payment.%')
      .orderBy('id')
      .select(
        'id',
        'topic',
        'attempts',
        'last_error',
        'created_at',
        'available_at',
        'processed_at',
        'failed_at',
      ),
    refs.length
      ? db('webhook_events')
          .whereIn('object_id', refs)
          .orderBy('received_at')
          .select('id', 'type', 'object_id', 'deliveries', 'outcome', 'received_at', 'processed_at')
      : [],
  ]);
  return { payments, jobs, webhooks };
}

/**
 * Makes the order's charge job due now: a parked or backing-off one runs again with fresh
 * attempts; with none left (removed by an operator), a new one is queued. Same key either way.
 */
export async function requeueCharge(db: Db, orderId: string): Promise<'requeued' | 'queued'> {
  const updated = await db('outbox_events')
    .where({ aggregate_id: orderId, topic: 'payment.requested' })
    .whereNull('processed_at')
    .update({ failed_at: null, attempts: 0, available_at: db.fn.now() });
  if (updated > 0) return 'requeued';
  await db('outbox_events').insert({ topic: 'payment.requested', aggregate_id: orderId });
  return 'queued';
}

export type RefundRowState = 'succeeded' | 'pending' | 'failed';

/** A provider's refund status in the payments table's terms (a canceled refund returned nothing). */
export const refundState = (status: string): RefundRowState =>
  status === 'succeeded' ? 'succeeded' : status === 'failed' || status === 'canceled' ? 'failed' : 'pending';

/** Money on its way back for an order (succeeded and pending refunds), and how many failed. */
export async function refundTotals(db: Db, orderId: string) {
  const { rows } = await db.raw<{ rows: { refunded: number; failed: number }[] }>(
    `SELECT coalesce(sum(amount_cents) FILTER (WHERE state IN ('succeeded', 'pending')), 0)::bigint AS refunded,
            count(*) FILTER (WHERE state = 'failed')::int AS failed
       FROM payments WHERE order_id = ? AND kind = 'refund'`,
    [orderId],
  );
  return { refunded: Number(rows[0]!.refunded), failed: rows[0]!.failed };
}

/**
 * Records a refund once, by its provider reference (the shop's job and the provider's webhook may
 * both see it, in either order), or brings its state up to date.
 */
export async function recordRefund(
  db: Db,
  r: {
    orderId: string;
    provider: string;
    ref: string;
    state: RefundRowState;
    amountCents: number;
    key: string;
  },
) {
  const updated = await db('payments')
    .where({ kind: 'refund', provider_ref: r.ref })
    .update({ state: r.state, updated_at: db.fn.now() });
  if (updated > 0) return;
  await db.raw(
    `INSERT INTO payments (order_id, provider, provider_ref, kind, state, amount_cents, idempotency_key)
     VALUES (?, ?, ?, 'refund', ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.orderId, r.provider, r.ref, r.state, r.amountCents, r.key],
  );
}

/**
 * Retention: Stripe retries a webhook for 3 days, so a duplicate cannot come after that; the rows
 * stay 90 days for on-call (`shopctl payments show`), holding only the trimmed event.
 */
export const webhookEventsRetention: RetentionRule = ageRule(
  'webhook_events',
  'received over 90 days ago',
  "received_at < now() - interval '90 days'",
);

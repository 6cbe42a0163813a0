import { pgArray, type Trx } from '../db/index.js';
import { runPiece, type SqlPiece } from '../db/pieces.js';
import { DomainError } from '../shared/errors.js';

export const ORDER_STATUSES = [
  'PENDING',
  'PAID',
  'SHIPPED',
  'DELIVERED',
  'PAYMENT_FAILED',
  'EXPIRED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The only moves an order may make. Beyond the design's core graph, an EXPIRED order may still
 * become PAID (a payment that lands late and finds stock to re-reserve) or CANCELLED (it finds
 * none and is refunded): the money has moved, so the order must say so.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAID', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED'],
  PAID: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  PAYMENT_FAILED: [],
  EXPIRED: ['PAID', 'CANCELLED'],
  CANCELLED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => TRANSITIONS[from].includes(to);

/**
 * Whether a charge may be started (or retried) for an order: only while its decline could still
 * fail it (PENDING). A late payment of an EXPIRED order is one already under way, never a new one.
 */
export const awaitsPayment = (status: OrderStatus) => canTransition(status, 'PAYMENT_FAILED');

/** The statuses `awaitsPayment` accepts, for SQL that picks the orders to charge. */
export const AWAITING_PAYMENT: readonly OrderStatus[] = ORDER_STATUSES.filter(awaitsPayment);

/** Orders paid for, whatever happened since short of a refund: what "bought" means (recommendations). */
export const PAID_STATUSES: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'DELIVERED'];

/**
 * Orders that hold units for their customer, waiting for payment or paid: what a product's
 * per-customer cap (max_per_customer) counts at checkout. Failed, expired and cancelled ones gave
 * their units back.
 */
export const HOLDING_STATUSES: readonly OrderStatus[] = ['PENDING', ...PAID_STATUSES];

/**
 * Whether refunding the whole total cancels the order (restocked): only once it is PAID. Before,
 * there is no money to give back; once shipped, the order can no longer be cancelled.
 */
export const cancelledByRefund = (status: OrderStatus) => status === 'PAID';

/** The refusal of a move the state machine does not allow; null when it does. */
export function transitionRefusal(orderId: string, from: OrderStatus, to: OrderStatus): DomainError | null {
  if (canTransition(from, to)) return null;
  return new DomainError('invalid_transition', `Order cannot go from ${from} to ${to}`, {
    order_id: orderId,
    from,
    to,
    allowed: TRANSITIONS[from],
  });
}

export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus) {
  const refusal = transitionRefusal(orderId, from, to);
  if (refusal) throw refusal;
}

export interface Transition {
  orderId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  reason?: string | null;
  /** Who made this move; defaults to the actor given for the whole set. */
  actor?: string;
}

/**
 * Writes status changes and their history lines, set-based. The caller holds each order's row lock
 * (a null `from` is an order being created). One order may move more than once in a set (paid,
 * then cancelled): the moves must chain, each order's row takes its last status, and the history
 * keeps every step.
 */
export async function recordTransitions(
  trx: Trx,
  transitions: Transition[],
  actor: string,
  extra: Record<string, unknown> = {},
) {
  if (transitions.length === 0) return;
  const final = new Map<string, { from: OrderStatus; to: OrderStatus; reason: string | null }>();
  for (const t of transitions) {
    if (t.from === null) continue;
    assertTransition(t.orderId, t.from, t.to);
    const before = final.get(t.orderId);
    if (before && before.to !== t.from) {
      throw new Error(`order ${t.orderId}: a move from ${t.from} does not follow ${before.to}`);
    }
    final.set(t.orderId, { from: before?.from ?? t.from, to: t.to, reason: t.reason ?? null });
  }
  if (final.size) {
    const changes = [...final];
    await trx.raw(
      `UPDATE orders o SET status = c.to_status, status_reason = c.reason, updated_at = now()
         FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) AS c(id, from_status, to_status, reason)
        WHERE o.id = c.id AND o.status = c.from_status`,
      [
        changes.map(([id]) => id),
        changes.map(([, c]) => c.from),
        changes.map(([, c]) => c.to),
        pgArray(changes.map(([, c]) => c.reason)),
      ],
    );
    if (Object.keys(extra).length) {
      await trx('orders')
        .whereIn(
          'id',
          changes.map(([id]) => id),
        )
        .update(extra);
    }
  }
  await runPiece(trx, historyLines(transitions, actor));
}

/** The history lines of `transitions`, as a piece of the caller's statement (or run alone). */
export const historyLines = (transitions: Transition[], actor: string): SqlPiece => ({
  sql: `INSERT INTO order_status_history (order_id, from_status, to_status, reason, actor)
     SELECT * FROM unnest(:history_order::uuid[], :history_from::text[], :history_to::text[],
                          :history_reason::text[], :history_actor::text[])`,
  bindings: {
    history_order: transitions.map((t) => t.orderId),
    history_from: pgArray(transitions.map((t) => t.from)),
    history_to: transitions.map((t) => t.to),
    history_reason: pgArray(transitions.map((t) => t.reason ?? null)),
    history_actor: transitions.map((t) => t.actor ?? actor),
  },
});

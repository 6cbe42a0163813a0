import { pgArray, type Trx } from '../db/index.js';
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

export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus) {
  if (!canTransition(from, to)) {
    throw new DomainError('invalid_transition', `Order cannot go from ${from} to ${to}`, {
      order_id: orderId,
      from,
      to,
      allowed: TRANSITIONS[from],
    });
  }
}

export interface Transition {
  orderId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  reason?: string | null;
}

/**
 * Writes status changes and their history lines, set-based. The caller holds each order's row lock
 * and has checked the move with assertTransition (a null `from` is an order being created).
 */
export async function recordTransitions(
  trx: Trx,
  transitions: Transition[],
  actor: string,
  extra: Record<string, unknown> = {},
) {
  if (transitions.length === 0) return;
  for (const t of transitions) if (t.from !== null) assertTransition(t.orderId, t.from, t.to);
  const changes = transitions.filter((t) => t.from !== null);
  if (changes.length) {
    await trx.raw(
      `UPDATE orders o SET status = c.to_status, status_reason = c.reason, updated_at = now()
         FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) AS c(id, from_status, to_status, reason)
        WHERE o.id = c.id AND o.status = c.from_status`,
      [
        changes.map((t) => t.orderId),
        pgArray(changes.map((t) => t.from)),
        changes.map((t) => t.to),
        pgArray(changes.map((t) => t.reason ?? null)),
      ],
    );
    if (Object.keys(extra).length) {
      await trx('orders')
        .whereIn(
          'id',
          changes.map((t) => t.orderId),
        )
        .update(extra);
    }
  }
  await trx.raw(
    `INSERT INTO order_status_history (order_id, from_status, to_status, reason, actor)
     SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[])`,
    [
      transitions.map((t) => t.orderId),
      pgArray(transitions.map((t) => t.from)),
      transitions.map((t) => t.to),
      pgArray(transitions.map((t) => t.reason ?? null)),
      transitions.map(() => actor),
    ],
  );
}

import { recordAdminChanges } from '../audit-log/index.js';
import type { Trx } from '../db/index.js';
import {
  applyMovements,
  endReservations,
  insertConfirmedReservations,
  lockStock,
  movementDeltas,
} from '../inventory/index.js';
import { recordTransitions } from '../orders/index.js';
import { enqueue } from '../outbox/index.js';
import { recordChargeResults } from '../payments/index.js';
import {
  type LateLine,
  type LockedOrder,
  planLatePayments,
  planSettlement,
  type SettlementInput,
  type SettlementPlan,
} from './plan.js';

/**
 * Locks the orders in id order (every settler takes them in that order), then reads what settling
 * needs. Two statements on purpose: a statement that waited for a row lock sees the locked row as
 * it is now but every other table as of its start, so reservations and charges read in the
 * locking statement could predate the transaction that held the lock.
 */
async function lockOrders(trx: Trx, orderIds: string[]): Promise<Map<string, LockedOrder>> {
  const ids = [...new Set(orderIds)].sort();
  await trx.raw('SELECT id FROM orders WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE', [ids]);
  const { rows } = await trx.raw<{ rows: LockedOrder[] }>(
    `SELECT o.id, o.user_id, o.status, o.created_at,
            c.state AS charge_state, c.provider_ref AS charge_ref,
            coalesce((SELECT json_agg(json_build_object('product_id', r.product_id, 'quantity', r.quantity,
                                                        'state', r.state) ORDER BY r.product_id)
                        FROM reservations r WHERE r.order_id = o.id AND r.state IN ('ACTIVE', 'CONFIRMED')),
                     '[]') AS reservations
       FROM orders o
       LEFT JOIN LATERAL (SELECT p.state, p.provider_ref FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge'
                           ORDER BY p.created_at DESC LIMIT 1) c ON true
      WHERE o.id = ANY(?::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

async function lateLines(trx: Trx, orderIds: string[]): Promise<Map<string, LateLine[]>> {
  const { rows } = await trx.raw<{ rows: (LateLine & { order_id: string })[] }>(
    `SELECT i.order_id, i.product_id, i.quantity, p.active FROM order_items i
       JOIN products p ON p.id = i.product_id WHERE i.order_id = ANY(?::uuid[]) ORDER BY i.order_id, i.product_id`,
    [orderIds],
  );
  const byOrder = new Map<string, LateLine[]>();
  for (const { order_id, ...line } of rows) byOrder.set(order_id, [...(byOrder.get(order_id) ?? []), line]);
  return byOrder;
}

/**
 * Settles many orders in one transaction: payment results, cancels and expiries, decided in memory
 * (planSettlement) and written set-based. Order rows are locked first (id order), inventory rows
 * last (product_id order), so a hot SKU's row is held for one statement and the commit, as in the
 * checkout batch. Only a late payment (its order expired meanwhile) needs the stock earlier: whether
 * it can take its units again depends on it.
 */
export async function settleOrders(trx: Trx, inputs: SettlementInput[]): Promise<SettlementPlan> {
  const orders = await lockOrders(
    trx,
    inputs.map((i) => i.orderId),
  );
  const plan = planSettlement(inputs, orders);
  if (plan.late.length) {
    const lines = await lateLines(
      trx,
      plan.late.map((l) => l.orderId),
    );
    const stock = await lockStock(trx, [
      ...plan.movements.map((m) => m.product_id),
      ...[...lines.values()].flat().map((l) => l.product_id),
    ]);
    const deltas = movementDeltas(plan.movements);
    const available = new Map(
      [...stock].map(([id, s]) => [id, s.available_count + (deltas.get(id)?.available ?? 0)]),
    );
    planLatePayments(plan, lines, available);
  }

  await recordChargeResults(trx, plan.payments);
  await endReservations(trx, plan.reservationEnds);
  await insertConfirmedReservations(trx, plan.lateReservations);
  await recordTransitions(trx, plan.transitions, 'payments');
  await enqueue(trx, [
    ...plan.chargeCancels.map((orderId) => ({ topic: 'payment.cancel', aggregate_id: orderId })),
    ...plan.refunds.map((r) => ({
      topic: 'payment.refund',
      aggregate_id: r.orderId,
      payload: { reason: r.reason },
    })),
  ]);
  await recordAdminChanges(
    trx,
    plan.adminCancels.map((c) => ({
      actor: c.actor,
      action: 'order.cancelled',
      subjectType: 'order' as const,
      subjectId: c.orderId,
      before: { status: c.from },
      after: { status: 'CANCELLED' },
      reason: c.reason,
    })),
  );
  await applyMovements(trx, plan.movements, 'payments');
  return plan;
}

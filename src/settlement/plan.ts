import type { Movement } from '../inventory/index.js';
import {
  actorName,
  type CancelInput,
  type OrderStatus,
  type SettlementOutcome,
  type Transition,
  transitionRefusal,
} from '../orders/index.js';
import { type ChargeInput, type ChargeResultRow, isChargeWaiting } from '../payments/index.js';
import { DomainError } from '../shared/errors.js';

/** One thing that ends (part of) an order's reservation: a provider's answer, a cancel, an expiry. */
export type SettlementInput = ChargeInput | CancelInput | { kind: 'expire'; orderId: string };

export interface ReservationLine {
  product_id: number;
  quantity: number;
  state: 'ACTIVE' | 'CONFIRMED';
}

/** An order as the settlement transaction read it, under its row lock. */
export interface LockedOrder {
  id: string;
  user_id: string;
  status: OrderStatus;
  created_at: Date;
  /** The latest charge's state, or null before any attempt; its provider reference once answered. */
  charge_state: string | null;
  charge_ref: string | null;
  reservations: ReservationLine[];
}

/** Everything a batch writes, decided in memory before any write; `late` waits for the stock lock. */
export interface SettlementPlan {
  outcomes: (SettlementOutcome | DomainError)[];
  payments: ChargeResultRow[];
  /** Orders whose ACTIVE reservations end, and how. */
  reservationEnds: { orderId: string; state: 'CONFIRMED' | 'RELEASED' }[];
  movements: Movement[];
  transitions: (Transition & { actor: string })[];
  refunds: { orderId: string; reason: string }[];
  /** Paid orders and when they were placed (checkout → paid latency). */
  paid: { orderId: string; createdAt: Date }[];
  /** Admin cancels, for the admin audit log. */
  adminCancels: { orderId: string; actor: string; from: OrderStatus; reason: string }[];
  /** Successful charges of EXPIRED orders: re-reserve if stock allows, else refund (input index). */
  late: { index: number; orderId: string }[];
  /**
   * Inputs that came after a late payment of the same order: its state is known only once the
   * late payment is decided, so they run in a transaction of their own after this one.
   */
  deferred: number[];
  /** Orders ended while their charge waited (on the customer or the provider): cancel it there. */
  chargeCancels: string[];
  /** Reservations a late payment takes and confirms at once. */
  lateReservations: { order_id: string; product_id: number; quantity: number }[];
}

const ACTORS = { charge: 'payments', expire: 'sweeper' } as const;

type Ending = { from: 'ACTIVE' | 'CONFIRMED'; kind: Movement['kind']; becomes?: 'CONFIRMED' | 'RELEASED' };

/** Ends an order's ACTIVE reservation: released (its units back on sale) or sold. */
const RELEASE: Ending = { from: 'ACTIVE', kind: 'released', becomes: 'RELEASED' };
const SELL: Ending = { from: 'ACTIVE', kind: 'sold', becomes: 'CONFIRMED' };
/** A paid order's sold units go back on sale. */
const RESTOCK: Ending = { from: 'CONFIRMED', kind: 'restocked' };

/** The plan being built, and the moves every kind of input makes on it. */
class Planner {
  readonly plan: SettlementPlan = {
    outcomes: [],
    payments: [],
    reservationEnds: [],
    movements: [],
    transitions: [],
    refunds: [],
    paid: [],
    adminCancels: [],
    late: [],
    deferred: [],
    chargeCancels: [],
    lateReservations: [],
  };
  /** Orders with a late payment in this batch: what comes after it waits for the stock lock. */
  readonly lateOrders = new Set<string>();

  /** Moves the order to `to`, recording the transition and, with `end`, its reservation's end. */
  move(order: LockedOrder, to: OrderStatus, reason: string, actor: string, end?: Ending) {
    this.plan.transitions.push({ orderId: order.id, from: order.status, to, reason, actor });
    order.status = to;
    if (!end) return;
    const lines = order.reservations.filter((r) => r.state === end.from);
    for (const line of lines) {
      this.plan.movements.push({
        product_id: line.product_id,
        kind: end.kind,
        quantity: line.quantity,
        order_id: order.id,
        reason,
        actor,
      });
    }
    if (end.becomes && lines.length) {
      this.plan.reservationEnds.push({ orderId: order.id, state: end.becomes });
      order.reservations = order.reservations.flatMap((r) =>
        r.state !== 'ACTIVE'
          ? [r]
          : end.becomes === 'CONFIRMED'
            ? [{ ...r, state: 'CONFIRMED' as const }]
            : [],
      );
    }
  }

  /**
   * Stops at the provider a charge still waiting (the customer's 3-D Secure, the provider's
   * processing) for an order that no longer wants it; a late success is refunded all the same.
   * With no reference yet the call is in flight, and its answer settles like any other.
   */
  cancelWaitingCharge(order: LockedOrder) {
    if (
      isChargeWaiting(order.charge_state) &&
      order.charge_ref &&
      !this.plan.chargeCancels.includes(order.id)
    ) {
      this.plan.chargeCancels.push(order.id);
    }
  }
}

/** A customer's or an admin's cancel: refused unless the order is theirs and may be cancelled. */
function decideCancel(
  p: Planner,
  input: CancelInput,
  order: LockedOrder | undefined,
): SettlementOutcome | DomainError {
  if (!order || (input.actor.role !== 'admin' && order.user_id !== input.actor.userId)) {
    return new DomainError('not_found', 'Order not found', { order_id: input.orderId });
  }
  const refusal = transitionRefusal(order.id, order.status, 'CANCELLED');
  if (refusal) return refusal;
  const actor = actorName(input.actor);
  if (input.actor.role === 'admin') {
    p.plan.adminCancels.push({ orderId: order.id, actor, from: order.status, reason: input.reason });
  }
  if (order.status === 'PAID') {
    // Sold units go back on sale; the charge is refunded by the outbox worker.
    p.move(order, 'CANCELLED', input.reason, actor, RESTOCK);
    p.plan.refunds.push({ orderId: order.id, reason: input.reason });
  } else {
    if (order.status === 'PENDING') p.cancelWaitingCharge(order);
    p.move(order, 'CANCELLED', input.reason, actor, RELEASE);
  }
  return 'cancelled';
}

/** The sweeper's expiry of an order still PENDING past its reservation. */
function decideExpire(p: Planner, order: LockedOrder): SettlementOutcome {
  if (order.status !== 'PENDING') return 'ignored';
  p.cancelWaitingCharge(order);
  p.move(order, 'EXPIRED', 'reservation expired', ACTORS.expire, RELEASE);
  return 'expired';
}

/** A provider's answer to the order's charge, whatever the order did meanwhile. */
function decideCharge(p: Planner, input: ChargeInput, index: number, order: LockedOrder): SettlementOutcome {
  const { result } = input;
  // A capture is final. Results are redelivered and arrive out of order (webhook retries, a
  // second worker): neither a stale decline nor a repeated success may act on it again.
  if (order.charge_state === 'succeeded') return 'ignored';
  const state = result.status === 'processing' ? 'pending' : result.status;
  p.plan.payments.push({
    orderId: order.id,
    state,
    ref: result.ref,
    failureCode: result.failureCode ?? null,
    nextAction: result.nextAction ?? null,
  });
  order.charge_state = state;
  order.charge_ref = result.ref;
  if (result.status === 'requires_action' || result.status === 'processing') {
    // Waiting on the customer (or the provider) for an order that has ended: stop it there.
    if (order.status !== 'PENDING') p.cancelWaitingCharge(order);
    return result.status;
  }
  if (result.status === 'failed') {
    if (order.status !== 'PENDING') return 'ignored';
    p.move(order, 'PAYMENT_FAILED', result.failureCode ?? 'declined', ACTORS.charge, RELEASE);
    return 'payment_failed';
  }
  switch (order.status) {
    case 'PENDING':
      p.move(order, 'PAID', 'payment captured', ACTORS.charge, SELL);
      p.plan.paid.push({ orderId: order.id, createdAt: order.created_at });
      return 'paid';
    case 'EXPIRED':
      // Its units went back on sale: whether they can be taken again is known under the stock lock.
      p.plan.late.push({ index, orderId: order.id });
      p.lateOrders.add(order.id);
      return 'late_paid';
    case 'PAYMENT_FAILED':
    case 'CANCELLED':
      // Declined before (a retried payment now succeeded) or cancelled while the charge was in
      // flight: the order is final, so the money goes back.
      p.plan.refunds.push({
        orderId: order.id,
        reason: order.status === 'CANCELLED' ? 'cancelled during payment' : 'paid after the payment failed',
      });
      return 'refunded_cancelled';
    default:
      return 'ignored';
  }
}

/**
 * Decides what each input does to its order, in arrival order: two inputs for one order (a result
 * and a cancel) see each other's effect, exactly as if they had run one after the other. Pure: the
 * caller holds every order's row lock and writes the plan set-based.
 */
export function planSettlement(inputs: SettlementInput[], orders: Map<string, LockedOrder>): SettlementPlan {
  const p = new Planner();
  // Working copies: later inputs of the same order see what earlier ones did.
  const state = new Map(
    [...orders].map(([id, o]) => [id, { ...o, reservations: o.reservations.map((r) => ({ ...r })) }]),
  );
  inputs.forEach((input, index) => {
    const order = state.get(input.orderId);
    if (p.lateOrders.has(input.orderId)) {
      p.plan.deferred.push(index);
      p.plan.outcomes.push('ignored');
      return;
    }
    p.plan.outcomes.push(
      input.kind === 'cancel'
        ? decideCancel(p, input, order)
        : !order
          ? 'ignored'
          : input.kind === 'expire'
            ? decideExpire(p, order)
            : decideCharge(p, input, index, order),
    );
  });
  return p.plan;
}

/** A late payment's order lines, with whether each product is still on sale. */
export interface LateLine {
  product_id: number;
  quantity: number;
  active: boolean;
}

/**
 * Late payments under the stock lock, in arrival order: an order whose every line still has stock
 * (after this batch's own movements) takes it straight into sold, all or nothing; any other is
 * refunded and cancelled. `available` is consumed as orders take stock.
 */
export function planLatePayments(
  plan: SettlementPlan,
  linesByOrder: Map<string, LateLine[]>,
  available: Map<number, number>,
) {
  for (const { index, orderId } of plan.late) {
    const lines = linesByOrder.get(orderId) ?? [];
    // A product taken off sale meanwhile is not sold again, even to a paying customer.
    const fits =
      lines.length > 0 && lines.every((l) => l.active && (available.get(l.product_id) ?? 0) >= l.quantity);
    if (fits) {
      for (const l of lines) {
        available.set(l.product_id, available.get(l.product_id)! - l.quantity);
        for (const kind of ['reserved', 'sold'] as const) {
          plan.movements.push({
            product_id: l.product_id,
            kind,
            quantity: l.quantity,
            order_id: orderId,
            reason: 'late payment',
            actor: ACTORS.charge,
          });
        }
        plan.lateReservations.push({ order_id: orderId, product_id: l.product_id, quantity: l.quantity });
      }
      plan.transitions.push({
        orderId,
        from: 'EXPIRED',
        to: 'PAID',
        reason: 'late payment; stock re-reserved',
        actor: ACTORS.charge,
      });
      plan.outcomes[index] = 'late_paid';
    } else {
      plan.transitions.push({
        orderId,
        from: 'EXPIRED',
        to: 'CANCELLED',
        reason: 'late payment; out of stock, refunded',
        actor: ACTORS.charge,
      });
      plan.refunds.push({ orderId, reason: 'late payment, out of stock' });
      plan.outcomes[index] = 'late_refunded';
    }
  }
}

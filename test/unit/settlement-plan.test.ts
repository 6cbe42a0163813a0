import { expect } from 'chai';
import type { Actor } from '../../src/orders/actor.js';
import type { OrderStatus } from '../../src/orders/state-machine.js';
import {
  type LockedOrder,
  planLatePayments,
  planSettlement,
  type SettlementInput,
} from '../../src/settlement/plan.js';
import { DomainError } from '../../src/shared/errors.js';

const OWNER: Actor = { userId: 'u1', role: 'customer' };

function order(id: string, status: OrderStatus, extra: Partial<LockedOrder> = {}): LockedOrder {
  return {
    id,
    user_id: 'u1',
    status,
    created_at: new Date(0),
    charge_state: 'pending',
    charge_ref: null,
    reservations:
      status === 'PENDING'
        ? [{ product_id: 7, quantity: 2, state: 'ACTIVE' }]
        : status === 'PAID'
          ? [{ product_id: 7, quantity: 2, state: 'CONFIRMED' }]
          : [],
    ...extra,
  };
}

const orders = (...list: LockedOrder[]) => new Map(list.map((o) => [o.id, o]));
const paid = (orderId: string): SettlementInput => ({
  kind: 'charge',
  orderId,
  result: { status: 'succeeded', ref: `pi_${orderId}` },
});
const declined = (orderId: string): SettlementInput => ({
  kind: 'charge',
  orderId,
  result: { status: 'failed', ref: `pi_${orderId}`, failureCode: 'card_declined' },
});
const cancel = (orderId: string, actor = OWNER): SettlementInput => ({
  kind: 'cancel',
  orderId,
  actor,
  reason: 'changed my mind',
});
const moves = (plan: ReturnType<typeof planSettlement>) =>
  plan.transitions.map((t) => `${t.orderId}:${t.from}>${t.to}`);

describe('settlement plan (pure)', () => {
  it('a capture sells the reserved units and pays the order; a decline releases them', () => {
    const plan = planSettlement(
      [paid('a'), declined('b')],
      orders(order('a', 'PENDING'), order('b', 'PENDING')),
    );
    expect(plan.outcomes).to.deep.equal(['paid', 'payment_failed']);
    expect(moves(plan)).to.deep.equal(['a:PENDING>PAID', 'b:PENDING>PAYMENT_FAILED']);
    expect(plan.reservationEnds).to.deep.equal([
      { orderId: 'a', state: 'CONFIRMED' },
      { orderId: 'b', state: 'RELEASED' },
    ]);
    expect(plan.movements.map((m) => [m.order_id, m.kind, m.quantity, m.actor])).to.deep.equal([
      ['a', 'sold', 2, 'payments'],
      ['b', 'released', 2, 'payments'],
    ]);
    expect(plan.payments.map((p) => [p.orderId, p.state, p.failureCode])).to.deep.equal([
      ['a', 'succeeded', null],
      ['b', 'failed', 'card_declined'],
    ]);
    expect(plan.paid.map((p) => p.orderId)).to.deep.equal(['a']);
  });

  it('a repeated success or a stale decline after the capture is ignored and writes nothing', () => {
    const plan = planSettlement(
      [paid('a'), declined('a')],
      orders(order('a', 'PAID', { charge_state: 'succeeded' })),
    );
    expect(plan.outcomes).to.deep.equal(['ignored', 'ignored']);
    expect(plan.payments).to.deep.equal([]);
    expect(plan.transitions).to.deep.equal([]);
    expect(plan.movements).to.deep.equal([]);
  });

  it('a result then a cancel of one order chain in arrival order: paid, then restocked and refunded', () => {
    const plan = planSettlement([paid('a'), cancel('a')], orders(order('a', 'PENDING')));
    expect(plan.outcomes).to.deep.equal(['paid', 'cancelled']);
    expect(moves(plan)).to.deep.equal(['a:PENDING>PAID', 'a:PAID>CANCELLED']);
    expect(plan.movements.map((m) => m.kind)).to.deep.equal(['sold', 'restocked']);
    expect(plan.refunds).to.deep.equal([{ orderId: 'a', reason: 'changed my mind' }]);
  });

  it('a cancel then a success: the order stays CANCELLED and the money goes back', () => {
    const plan = planSettlement([cancel('a'), paid('a')], orders(order('a', 'PENDING')));
    expect(plan.outcomes).to.deep.equal(['cancelled', 'refunded_cancelled']);
    expect(moves(plan)).to.deep.equal(['a:PENDING>CANCELLED']);
    expect(plan.movements.map((m) => m.kind)).to.deep.equal(['released']);
    expect(plan.refunds).to.deep.equal([{ orderId: 'a', reason: 'cancelled during payment' }]);
  });

  it("refuses a cancel of another customer's order (not found) and of a SHIPPED one (invalid transition)", () => {
    const plan = planSettlement(
      [cancel('a', { userId: 'u2', role: 'customer' }), cancel('b')],
      orders(order('a', 'PENDING'), order('b', 'SHIPPED')),
    );
    expect(plan.outcomes.map((o) => (o instanceof DomainError ? o.code : o))).to.deep.equal([
      'not_found',
      'invalid_transition',
    ]);
    expect(plan.transitions).to.deep.equal([]);
    const admin = planSettlement(
      [cancel('a', { userId: 'x', role: 'admin' })],
      orders(order('a', 'PENDING')),
    );
    expect(admin.outcomes).to.deep.equal(['cancelled']);
    expect(admin.adminCancels).to.deep.equal([
      { orderId: 'a', actor: 'admin:x', from: 'PENDING', reason: 'changed my mind' },
    ]);
  });

  it('expires only PENDING orders', () => {
    const plan = planSettlement(
      [
        { kind: 'expire', orderId: 'a' },
        { kind: 'expire', orderId: 'b' },
      ],
      orders(order('a', 'PENDING'), order('b', 'PAID')),
    );
    expect(plan.outcomes).to.deep.equal(['expired', 'ignored']);
    expect(plan.movements.map((m) => [m.order_id, m.kind, m.actor])).to.deep.equal([
      ['a', 'released', 'sweeper'],
    ]);
  });

  it('a late payment waits for the stock; inputs after it for the same order are deferred', () => {
    const plan = planSettlement(
      [paid('a'), cancel('a'), paid('b')],
      orders(order('a', 'EXPIRED'), order('b', 'PENDING')),
    );
    expect(plan.late).to.deep.equal([{ index: 0, orderId: 'a' }]);
    expect(plan.deferred).to.deep.equal([1]);
    expect(plan.outcomes[2]).to.equal('paid');
  });

  it('late payments take stock in arrival order while it lasts, all lines or none; the rest are refunded', () => {
    const plan = planSettlement(
      [paid('a'), paid('b'), paid('c')],
      orders(order('a', 'EXPIRED'), order('b', 'EXPIRED'), order('c', 'EXPIRED')),
    );
    const lines = new Map([
      ['a', [{ product_id: 7, quantity: 2, active: true }]],
      [
        'b',
        [
          { product_id: 7, quantity: 1, active: true },
          { product_id: 8, quantity: 5, active: true },
        ],
      ],
      ['c', [{ product_id: 7, quantity: 1, active: true }]],
    ]);
    const available = new Map([
      [7, 3],
      [8, 4],
    ]);
    planLatePayments(plan, lines, available);
    expect(plan.outcomes).to.deep.equal(['late_paid', 'late_refunded', 'late_paid']);
    expect(moves(plan)).to.deep.equal(['a:EXPIRED>PAID', 'b:EXPIRED>CANCELLED', 'c:EXPIRED>PAID']);
    expect(available).to.deep.equal(
      new Map([
        [7, 0],
        [8, 4],
      ]),
    );
    expect(plan.lateReservations.map((r) => [r.order_id, r.quantity])).to.deep.equal([
      ['a', 2],
      ['c', 1],
    ]);
    expect(plan.refunds.map((r) => r.orderId)).to.deep.equal(['b']);
  });

  it('a late payment for a product taken off sale is refunded even with stock left', () => {
    const plan = planSettlement([paid('a')], orders(order('a', 'EXPIRED')));
    planLatePayments(
      plan,
      new Map([['a', [{ product_id: 7, quantity: 1, active: false }]]]),
      new Map([[7, 10]]),
    );
    expect(plan.outcomes).to.deep.equal(['late_refunded']);
  });
});

describe('settlement plan: charges left waiting', () => {
  it('cancels at the provider the charge of an order cancelled or expired while it waited on the customer', () => {
    const waiting = { charge_state: 'requires_action', charge_ref: 'pi_wait' };
    const plan = planSettlement(
      [cancel('a'), { kind: 'expire', orderId: 'b' }, cancel('c')],
      orders(order('a', 'PENDING', waiting), order('b', 'PENDING', waiting), order('c', 'PENDING')),
    );
    expect(plan.outcomes).to.deep.equal(['cancelled', 'expired', 'cancelled']);
    // c's charge has no reference yet (the call is in flight): its answer settles like any other.
    expect(plan.chargeCancels).to.deep.equal(['a', 'b']);
  });
});

describe('settlement plan: waiting answers for ended orders', () => {
  const waitingResult = (orderId: string, status: 'requires_action' | 'processing'): SettlementInput => ({
    kind: 'charge',
    orderId,
    result: { status, ref: `pi_${orderId}` },
  });

  it('an answer that waits on the customer, then a cancel in the same batch, cancels the charge', () => {
    const plan = planSettlement(
      [waitingResult('a', 'requires_action'), cancel('a')],
      orders(order('a', 'PENDING')),
    );
    expect(plan.outcomes).to.deep.equal(['requires_action', 'cancelled']);
    expect(plan.chargeCancels).to.deep.equal(['a']);
  });

  it('a waiting answer for an order already cancelled or expired cancels the charge too', () => {
    const plan = planSettlement(
      [cancel('a'), waitingResult('a', 'processing'), waitingResult('b', 'requires_action')],
      orders(order('a', 'PENDING'), order('b', 'EXPIRED')),
    );
    expect(plan.chargeCancels).to.deep.equal(['a', 'b']);
  });
});

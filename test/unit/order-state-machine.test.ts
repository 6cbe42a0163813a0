import { expect } from 'chai';
import { assertTransition, canTransition, ORDER_STATUSES } from '../../src/orders/state-machine.js';
import { DomainError } from '../../src/shared/errors.js';

/** The moves DESIGN.md allows, plus the two late-payment exits of an EXPIRED order. Written out, not derived. */
const ALLOWED = new Set([
  'PENDING>PAID',
  'PENDING>PAYMENT_FAILED',
  'PENDING>EXPIRED',
  'PENDING>CANCELLED',
  'PAID>SHIPPED',
  'PAID>CANCELLED',
  'SHIPPED>DELIVERED',
  'EXPIRED>PAID',
  'EXPIRED>CANCELLED',
]);

describe('order state machine (pure)', () => {
  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      const allowed = ALLOWED.has(`${from}>${to}`);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'a 409 invalid_transition'}`, () => {
        expect(canTransition(from, to)).to.equal(allowed);
        if (allowed) {
          expect(() => assertTransition('order-1', from, to)).not.to.throw();
          return;
        }
        let caught: unknown;
        try {
          assertTransition('order-1', from, to);
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(DomainError);
        const err = caught as DomainError;
        expect(err.code).to.equal('invalid_transition');
        expect(err.status).to.equal(409);
        expect(err.details).to.deep.include({ order_id: 'order-1', from, to });
      });
    }
  }

  it('allows exactly 9 moves over the 7 statuses, none out of a terminal status', () => {
    const pairs = ORDER_STATUSES.flatMap((f) => ORDER_STATUSES.map((to) => [f, to] as const));
    expect(pairs).to.have.length(49);
    expect(pairs.filter(([f, to]) => canTransition(f, to)).map(([f, to]) => `${f}>${to}`)).to.have.members([
      ...ALLOWED,
    ]);
    for (const terminal of ['DELIVERED', 'PAYMENT_FAILED', 'CANCELLED'] as const) {
      expect(ORDER_STATUSES.filter((to) => canTransition(terminal, to))).to.deep.equal([]);
    }
  });
});

import { expect } from 'chai';
import type { Trx } from '../../src/db/index.js';
import {
  assertTransition,
  canTransition,
  ORDER_STATUSES,
  type OrderStatus,
  recordTransitions,
  TRANSITIONS,
} from '../../src/orders/state-machine.js';
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

/** Where each status may go next, in the order a refusal lists them. Written out, not derived. */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  PENDING: ['PAID', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED'],
  PAID: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  PAYMENT_FAILED: [],
  EXPIRED: ['PAID', 'CANCELLED'],
  CANCELLED: [],
};

/** A transaction that fails the test if any SQL reaches it: the checks under test come first. */
const noSql = new Proxy(() => {}, {
  get: (_target, prop) => {
    throw new Error(`no SQL expected (trx.${String(prop)})`);
  },
  apply: () => {
    throw new Error('no SQL expected (trx(table))');
  },
}) as unknown as Trx;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('order state machine: refusals and recorded sets (pure)', () => {
  it('a refusal names the move and lists where the order may go instead', () => {
    expect(TRANSITIONS).to.deep.equal(NEXT);
    let refusals = 0;
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES.filter((s) => !NEXT[from].includes(s))) {
        let caught: DomainError | undefined;
        try {
          assertTransition('order-7', from, to);
        } catch (err) {
          caught = err as DomainError;
        }
        expect(caught?.message).to.equal(`Order cannot go from ${from} to ${to}`);
        expect(caught?.details).to.deep.equal({ order_id: 'order-7', from, to, allowed: NEXT[from] });
        refusals++;
      }
    }
    expect(refusals).to.equal(49 - 9);
  });

  it('recordTransitions refuses a set holding a forbidden move before writing anything', async () => {
    const err = await rejection(
      recordTransitions(
        noSql,
        [
          { orderId: 'a', from: 'PENDING', to: 'PAID' },
          { orderId: 'b', from: 'SHIPPED', to: 'CANCELLED' },
        ],
        'test',
      ),
    );
    expect(err).to.be.instanceOf(DomainError);
    expect(err).to.include({ code: 'invalid_transition', status: 409 });
    expect((err as DomainError).details).to.deep.include({ order_id: 'b', from: 'SHIPPED', to: 'CANCELLED' });
  });

  it('recordTransitions refuses two moves of one order that do not chain', async () => {
    const err = await rejection(
      recordTransitions(
        noSql,
        [
          { orderId: 'a', from: 'PENDING', to: 'PAID' },
          { orderId: 'a', from: 'PENDING', to: 'CANCELLED' },
        ],
        'test',
      ),
    );
    expect(err).to.not.be.instanceOf(DomainError);
    expect(err.message).to.equal('order a: a move from PENDING does not follow PAID');
  });

  it('recordTransitions of an empty set writes nothing', async () => {
    expect(await recordTransitions(noSql, [], 'test')).to.equal(undefined);
  });
});

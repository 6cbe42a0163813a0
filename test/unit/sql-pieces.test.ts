import { expect } from 'chai';
import { convertCarts } from '../../src/cart/queries.js';
import { storeAnswers } from '../../src/checkout/idempotency.js';
import type { CheckoutRequest } from '../../src/checkout/schemas.js';
import { type SqlPiece, withPieces } from '../../src/db/pieces.js';
import { reserveStock } from '../../src/inventory/reservations.js';
import { insertOrderItems, insertOrders } from '../../src/orders/queries.js';
import { historyLines } from '../../src/orders/state-machine.js';
import { enqueued } from '../../src/outbox/outbox.js';

/** The names a piece's SQL binds, read as knex reads them (`:name`, but not a `::type` cast). */
const referenced = (sql: string) =>
  new Set(
    [...sql.matchAll(/(?<![:\w]):(\w+)(?!\w)(?!:(?!:))/g)].map((m) => m[1]!).filter((n) => !/^\d/.test(n)),
  );

const order = '00000000-0000-4000-8000-000000000001';
const user = '00000000-0000-4000-8000-000000000002';
const cart = '00000000-0000-4000-8000-000000000003';
const request = { userId: user, key: 'k1', requestHash: 'h', input: {} } as unknown as CheckoutRequest;

const pieces: Record<string, SqlPiece> = {
  insertOrders: insertOrders([
    {
      id: order,
      userId: user,
      cartId: cart,
      totalCents: 1999,
      shippingAddress: { line1: 'x' },
      paymentMethod: 'card',
      idempotencyKey: 'k1',
    },
  ]),
  insertOrderItems: insertOrderItems([
    { orderId: order, productId: 7, sku: 'SKU-7', name: 'Seven', quantity: 2, priceCents: 999 },
  ]),
  ...reserveStock([{ order_id: order, product_id: 7, quantity: 2 }], {
    ttlMs: 900_000,
    actor: 'checkout',
    reason: 'checkout',
    lockedAlready: false,
  }).pieces,
  historyLines: historyLines([{ orderId: order, from: null, to: 'PENDING', reason: 'checkout' }], 'checkout'),
  enqueued: enqueued([{ topic: 'payment.requested', aggregate_id: order }]),
  convertCarts: convertCarts([cart]),
  storeAnswers: storeAnswers([{ request, response: { status: 201, body: { order_id: order } } }]),
};

describe('SQL pieces of the checkout statement', () => {
  for (const [name, piece] of Object.entries(pieces)) {
    it(`${name}: every :name in its SQL is bound, and every binding is used`, () => {
      expect([...referenced(piece.sql)].sort()).to.deep.equal(Object.keys(piece.bindings).sort());
    });
  }

  it('every binding of one statement has its own name (the batch composes all of them)', () => {
    const names = Object.values(pieces).flatMap((p) => Object.keys(p.bindings));
    expect(names.length).to.equal(new Set(names).size);
  });

  it('withPieces composes data-modifying CTEs in order with the select last', () => {
    const statement = withPieces(
      {
        a: { sql: 'INSERT INTO t (x) VALUES (:a_x) RETURNING x', bindings: { a_x: 1 } },
        b: { sql: 'UPDATE u SET y = :b_y', bindings: { b_y: 'two' } },
      },
      { sql: 'SELECT count(*)::int FROM a WHERE x > :min', bindings: { min: 0 } },
    );
    expect(statement.sql).to.equal(
      'WITH a AS (\nINSERT INTO t (x) VALUES (:a_x) RETURNING x\n), b AS (\nUPDATE u SET y = :b_y\n)\nSELECT count(*)::int FROM a WHERE x > :min',
    );
    expect(statement.bindings).to.deep.equal({ a_x: 1, b_y: 'two', min: 0 });
  });

  it('withPieces refuses a binding name two pieces share, rather than binding one value twice', () => {
    expect(() =>
      withPieces(
        { a: { sql: 'SELECT :x', bindings: { x: 1 } }, b: { sql: 'SELECT :x', bindings: { x: 2 } } },
        { sql: 'SELECT 1', bindings: {} },
      ),
    ).to.throw(/:x is bound by two pieces/);
  });
});

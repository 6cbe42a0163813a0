import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { createContainer } from '../../src/container.js';
import {
  assertTransition,
  canTransition,
  ORDER_STATUSES,
  type OrderStatus,
} from '../../src/orders/state-machine.js';
import { DomainError } from '../../src/shared/errors.js';
import { ADDRESS, postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

type User = Awaited<ReturnType<typeof createUser>>;
type Line = { product_id: number; quantity: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TTL_MS = 10 * 60_000;
const SHORT_TTL = '300ms';
const TRACKING = '1Z999AA10123456784';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stockOf(t: TestContext, productId: number) {
  const row = await t.container
    .db('inventory')
    .where({ product_id: productId })
    .first('available_count', 'reserved_count', 'sold_count');
  return { available: row.available_count, reserved: row.reserved_count, sold: row.sold_count };
}

const reservationsOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('reservations')
      .where({ order_id: orderId })
      .orderBy([{ column: 'created_at' }, { column: 'product_id' }])
      .select('product_id', 'quantity', 'state')
  ).map((r) => [r.product_id, r.quantity, r.state]);

const ledgerOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('stock_movements')
      .where({ order_id: orderId })
      .orderBy('id')
      .select('product_id', 'kind', 'quantity')
  ).map((m) => [m.product_id, m.kind, m.quantity]);

const historyOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('order_status_history')
      .where({ order_id: orderId })
      .orderBy('id')
      .select('from_status', 'to_status')
  ).map((h) => [h.from_status, h.to_status]);

const paymentsOf = (t: TestContext, orderId: string) =>
  t.container
    .db('payments')
    .where({ order_id: orderId })
    .orderBy([{ column: 'kind' }, { column: 'created_at' }]);

const eventsOf = async (t: TestContext, orderId: string) =>
  (await t.container.db('outbox_events').where({ aggregate_id: orderId }).orderBy('id')).map((e) => e.topic);

const statusOf = async (t: TestContext, orderId: string) =>
  (await t.container.db('orders').where({ id: orderId }).first('status')).status as OrderStatus;

async function expectHealthy(t: TestContext) {
  const report = await checkInvariants(t.container.db);
  expect(report.violations).to.deep.equal([]);
  expect(report.ok).to.equal(true);
}

/** A fresh customer checks out `lines`; answers the order id and the checkout body. */
async function placeOrder(t: TestContext, lines: Line[], paymentMethod = 'pm_card_visa') {
  const shopper = await shopperWithCart(t, lines);
  const res = await postCheckout(t, shopper, { payment_method: paymentMethod }).expect(201);
  return { shopper, orderId: res.body.order_id as string, body: res.body };
}

/** A second (third, …) order for an existing user: a new cart, then checkout. */
async function orderAgain(t: TestContext, user: User, lines: Line[]) {
  let cartId = '';
  for (const line of lines) {
    cartId = (await t.request().post('/cart/items').set(user.auth).send(line).expect(200)).body.cart_id;
  }
  const res = await postCheckout(t, { auth: user.auth, cartId }).expect(201);
  return res.body.order_id as string;
}

/** Polls the database clock (the one the sweeper uses) until every reservation of these orders is due. */
async function waitUntilDue(t: TestContext, orderIds: string[], timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await t.container.db.raw<{ rows: { n: number }[] }>(
      'SELECT count(*)::int AS n FROM reservations WHERE order_id = ANY(?::uuid[]) AND expires_at > now()',
      [orderIds],
    );
    if (rows[0]!.n === 0) return;
    if (Date.now() > until) throw new Error(`reservations of ${orderIds.join(', ')} never became due`);
    await sleep(25);
  }
}

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

describe('invariant audit (self-check)', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('reports a counter that disagrees with the ledger and an ACTIVE reservation of a non-PENDING order', async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const { orderId } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    await expectHealthy(t);

    await t.container.db('inventory').where({ product_id: p.id }).increment('available_count', 1);
    await t.container.db('orders').where({ id: orderId }).update({ status: 'PAID' });
    const report = await checkInvariants(t.container.db);
    expect(report.ok).to.equal(false);
    expect(report.violations.map((v) => v.name)).to.have.members([
      'conservation',
      'active_reservation_has_pending_order',
      'status_history_valid',
    ]);
  });
});

for (const strategy of ['group-commit', 'row-lock'] as const) {
  describe(`orders (${strategy})`, function () {
    this.timeout(60_000);
    /** Reservations last the default 10 minutes: nothing expires unless a test says so. */
    let t: TestContext;
    /** Reservations last 300 ms: for expiry and late payments. */
    let short: TestContext;

    before(async () => {
      [t, short] = await Promise.all([
        createTestContext({ CHECKOUT_STRATEGY: strategy, RESERVATION_TTL: '10m' }),
        createTestContext({ CHECKOUT_STRATEGY: strategy, RESERVATION_TTL: SHORT_TTL }),
      ]);
    });
    after(() => Promise.all([t.close(), short.close()]));
    // Each test starts from an empty store, so outbox drains and sweeps see only its own orders.
    beforeEach(() => Promise.all([t.truncate(), short.truncate()]));
    afterEach(async () => {
      await expectHealthy(t);
      await expectHealthy(short);
    });

    describe('1. happy path', () => {
      it('checkout reserves, the worker charges once, the order is PAID and the units sold', async () => {
        const p = await createProduct(t.container.db, { stock: 10, price_cents: 1250 });
        const q = await createProduct(t.container.db, { stock: 4, price_cents: 999 });
        const shopper = await shopperWithCart(t, [
          { product_id: p.id, quantity: 2 },
          { product_id: q.id, quantity: 1 },
        ]);
        const res = await postCheckout(t, shopper).expect(201);
        expect(res.body).to.have.all.keys('order_id', 'status', 'total_cents');
        expect(res.body.order_id).to.match(UUID);
        expect(res.body).to.include({ status: 'PENDING', total_cents: 2 * 1250 + 999 });
        const id: string = res.body.order_id;

        expect(await reservationsOf(t, id)).to.deep.equal([
          [p.id, 2, 'ACTIVE'],
          [q.id, 1, 'ACTIVE'],
        ]);
        const { rows: ttl } = await t.container.db.raw<{ rows: { ms: number }[] }>(
          'SELECT (extract(epoch FROM expires_at - now()) * 1000)::int AS ms FROM reservations WHERE order_id = ?',
          [id],
        );
        for (const { ms } of ttl) expect(ms).to.be.within(TTL_MS - 10_000, TTL_MS);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 2, sold: 0 });
        expect(await stockOf(t, q.id)).to.deep.equal({ available: 3, reserved: 1, sold: 0 });
        expect(await historyOf(t, id)).to.deep.equal([[null, 'PENDING']]);
        await expectHealthy(t);

        // Not due yet: a sweep leaves it alone.
        expect(await t.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
        expect(await statusOf(t, id)).to.equal('PENDING');

        expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await statusOf(t, id)).to.equal('PAID');
        expect(await reservationsOf(t, id)).to.deep.equal([
          [p.id, 2, 'CONFIRMED'],
          [q.id, 1, 'CONFIRMED'],
        ]);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 0, sold: 2 });
        expect(await stockOf(t, q.id)).to.deep.equal({ available: 3, reserved: 0, sold: 1 });
        expect(await ledgerOf(t, id)).to.have.deep.members([
          [p.id, 'reserved', 2],
          [q.id, 'reserved', 1],
          [p.id, 'sold', 2],
          [q.id, 'sold', 1],
        ]);
        const payments = await paymentsOf(t, id);
        expect(payments).to.have.length(1);
        expect(payments[0]).to.include({
          kind: 'charge',
          state: 'succeeded',
          provider: 'sandbox',
          amount_cents: 2 * 1250 + 999,
          idempotency_key: `order:${id}:charge`,
          failure_code: null,
        });
        expect(payments[0].provider_ref).to.match(/^pi_sandbox_[0-9a-f]{24}$/);

        const history = (await t.request().get(`/orders/${id}`).set(shopper.auth).expect(200)).body;
        expect(history.status).to.equal('PAID');
        expect(history.payment).to.deep.equal({ state: 'succeeded', failure_code: null });
        expect(history.status_history.map((h: { from: string; to: string }) => [h.from, h.to])).to.deep.equal(
          [
            [null, 'PENDING'],
            ['PENDING', 'PAID'],
          ],
        );
        expect(history.status_history[1]).to.include({ reason: 'payment captured', actor: 'payments' });

        // Running the worker again, or the charge by hand, charges nothing more.
        expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
        expect(await t.container.payments.processCharge(id)).to.equal('ignored');
        expect(await paymentsOf(t, id)).to.have.length(1);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 0, sold: 2 });
        expect(await historyOf(t, id)).to.have.length(2);
      });

      it('concurrent charge attempts for one order (two workers and a retry) charge and sell once', async () => {
        const p = await createProduct(t.container.db, { stock: 5, price_cents: 700 });
        const { orderId } = await placeOrder(t, [{ product_id: p.id, quantity: 3 }]);
        const results = await Promise.allSettled([
          t.container.payments.processCharge(orderId),
          t.container.payments.processCharge(orderId),
          t.container.worker.drain(),
        ]);
        expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
        const outcomes = results
          .slice(0, 2)
          .map((r) => (r as PromiseFulfilledResult<string>).value)
          .sort();
        // Either one of the two direct calls captured the payment, or the worker did.
        expect([
          ['ignored', 'ignored'],
          ['ignored', 'paid'],
        ]).to.deep.include(outcomes);
        expect(await statusOf(t, orderId)).to.equal('PAID');
        expect(await paymentsOf(t, orderId)).to.have.length(1);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 0, sold: 3 });
        expect(await ledgerOf(t, orderId)).to.deep.equal([
          [p.id, 'reserved', 3],
          [p.id, 'sold', 3],
        ]);
        expect(await historyOf(t, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'PAID'],
        ]);
      });
      it('a stale decline or a duplicate result after the capture changes nothing; a cancel still refunds', async () => {
        const p = await createProduct(t.container.db, { stock: 5, price_cents: 1100 });
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
        await t.container.worker.drain();
        const [captured] = await paymentsOf(t, orderId);
        expect(captured).to.include({ state: 'succeeded' });

        // Provider results can arrive again, and out of order (webhook retries).
        const payments = t.container.payments;
        expect(
          await payments.completeCharge(orderId, { status: 'succeeded', ref: captured.provider_ref }),
        ).to.equal('ignored');
        expect(
          await payments.completeCharge(orderId, {
            status: 'failed',
            ref: 'pi_stale',
            failureCode: 'card_declined',
          }),
        ).to.equal('ignored');
        expect(await statusOf(t, orderId)).to.equal('PAID');
        const [after] = await paymentsOf(t, orderId);
        expect(after).to.include({
          state: 'succeeded',
          provider_ref: captured.provider_ref,
          failure_code: null,
        });
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });

        await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
        await t.container.worker.drain();
        expect((await paymentsOf(t, orderId)).map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
          ['charge', 'succeeded', 1100],
          ['refund', 'succeeded', 1100],
        ]);
      });
    });

    describe('2. declines and authentication', () => {
      it('a declined card fails the order and releases its stock', async () => {
        const p = await createProduct(t.container.db, { stock: 6, price_cents: 500 });
        const { orderId, shopper } = await placeOrder(
          t,
          [{ product_id: p.id, quantity: 4 }],
          'pm_card_chargeDeclined',
        );
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 4, sold: 0 });

        expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await statusOf(t, orderId)).to.equal('PAYMENT_FAILED');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 6, reserved: 0, sold: 0 });
        expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 4, 'RELEASED']]);
        expect(await ledgerOf(t, orderId)).to.deep.equal([
          [p.id, 'reserved', 4],
          [p.id, 'released', 4],
        ]);
        const payments = await paymentsOf(t, orderId);
        expect(payments).to.have.length(1);
        expect(payments[0]).to.include({
          kind: 'charge',
          state: 'failed',
          failure_code: 'card_declined',
          idempotency_key: `order:${orderId}:charge`,
        });
        expect(await historyOf(t, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'PAYMENT_FAILED'],
        ]);

        const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(view).to.include({ status: 'PAYMENT_FAILED', status_reason: 'card_declined' });
        expect(view.payment).to.deep.equal({ state: 'failed', failure_code: 'card_declined' });

        // A failed order is final: no retry charges it, a cancel is a 409.
        expect(await t.container.payments.processCharge(orderId)).to.equal('ignored');
        const cancel = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
        expect(cancel.body.error.code).to.equal('invalid_transition');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 6, reserved: 0, sold: 0 });
      });

      it('a card that needs authentication leaves the order PENDING with the next action', async () => {
        const p = await createProduct(t.container.db, { stock: 3, price_cents: 1500 });
        const { orderId, shopper } = await placeOrder(
          t,
          [{ product_id: p.id, quantity: 1 }],
          'pm_card_authenticationRequired',
        );
        expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await statusOf(t, orderId)).to.equal('PENDING');
        expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 1, 'ACTIVE']]);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 1, sold: 0 });

        const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(view.status).to.equal('PENDING');
        expect(view.payment.state).to.equal('requires_action');
        expect(view.payment.failure_code).to.equal(null);
        expect(view.payment.next_action).to.deep.equal({
          type: 'use_stripe_sdk',
          client_secret: `${(await paymentsOf(t, orderId))[0].provider_ref}_secret`,
        });
        expect(await historyOf(t, orderId)).to.deep.equal([[null, 'PENDING']]);
        // Draining again does not charge a second time while the shopper authenticates.
        expect(await t.container.payments.processCharge(orderId)).to.equal('ignored');
        expect(await paymentsOf(t, orderId)).to.have.length(1);
      });
    });

    describe('3. expiry', () => {
      it('the sweeper expires a due order, releases its stock, and it is never charged', async () => {
        const p = await createProduct(short.container.db, { stock: 5 });
        const q = await createProduct(short.container.db, { stock: 2 });
        const { orderId, shopper } = await placeOrder(short, [
          { product_id: p.id, quantity: 3 },
          { product_id: q.id, quantity: 2 },
        ]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 2, reserved: 3, sold: 0 });
        expect(await stockOf(short, q.id)).to.deep.equal({ available: 0, reserved: 2, sold: 0 });

        await waitUntilDue(short, [orderId]);
        expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 5 });
        expect(await statusOf(short, orderId)).to.equal('EXPIRED');
        expect(await reservationsOf(short, orderId)).to.deep.equal([
          [p.id, 3, 'RELEASED'],
          [q.id, 2, 'RELEASED'],
        ]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        expect(await stockOf(short, q.id)).to.deep.equal({ available: 2, reserved: 0, sold: 0 });
        const history = (await short.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body
          .status_history;
        expect(history[1]).to.include({
          from: 'PENDING',
          to: 'EXPIRED',
          reason: 'reservation expired',
          actor: 'sweeper',
        });

        // Nothing left to sweep; the queued payment finds the order expired and charges nothing.
        expect(await short.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
        expect(await short.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await paymentsOf(short, orderId)).to.deep.equal([]);
        expect(await statusOf(short, orderId)).to.equal('EXPIRED');
        expect(await historyOf(short, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'EXPIRED'],
        ]);
      });

      it('concurrent sweeps, in one process and in two, release each order exactly once', async () => {
        const p = await createProduct(short.container.db, { stock: 30 });
        const q = await createProduct(short.container.db, { stock: 30 });
        const orders = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            placeOrder(short, [
              { product_id: p.id, quantity: 1 + (i % 3) },
              { product_id: q.id, quantity: 2 },
            ]),
          ),
        );
        const ids = orders.map((o) => o.orderId);
        const pUnits = Array.from({ length: 8 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
        expect(await stockOf(short, p.id)).to.deep.equal({
          available: 30 - pUnits,
          reserved: pUnits,
          sold: 0,
        });
        await waitUntilDue(short, ids);

        const other = createContainer(short.container.config);
        try {
          const rounds = await Promise.all([
            short.container.sweep(),
            short.container.sweep(),
            other.sweep(),
            other.sweep(),
          ]);
          expect(rounds.reduce((n, r) => n + r.orders, 0)).to.equal(8);
          expect(rounds.reduce((n, r) => n + r.units, 0)).to.equal(pUnits + 16);
        } finally {
          await other.close();
        }

        expect(await stockOf(short, p.id)).to.deep.equal({ available: 30, reserved: 0, sold: 0 });
        expect(await stockOf(short, q.id)).to.deep.equal({ available: 30, reserved: 0, sold: 0 });
        for (const id of ids) {
          expect(await statusOf(short, id)).to.equal('EXPIRED');
          expect(await historyOf(short, id)).to.deep.equal([
            [null, 'PENDING'],
            ['PENDING', 'EXPIRED'],
          ]);
          const ledger = await ledgerOf(short, id);
          expect(ledger.filter(([, kind]) => kind === 'released')).to.have.length(2);
          expect(ledger.filter(([product, kind]) => kind === 'released' && product === p.id)).to.have.length(
            1,
          );
          expect(ledger.filter(([product, kind]) => kind === 'released' && product === q.id)).to.have.length(
            1,
          );
          expect((await reservationsOf(short, id)).map(([, , state]) => state)).to.deep.equal([
            'RELEASED',
            'RELEASED',
          ]);
        }
        const { rows } = await short.container.db.raw<{ rows: { n: number }[] }>(
          "SELECT count(*)::int AS n FROM stock_movements WHERE kind = 'released'",
        );
        expect(rows[0]!.n).to.equal(16);
      });

      it('a bounded sweep claims up to `limit` due orders, counting orders (not reservation lines) and skipping locked ones', async () => {
        const p = await createProduct(short.container.db, { stock: 20 });
        const q = await createProduct(short.container.db, { stock: 20 });
        const ids: string[] = [];
        // One after another, so the first order's reservations are the oldest.
        for (let i = 0; i < 3; i++) {
          ids.push(
            (
              await placeOrder(short, [
                { product_id: p.id, quantity: 1 },
                { product_id: q.id, quantity: 1 },
              ])
            ).orderId,
          );
        }
        await waitUntilDue(short, ids);

        // A payment holds the oldest order's lock while the sweeper runs with a batch of one.
        const [first, second, third] = ids as [string, string, string];
        let releaseLock!: () => void;
        const held = new Promise<void>((r) => {
          releaseLock = r;
        });
        let locked!: () => void;
        const isLocked = new Promise<void>((r) => {
          locked = r;
        });
        const holder = short.container.db.transaction(async (trx) => {
          await trx('orders').where({ id: first }).forUpdate().first();
          locked();
          await held;
        });
        await isLocked;
        try {
          const one = await short.container.orders.releaseExpiredReservations(1);
          expect(one.orders).to.equal(1);
          expect(one.orderIds).to.have.length(1);
          expect([second, third]).to.include(one.orderIds[0]);
        } finally {
          releaseLock();
          await holder;
        }
        const two = await short.container.orders.releaseExpiredReservations(2);
        expect(two.orders).to.equal(2);
        expect(two.units).to.equal(4);
        expect(await short.container.orders.releaseExpiredReservations(2)).to.include({
          orders: 0,
          units: 0,
        });
        for (const id of ids) expect(await statusOf(short, id)).to.equal('EXPIRED');
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 20, reserved: 0, sold: 0 });
      });
    });

    describe('4. payment that lands after expiry', () => {
      it('re-reserves when stock allows: EXPIRED → PAID, the units sold', async () => {
        const p = await createProduct(short.container.db, { stock: 4, price_cents: 800 });
        const { orderId, shopper } = await placeOrder(short, [{ product_id: p.id, quantity: 2 }]);
        const attempt = await short.container.payments.startCharge(orderId);
        expect(attempt).to.deep.include({
          orderId,
          amountCents: 1600,
          idempotencyKey: `order:${orderId}:charge`,
        });

        await waitUntilDue(short, [orderId]);
        expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 2 });
        expect(await statusOf(short, orderId)).to.equal('EXPIRED');
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 4, reserved: 0, sold: 0 });

        expect(
          await short.container.payments.completeCharge(orderId, { status: 'succeeded', ref: 'pi_x' }),
        ).to.equal('late_paid');
        expect(await statusOf(short, orderId)).to.equal('PAID');
        expect(await historyOf(short, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'EXPIRED'],
          ['EXPIRED', 'PAID'],
        ]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 2, reserved: 0, sold: 2 });
        expect(await reservationsOf(short, orderId)).to.deep.equal([
          [p.id, 2, 'RELEASED'],
          [p.id, 2, 'CONFIRMED'],
        ]);
        expect(await ledgerOf(short, orderId)).to.deep.equal([
          [p.id, 'reserved', 2],
          [p.id, 'released', 2],
          [p.id, 'reserved', 2],
          [p.id, 'sold', 2],
        ]);
        const [charge] = await paymentsOf(short, orderId);
        expect(charge).to.include({ state: 'succeeded', provider_ref: 'pi_x', amount_cents: 1600 });

        // The queued payment event finds the charge done: no second charge, no refund.
        expect(await short.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await paymentsOf(short, orderId)).to.have.length(1);
        expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested']);
        const view = (await short.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(view.status).to.equal('PAID');
        expect(view.status_history[2]).to.include({ from: 'EXPIRED', to: 'PAID', actor: 'payments' });
      });

      it('refunds and cancels when the stock was sold meanwhile: EXPIRED → CANCELLED, never oversold', async () => {
        const p = await createProduct(short.container.db, { stock: 3, price_cents: 900 });
        const late = await placeOrder(short, [{ product_id: p.id, quantity: 2 }]);
        await short.container.payments.startCharge(late.orderId);
        await waitUntilDue(short, [late.orderId]);
        expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 2 });
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });

        // Someone else buys every unit left.
        const rival = await placeOrder(short, [{ product_id: p.id, quantity: 3 }]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 3, sold: 0 });

        expect(
          await short.container.payments.completeCharge(late.orderId, {
            status: 'succeeded',
            ref: 'pi_late',
          }),
        ).to.equal('late_refunded');
        expect(await statusOf(short, late.orderId)).to.equal('CANCELLED');
        expect(await historyOf(short, late.orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'EXPIRED'],
          ['EXPIRED', 'CANCELLED'],
        ]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 3, sold: 0 });
        expect(await reservationsOf(short, late.orderId)).to.deep.equal([[p.id, 2, 'RELEASED']]);
        expect(await eventsOf(short, late.orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
        await expectHealthy(short);

        // late: payment.requested (ignored) + refund; rival: its charge.
        expect(await short.container.worker.drain()).to.deep.equal({ processed: 3, failed: 0 });
        const payments = await paymentsOf(short, late.orderId);
        expect(payments.map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
          ['charge', 'succeeded', 1800],
          ['refund', 'succeeded', 1800],
        ]);
        expect(payments[1]).to.include({
          idempotency_key: `order:${late.orderId}:refund`,
          provider: 'sandbox',
        });
        expect(payments[1].provider_ref).to.match(/^re_sandbox_/);
        expect(await statusOf(short, rival.orderId)).to.equal('PAID');
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 0, sold: 3 });

        // The refund is idempotent: running it again writes nothing.
        expect(await short.container.payments.processRefund(late.orderId)).to.equal('refunded');
        expect(await paymentsOf(short, late.orderId)).to.have.length(2);
      });
      it('a late payment for a product taken off sale is refunded, not re-sold', async () => {
        const p = await createProduct(short.container.db, { stock: 5, price_cents: 500 });
        const { orderId } = await placeOrder(short, [{ product_id: p.id, quantity: 1 }]);
        await short.container.payments.startCharge(orderId);
        await waitUntilDue(short, [orderId]);
        await short.container.sweep();
        await short.container.db('products').where({ id: p.id }).update({ active: false });
        expect(
          await short.container.payments.completeCharge(orderId, { status: 'succeeded', ref: 'pi_off' }),
        ).to.equal('late_refunded');
        expect(await statusOf(short, orderId)).to.equal('CANCELLED');
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
      });

      it('a success arriving after the order failed payment is refunded; the order stays PAYMENT_FAILED', async () => {
        const p = await createProduct(short.container.db, { stock: 5, price_cents: 700 });
        const { orderId } = await placeOrder(short, [{ product_id: p.id, quantity: 1 }]);
        await short.container.payments.startCharge(orderId);
        expect(
          await short.container.payments.completeCharge(orderId, {
            status: 'failed',
            ref: 'pi_r',
            failureCode: 'card_declined',
          }),
        ).to.equal('payment_failed');
        expect(
          await short.container.payments.completeCharge(orderId, { status: 'succeeded', ref: 'pi_r' }),
        ).to.equal('refunded_cancelled');
        expect(await statusOf(short, orderId)).to.equal('PAYMENT_FAILED');
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
        await short.container.worker.drain();
        const payments = await paymentsOf(short, orderId);
        expect(payments.map((x) => [x.kind, x.state])).to.deep.equal([
          ['charge', 'succeeded'],
          ['refund', 'succeeded'],
        ]);
      });

      it('the sweeper racing the payment of due orders: each ends PAID (charged, sold) or EXPIRED (never charged)', async () => {
        const p = await createProduct(short.container.db, { stock: 12, price_cents: 250 });
        const orders = await Promise.all(
          Array.from({ length: 6 }, () => placeOrder(short, [{ product_id: p.id, quantity: 2 }])),
        );
        const ids = orders.map((o) => o.orderId);
        await waitUntilDue(short, ids);
        const results = await Promise.allSettled([short.container.sweep(), short.container.worker.drain()]);
        expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);

        let paid = 0;
        for (const id of ids) {
          const status = await statusOf(short, id);
          const history = await historyOf(short, id);
          const payments = (await paymentsOf(short, id)).map((x) => [x.kind, x.state]);
          const ledger = await ledgerOf(short, id);
          if (status === 'PAID') {
            paid++;
            // Paid before the sweeper got to it, or its charge began first and landed after expiry.
            expect([
              [
                [null, 'PENDING'],
                ['PENDING', 'PAID'],
              ],
              [
                [null, 'PENDING'],
                ['PENDING', 'EXPIRED'],
                ['EXPIRED', 'PAID'],
              ],
            ]).to.deep.include(history);
            expect(payments).to.deep.equal([['charge', 'succeeded']]);
            expect(ledger.filter(([, kind]) => kind === 'sold')).to.deep.equal([[p.id, 'sold', 2]]);
          } else {
            // Expired before its charge began: the queued payment must not charge it.
            expect(status).to.equal('EXPIRED');
            expect(history).to.deep.equal([
              [null, 'PENDING'],
              ['PENDING', 'EXPIRED'],
            ]);
            expect(payments).to.deep.equal([]);
            expect(ledger).to.deep.equal([
              [p.id, 'reserved', 2],
              [p.id, 'released', 2],
            ]);
          }
        }
        expect(await stockOf(short, p.id)).to.deep.equal({
          available: 12 - 2 * paid,
          reserved: 0,
          sold: 2 * paid,
        });
        expect(await short.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
        expect(await short.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
      });
    });

    describe('5. cancel', () => {
      it('a PENDING order cancelled by its customer releases its stock and is never charged', async () => {
        const p = await createProduct(t.container.db, { stock: 5 });
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
        const res = await t
          .request()
          .post(`/orders/${orderId}/cancel`)
          .set(shopper.auth)
          .send({})
          .expect(200);
        expect(res.body).to.include({
          order_id: orderId,
          status: 'CANCELLED',
          status_reason: 'cancelled by customer',
        });
        expect(res.body.status_history[1]).to.include({
          from: 'PENDING',
          to: 'CANCELLED',
          actor: 'customer',
        });
        // The table keeps who exactly; the customer's view says only the role.
        expect(
          (
            await t.container
              .db('order_status_history')
              .where({ order_id: orderId, to_status: 'CANCELLED' })
              .first()
          ).actor,
        ).to.equal(`customer:${shopper.id}`);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 2, 'RELEASED']]);
        expect(await ledgerOf(t, orderId)).to.deep.equal([
          [p.id, 'reserved', 2],
          [p.id, 'released', 2],
        ]);

        expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        expect(await paymentsOf(t, orderId)).to.deep.equal([]);
        expect(await statusOf(t, orderId)).to.equal('CANCELLED');

        // Twice is a 409, and changes nothing.
        const again = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
        expect(again.body.error).to.deep.include({ code: 'invalid_transition' });
        expect(again.body.error.details).to.include({ from: 'CANCELLED', to: 'CANCELLED' });
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        expect(await ledgerOf(t, orderId)).to.have.length(2);
        expect(await historyOf(t, orderId)).to.have.length(2);
      });

      it("another customer's cancel is a 404 and an unknown field a 400; the order stays PENDING", async () => {
        const p = await createProduct(t.container.db, { stock: 5 });
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
        const stranger = await createUser(t.container);
        const res = await t.request().post(`/orders/${orderId}/cancel`).set(stranger.auth).expect(404);
        expect(res.body.error.code).to.equal('not_found');
        const bad = await t
          .request()
          .post(`/orders/${orderId}/cancel`)
          .set(shopper.auth)
          .send({ status: 'CANCELLED' })
          .expect(400);
        expect(bad.body.error.code).to.equal('validation_failed');
        expect(await statusOf(t, orderId)).to.equal('PENDING');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 4, reserved: 1, sold: 0 });
      });

      it('a PAID order cancelled is restocked and refunded once', async () => {
        const p = await createProduct(t.container.db, { stock: 10, price_cents: 2500 });
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 3 }]);
        await t.container.worker.drain();
        expect(await statusOf(t, orderId)).to.equal('PAID');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 7, reserved: 0, sold: 3 });

        const res = await t
          .request()
          .post(`/orders/${orderId}/cancel`)
          .set(shopper.auth)
          .send({ reason: 'changed my mind' })
          .expect(200);
        expect(res.body).to.include({ status: 'CANCELLED', status_reason: 'changed my mind' });
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 10, reserved: 0, sold: 0 });
        expect(await ledgerOf(t, orderId)).to.deep.equal([
          [p.id, 'reserved', 3],
          [p.id, 'sold', 3],
          [p.id, 'restocked', 3],
        ]);
        expect(await historyOf(t, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'PAID'],
          ['PAID', 'CANCELLED'],
        ]);
        expect(await eventsOf(t, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);

        expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
        const payments = await paymentsOf(t, orderId);
        expect(payments.map((x) => [x.kind, x.state, x.amount_cents, x.idempotency_key])).to.deep.equal([
          ['charge', 'succeeded', 7500, `order:${orderId}:charge`],
          ['refund', 'succeeded', 7500, `order:${orderId}:refund`],
        ]);
        expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
        expect(await t.container.payments.processRefund(orderId)).to.equal('refunded');
        expect(await paymentsOf(t, orderId)).to.have.length(2);

        await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 10, reserved: 0, sold: 0 });
      });

      it('a SHIPPED order cannot be cancelled (409), by the customer or an admin', async () => {
        const p = await createProduct(t.container.db, { stock: 4 });
        const admin = await createUser(t.container, 'admin');
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
        await t.container.worker.drain();
        await t
          .request()
          .post(`/admin/orders/${orderId}/ship`)
          .set(admin.auth)
          .send({ carrier: 'ups', tracking_number: TRACKING })
          .expect(200);

        const res = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
        expect(res.body.error.code).to.equal('invalid_transition');
        expect(res.body.error.details).to.include({ from: 'SHIPPED', to: 'CANCELLED' });
        const byAdmin = await t.request().post(`/admin/orders/${orderId}/cancel`).set(admin.auth).expect(409);
        expect(byAdmin.body.error.code).to.equal('invalid_transition');
        expect(await statusOf(t, orderId)).to.equal('SHIPPED');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 1 });
        expect(await eventsOf(t, orderId)).to.deep.equal(['payment.requested']);
      });

      it('a cancel landing while the charge is in flight ends CANCELLED with the money refunded', async () => {
        const p = await createProduct(t.container.db, { stock: 5, price_cents: 300 });
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
        await t.container.payments.startCharge(orderId);
        await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });

        expect(
          await t.container.payments.completeCharge(orderId, { status: 'succeeded', ref: 'pi_y' }),
        ).to.equal('refunded_cancelled');
        expect(await statusOf(t, orderId)).to.equal('CANCELLED');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
        // payment.requested (charge already settled: ignored) and the refund.
        expect(await t.container.worker.drain()).to.deep.equal({ processed: 2, failed: 0 });
        const payments = await paymentsOf(t, orderId);
        expect(payments.map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
          ['charge', 'succeeded', 600],
          ['refund', 'succeeded', 600],
        ]);
        expect(await historyOf(t, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'CANCELLED'],
        ]);
      });

      it('cancel racing payment completion: one consistent end state per order, refunded if charged', async () => {
        const p = await createProduct(t.container.db, { stock: 40, price_cents: 450 });
        const orders = await Promise.all(
          Array.from({ length: 6 }, () => placeOrder(t, [{ product_id: p.id, quantity: 2 }])),
        );
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 28, reserved: 12, sold: 0 });

        const results = await Promise.allSettled([
          t.container.worker.drain(),
          ...orders.map(async (o, i) => {
            await sleep(i); // spread the cancels across the worker's run
            return t.request().post(`/orders/${o.orderId}/cancel`).set(o.shopper.auth);
          }),
        ]);
        expect(results.map((r) => r.status)).to.deep.equal(Array(7).fill('fulfilled'));
        for (const r of results.slice(1)) {
          const res = (r as PromiseFulfilledResult<{ status: number; body: { status: string } }>).value;
          expect(res.status).to.equal(200);
          expect(res.body.status).to.equal('CANCELLED');
        }
        // Refunds queued by a cancel that came after the worker's last round.
        await t.container.worker.drain();

        for (const { orderId } of orders) {
          expect(await statusOf(t, orderId)).to.equal('CANCELLED');
          const payments = await paymentsOf(t, orderId);
          const charges = payments.filter((x) => x.kind === 'charge');
          const refunds = payments.filter((x) => x.kind === 'refund');
          expect(charges.length).to.be.at.most(1);
          const charged = charges[0]?.state === 'succeeded';
          expect(refunds.map((x) => [x.state, x.amount_cents])).to.deep.equal(
            charged ? [['succeeded', 900]] : [],
          );
          const history = await historyOf(t, orderId);
          const paidFirst = history.length === 3;
          expect(history).to.deep.equal(
            paidFirst
              ? [
                  [null, 'PENDING'],
                  ['PENDING', 'PAID'],
                  ['PAID', 'CANCELLED'],
                ]
              : [
                  [null, 'PENDING'],
                  ['PENDING', 'CANCELLED'],
                ],
          );
          if (paidFirst) expect(charged).to.equal(true);
          expect(await ledgerOf(t, orderId)).to.deep.equal(
            paidFirst
              ? [
                  [p.id, 'reserved', 2],
                  [p.id, 'sold', 2],
                  [p.id, 'restocked', 2],
                ]
              : [
                  [p.id, 'reserved', 2],
                  [p.id, 'released', 2],
                ],
          );
        }
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 40, reserved: 0, sold: 0 });
        expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
      });
      it('cancelling an order that already EXPIRED releases nothing twice', async () => {
        const p = await createProduct(short.container.db, { stock: 3 });
        const { orderId, shopper } = await placeOrder(short, [{ product_id: p.id, quantity: 3 }]);
        await waitUntilDue(short, [orderId]);
        expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 3 });
        const res = await short.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
        expect(res.body.status).to.equal('CANCELLED');
        expect(await historyOf(short, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'EXPIRED'],
          ['EXPIRED', 'CANCELLED'],
        ]);
        expect(await ledgerOf(short, orderId)).to.deep.equal([
          [p.id, 'reserved', 3],
          [p.id, 'released', 3],
        ]);
        expect(await stockOf(short, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
        // The queued payment finds a cancelled order: nothing is charged.
        await short.container.worker.drain();
        expect(await paymentsOf(short, orderId)).to.deep.equal([]);
      });
    });

    describe('6. fulfilment over HTTP', () => {
      it('ship only a PAID order, then deliver once; every move in the history', async () => {
        const p = await createProduct(t.container.db, { stock: 5 });
        const admin = await createUser(t.container, 'admin');
        const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
        const shipment = { carrier: 'ups', tracking_number: TRACKING };

        const early = await t
          .request()
          .post(`/admin/orders/${orderId}/ship`)
          .set(admin.auth)
          .send(shipment)
          .expect(409);
        expect(early.body.error.code).to.equal('invalid_transition');
        expect(early.body.error.details).to.include({ from: 'PENDING', to: 'SHIPPED' });
        const earlyDeliver = await t
          .request()
          .post(`/admin/orders/${orderId}/deliver`)
          .set(admin.auth)
          .expect(409);
        expect(earlyDeliver.body.error.code).to.equal('invalid_transition');

        await t.container.worker.drain();
        expect(await statusOf(t, orderId)).to.equal('PAID');

        const badCarrier = await t
          .request()
          .post(`/admin/orders/${orderId}/ship`)
          .set(admin.auth)
          .send({ carrier: 'pigeon', tracking_number: TRACKING })
          .expect(400);
        expect(badCarrier.body.error.code).to.equal('validation_failed');
        expect(badCarrier.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['carrier']);
        await t
          .request()
          .post(`/admin/orders/${orderId}/ship`)
          .set(admin.auth)
          .send({ carrier: 'ups', tracking_number: 'no spaces allowed' })
          .expect(400);
        await t.request().post(`/admin/orders/${orderId}/ship`).set(shopper.auth).send(shipment).expect(403);
        expect(await statusOf(t, orderId)).to.equal('PAID');

        const shipped = await t
          .request()
          .post(`/admin/orders/${orderId}/ship`)
          .set(admin.auth)
          .send(shipment)
          .expect(200);
        expect(shipped.body).to.include({ status: 'SHIPPED', carrier: 'ups', tracking_number: TRACKING });
        expect(shipped.body.tracking_url).to.equal(`https://www.ups.com/track?tracknum=${TRACKING}`);
        const seen = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(seen.tracking_url).to.contain(TRACKING);
        expect(seen.status_history[2]).to.include({
          from: 'PAID',
          to: 'SHIPPED',
          reason: 'shipped via ups',
          actor: 'admin',
        });
        const staffView = (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200))
          .body;
        expect(staffView.status_history[2]).to.include({ actor: `admin:${admin.id}` });
        await t.request().post(`/admin/orders/${orderId}/ship`).set(admin.auth).send(shipment).expect(409);

        const delivered = await t
          .request()
          .post(`/admin/orders/${orderId}/deliver`)
          .set(admin.auth)
          .expect(200);
        expect(delivered.body.status).to.equal('DELIVERED');
        expect(delivered.body.tracking_url).to.contain(TRACKING);
        const again = await t.request().post(`/admin/orders/${orderId}/deliver`).set(admin.auth).expect(409);
        expect(again.body.error.code).to.equal('invalid_transition');
        expect(again.body.error.details).to.include({ from: 'DELIVERED', to: 'DELIVERED' });

        expect(await historyOf(t, orderId)).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'PAID'],
          ['PAID', 'SHIPPED'],
          ['SHIPPED', 'DELIVERED'],
        ]);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 2 });
      });
    });

    describe('7. orders API', () => {
      it("lists the caller's orders newest first, paginated, never another user's", async () => {
        const p = await createProduct(t.container.db, { stock: 50, price_cents: 100 });
        const alice = await createUser(t.container);
        const bob = await createUser(t.container);
        const ids: string[] = [];
        for (let n = 1; n <= 3; n++)
          ids.push(await orderAgain(t, alice, [{ product_id: p.id, quantity: n }]));
        const bobs = await orderAgain(t, bob, [{ product_id: p.id, quantity: 7 }]);

        const all = (await t.request().get('/orders').set(alice.auth).expect(200)).body;
        expect(all).to.include({ total: 3, page: 1, next_page: null });
        expect(all.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([...ids].reverse());
        expect(all.orders.map((o: { item_count: number }) => o.item_count)).to.deep.equal([3, 2, 1]);
        expect(all.orders[0]).to.include({ status: 'PENDING', total_cents: 300, currency: 'USD' });
        expect(all.orders[0]).to.have.all.keys(
          'order_id',
          'status',
          'total_cents',
          'currency',
          'created_at',
          'item_count',
        );

        const first = (await t.request().get('/orders?limit=2').set(alice.auth).expect(200)).body;
        expect(first).to.include({ total: 3, page: 1, next_page: 2 });
        expect(first.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([ids[2], ids[1]]);
        const second = (await t.request().get('/orders?page=2&limit=2').set(alice.auth).expect(200)).body;
        expect(second).to.include({ total: 3, page: 2, next_page: null });
        expect(second.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([ids[0]]);
        const beyond = (await t.request().get('/orders?page=3&limit=2').set(alice.auth).expect(200)).body;
        expect(beyond).to.deep.include({ orders: [], total: 3, next_page: null });

        const theirs = (await t.request().get('/orders').set(bob.auth).expect(200)).body;
        expect(theirs.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([bobs]);
        expect(theirs.total).to.equal(1);

        for (const query of ['limit=0', 'limit=101', 'page=0', 'limit=abc', 'status=PAID']) {
          const bad = await t.request().get(`/orders?${query}`).set(alice.auth).expect(400);
          expect(bad.body.error.code).to.equal('validation_failed');
        }
        await t.request().get('/orders').expect(401);
      });

      it('shows one order in full, only to its owner, at the price paid', async () => {
        const p = await createProduct(t.container.db, { stock: 10, price_cents: 1999, name: 'Kettle' });
        const q = await createProduct(t.container.db, { stock: 10, price_cents: 350, name: 'Mug' });
        const { orderId, shopper } = await placeOrder(t, [
          { product_id: q.id, quantity: 4 },
          { product_id: p.id, quantity: 1 },
        ]);

        const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(view).to.include.all.keys(
          'order_id',
          'items',
          'total_cents',
          'status',
          'status_history',
          'shipping_address',
          'tracking_url',
        );
        expect(view).to.include({
          order_id: orderId,
          status: 'PENDING',
          total_cents: 1999 + 4 * 350,
          tracking_url: null,
        });
        expect(view.items).to.deep.equal([
          {
            product_id: p.id,
            sku: p.sku,
            name: 'Kettle',
            quantity: 1,
            price_at_purchase_cents: 1999,
            line_total_cents: 1999,
          },
          {
            product_id: q.id,
            sku: q.sku,
            name: 'Mug',
            quantity: 4,
            price_at_purchase_cents: 350,
            line_total_cents: 1400,
          },
        ]);
        expect(view.status_history).to.have.length(1);
        expect(view.status_history[0]).to.have.all.keys('from', 'to', 'reason', 'actor', 'at');
        expect(view.status_history[0]).to.include({
          from: null,
          to: 'PENDING',
          reason: 'checkout',
          actor: 'checkout',
        });
        expect(Number.isNaN(Date.parse(view.status_history[0].at))).to.equal(false);
        expect(view.shipping_address).to.deep.equal(ADDRESS);

        // The catalogue price changes; the order keeps the price it was bought at.
        await t.container.db('products').where({ id: p.id }).update({ price_cents: 2999 });
        await t.container.catalog.invalidateProducts([p.id]);
        const later = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
        expect(later.items[0]).to.include({ price_at_purchase_cents: 1999, line_total_cents: 1999 });
        expect(later.total_cents).to.equal(1999 + 4 * 350);
        const next = await orderAgain(t, await createUser(t.container), [{ product_id: p.id, quantity: 1 }]);
        expect((await t.container.db('orders').where({ id: next }).first()).total_cents).to.equal(2999);

        const stranger = await createUser(t.container);
        const hidden = await t.request().get(`/orders/${orderId}`).set(stranger.auth).expect(404);
        expect(hidden.body.error.code).to.equal('not_found');
        // Admins too see only their own orders here; the admin view is /admin/orders/:id.
        const admin = await createUser(t.container, 'admin');
        await t.request().get(`/orders/${orderId}`).set(admin.auth).expect(404);
        expect(
          (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200)).body.order_id,
        ).to.equal(orderId);
        await t.request().get(`/orders/${randomUUID()}`).set(shopper.auth).expect(404);
        const malformed = await t.request().get('/orders/not-a-uuid').set(shopper.auth).expect(400);
        expect(malformed.body.error.code).to.equal('validation_failed');
        await t.request().post('/orders/not-a-uuid/cancel').set(shopper.auth).expect(400);
        await t.request().get(`/orders/${orderId}`).expect(401);
      });
    });
  });
}

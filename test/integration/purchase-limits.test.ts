import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { checkInvariants } from '../../src/audit/invariants.js';
import { CART_SNAPSHOT_SQL } from '../../src/checkout/batch.js';
import { createContainer } from '../../src/container.js';
import { pgArray } from '../../src/db/index.js';
import { HOLDING_STATUSES } from '../../src/orders/index.js';
import { checkoutBody, postCheckout } from '../support/checkout.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { scansOf } from '../support/plans.js';
import { stockOf } from '../support/stock.js';

type User = Awaited<ReturnType<typeof createUser>>;

for (const strategy of ['group-commit', 'row-lock'] as const) {
  describe(`purchase limits (${strategy})`, function () {
    this.timeout(60_000);
    let t: TestContext;
    before(async () => {
      t = await createTestContext({ CHECKOUT_STRATEGY: strategy, MAX_PENDING_ORDERS: '2' });
    });
    after(() => t.close());
    beforeEach(() => t.truncate());
    afterEach(async () => {
      expect((await checkInvariants(t.container.db)).violations).to.deep.equal([]);
    });

    /** The customer's cart gets `quantity` of the product, then checks out; answers the response. */
    async function buy(
      user: User,
      productId: number,
      quantity: number,
      paymentMethod = 'pm_card_authenticationRequired',
    ) {
      // A cart a refused checkout left behind still holds the line: set its quantity instead.
      const current = (await t.request().get('/cart').set(user.auth).expect(200)).body;
      const has = current.items?.some((i: { product_id: number }) => i.product_id === productId);
      const cart = has
        ? await t.request().patch(`/cart/items/${productId}`).set(user.auth).send({ quantity }).expect(200)
        : await t
            .request()
            .post('/cart/items')
            .set(user.auth)
            .send({ product_id: productId, quantity })
            .expect(200);
      const cartId = cart.body.cart_id ?? cart.body.cart.cart_id;
      return postCheckout(t, { auth: user.auth, cartId }, { payment_method: paymentMethod });
    }

    it('the hoarding loop (add 99 → checkout with a card that never pays) stops at the unpaid-orders cap', async () => {
      const hot = await createProduct(t.container.db, { stock: 1_000 });
      const bot = await createUser(t.container);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await buy(bot, hot.id, 99));
      expect(answers.map((a) => a.status)).to.deep.equal([201, 201, 409, 409, 409]);
      expect(answers[2]!.body.error).to.deep.include({ code: 'purchase_limit' });
      expect(answers[2]!.body.error.details).to.deep.equal({ max_pending_orders: 2, pending_orders: 2 });
      expect((await stockOf(t, hot.id)).reserved).to.equal(198);
      // Paying (or cancelling) one frees a place.
      const [first] = await t.container.db('orders').where({ user_id: bot.id }).orderBy('created_at');
      await t.request().post(`/orders/${first.id}/cancel`).set(bot.auth).send({}).expect(200);
      expect((await buy(bot, hot.id, 1)).status).to.equal(201);
    });

    it('max_per_customer counts PENDING and PAID orders; set and lifted by an admin', async () => {
      const hot = await createProduct(t.container.db, { stock: 100, sku: `HOT-${strategy}` });
      const admin = await createUser(t.container, 'admin');
      const limited = await t
        .request()
        .put(`/admin/products/HOT-${strategy}/purchase-limit`)
        .set(admin.auth)
        .send({ max_per_customer: 2, reason: 'flash sale' })
        .expect(200);
      expect(limited.body.max_per_customer).to.equal(2);
      await t
        .request()
        .put(`/admin/products/HOT-${strategy}/purchase-limit`)
        .set(admin.auth)
        .send({ max_per_customer: 0 })
        .expect(400);
      await t
        .request()
        .put(`/admin/products/HOT-${strategy}/purchase-limit`)
        .set(admin.auth)
        .send({ max: 2 })
        .expect(400);
      const customer = await createUser(t.container);
      await t
        .request()
        .put(`/admin/products/HOT-${strategy}/purchase-limit`)
        .set(customer.auth)
        .send({ max_per_customer: 9 })
        .expect(403);

      const buyer = await createUser(t.container);
      const over = await buy(buyer, hot.id, 3, 'pm_card_visa');
      expect(over.status).to.equal(409);
      expect(over.body.error.details.items).to.deep.equal([
        { product_id: hot.id, max_per_customer: 2, already_ordered: 0, requested: 3 },
      ]);
      await t.request().delete(`/cart/items/${hot.id}`).set(buyer.auth).expect(200);
      expect((await buy(buyer, hot.id, 1, 'pm_card_visa')).status).to.equal(201);
      await t.container.worker.drain(); // PAID: still counts
      const again = await buy(buyer, hot.id, 2, 'pm_card_visa');
      expect(again.status).to.equal(409);
      expect(again.body.error.details.items[0]).to.include({ already_ordered: 1, requested: 2 });
      await t.request().patch(`/cart/items/${hot.id}`).set(buyer.auth).send({ quantity: 1 }).expect(200);
      const cartId = (await t.request().get('/cart').set(buyer.auth).expect(200)).body.cart_id;
      expect((await postCheckout(t, { auth: buyer.auth, cartId })).status).to.equal(201);
      // Another customer has their own allowance.
      expect((await buy(await createUser(t.container), hot.id, 2, 'pm_card_visa')).status).to.equal(201);

      await t
        .request()
        .put(`/admin/products/HOT-${strategy}/purchase-limit`)
        .set(admin.auth)
        .send({ max_per_customer: null })
        .expect(200);
      expect((await buy(buyer, hot.id, 1, 'pm_card_visa')).status).to.equal(201);
      const log = await t.container
        .db('admin_audit_log')
        .where({ action: 'product.purchase_limit' })
        .orderBy('id');
      expect(log.map((l) => [l.before, l.after, l.reason])).to.deep.equal([
        [{ max_per_customer: null }, { max_per_customer: 2 }, 'flash sale'],
        [{ max_per_customer: 2 }, { max_per_customer: null }, null],
      ]);
    });

    it('50 concurrent checkouts of one customer, over two service processes, never pass the cap', async () => {
      const hot = await createProduct(t.container.db, { stock: 100 });
      await t.container.db('products').where({ id: hot.id }).update({ max_per_customer: 1 });
      const buyer = await createUser(t.container);
      const cartId = (
        await t
          .request()
          .post('/cart/items')
          .set(buyer.auth)
          .send({ product_id: hot.id, quantity: 1 })
          .expect(200)
      ).body.cart_id;
      const other = createContainer(t.container.config);
      const second = supertest(createApp(other).callback());
      try {
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 ? second : t.request())
              .post('/checkout')
              .set(buyer.auth)
              .set('Idempotency-Key', randomUUID())
              .send(checkoutBody(cartId)),
          ),
        );
        const statuses = results.map((r) => (r as PromiseFulfilledResult<{ status: number }>).value.status);
        expect(statuses.filter((s) => s === 201)).to.have.length(1);
        expect(statuses.filter((s) => s !== 201 && s !== 409)).to.deep.equal([]);
      } finally {
        await other.close();
      }
      // A second cart, right after: the cap holds against the first order.
      const next = await buy(buyer, hot.id, 1, 'pm_card_visa');
      expect(next.status).to.equal(409);
      const held = await t.container
        .db('order_items')
        .where({ product_id: hot.id })
        .sum<{ n: number }[]>({ n: 'quantity' });
      expect(Number(held[0]!.n)).to.equal(1);
    });
  });
}

describe("the checkout's count of a customer's unpaid orders", function () {
  this.timeout(60_000);
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it("reads that customer's PENDING orders, not every PENDING order in the store, whatever the statistics", async () => {
    const buyer = await createUser(t.container);
    // All of it in one transaction, rolled back: the orders never meet the invariants' audit.
    const trx = await t.container.db.transaction();
    try {
      await trx.raw('SET LOCAL session_replication_role = replica');
      // Statistics taken while nothing is PENDING, as between two sales: past sales' orders, paid.
      await trx.raw(
        `INSERT INTO orders (user_id, status, total_cents, shipping_address, payment_method)
         SELECT gen_random_uuid(), 'PAID', 100, '{}', 'pm_card_visa' FROM generate_series(1, 5000)`,
      );
      await trx.raw('ANALYZE orders');
      // Then a sale: 2,000 customers' orders wait for payment, two of them the buyer's.
      await trx.raw(
        `INSERT INTO orders (user_id, status, total_cents, shipping_address, payment_method)
         SELECT CASE WHEN g <= 2 THEN :buyer::uuid ELSE gen_random_uuid() END, 'PENDING', 100, '{}', 'pm_card_visa'
           FROM generate_series(1, 2000) g`,
        { buyer: buyer.id },
      );
      const [cart] = await trx('carts').insert({ user_id: buyer.id }).returning('id');
      const bindings = [true, pgArray(HOLDING_STATUSES), [cart!.id]];
      // The units-held read never runs here (no capped product): the count is the one scan that does.
      const scans = (await scansOf(trx, CART_SNAPSHOT_SQL, bindings, 'orders')).filter((s) => s.loops > 0);
      expect(scans.map((s) => s.index)).to.deep.equal(['orders_user_pending_idx']);
      // The buyer's two rows, not the store's 2,000 PENDING orders.
      expect(scans[0]!.rows * scans[0]!.loops, JSON.stringify(scans)).to.be.at.most(2);
      const { rows } = await trx.raw<{ rows: { pending_orders: number }[] }>(CART_SNAPSHOT_SQL, bindings);
      expect(rows.map((r) => r.pending_orders)).to.deep.equal([2]);
    } finally {
      await trx.rollback();
    }
  });
});

describe('shopctl products limit', function () {
  this.timeout(60_000);
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('sets and lifts a limit per customer; a bad value changes nothing', async () => {
    await createProduct(t.container.db, { sku: 'LIM-1', stock: 5 });
    const set = await shopctl(t, ['products', 'limit', 'LIM-1', '2', '--reason', 'flash sale', '--json']);
    expect(set.code, set.stderr).to.equal(0);
    expect(set.json()).to.include({ sku: 'LIM-1', max_per_customer: 2 });
    const bad = await shopctl(t, ['products', 'limit', 'LIM-1', 'zero']);
    expect(bad.code, 'a usage error').to.equal(2);
    expect(bad.stderr).to.match(/whole number from 1 to 10000, or "none"/);
    expect((await t.container.db('products').where({ sku: 'LIM-1' }).first()).max_per_customer).to.equal(2);
    const lifted = await shopctl(t, ['products', 'limit', 'LIM-1', 'none']);
    expect(lifted.stdout).to.match(/LIM-1: no limit per customer/);
    expect((await t.container.db('products').where({ sku: 'LIM-1' }).first()).max_per_customer).to.equal(
      null,
    );
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { ADDRESS, checkoutBody, postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { stockOf } from '../support/stock.js';

function tally(statuses: number[]) {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

async function expectHealthy(t: TestContext) {
  const report = await t.container.db.transaction(async () => checkInvariants(t.container.db));
  expect(report.violations).to.deep.equal([]);
}

for (const strategy of ['group-commit', 'row-lock'] as const) {
  describe(`checkout (${strategy})`, function () {
    this.timeout(60_000);
    let t: TestContext;

    before(async () => {
      t = await createTestContext({ CHECKOUT_STRATEGY: strategy });
    });
    after(() => t.close());
    afterEach(() => expectHealthy(t));

    it('answers 201 with the order, reserves the stock and converts the cart', async () => {
      const p = await createProduct(t.container.db, { stock: 10, price_cents: 1250 });
      const q = await createProduct(t.container.db, { stock: 4, price_cents: 399 });
      const shopper = await shopperWithCart(t, [
        { product_id: p.id, quantity: 2 },
        { product_id: q.id, quantity: 3 },
      ]);
      const res = await postCheckout(t, shopper).expect(201);
      expect(res.body).to.have.keys(['order_id', 'status', 'total_cents']);
      expect(res.body).to.include({ status: 'PENDING', total_cents: 2 * 1250 + 3 * 399 });
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 2, sold: 0 });
      expect(await stockOf(t, q.id)).to.deep.equal({ available: 1, reserved: 3, sold: 0 });

      const reservations = await t.container
        .db('reservations')
        .where({ order_id: res.body.order_id })
        .orderBy('product_id');
      expect(reservations.map((r) => [r.product_id, r.quantity, r.state])).to.deep.equal([
        [p.id, 2, 'ACTIVE'],
        [q.id, 3, 'ACTIVE'],
      ]);
      const ttl = reservations[0].expires_at.getTime() - Date.now();
      expect(ttl).to.be.within(9 * 60_000, 10 * 60_000 + 1_000);
      const cart = await t.container.db('carts').where({ id: shopper.cartId }).first();
      expect(cart.status).to.equal('converted');
      expect(cart.converted_at).to.be.instanceOf(Date);
      // The shopper starts afresh; the converted cart stays with its order.
      const after = await t.request().get('/cart').set(shopper.auth).expect(200);
      expect(after.body.items).to.deep.equal([]);
      const events = await t.container.db('outbox_events').where({ aggregate_id: res.body.order_id });
      expect(events.map((e) => e.topic)).to.deep.equal(['payment.requested']);
    });

    it('the seed race: two concurrent checkouts of all 5 units, exactly one wins', async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      const [a, b] = await Promise.all([
        shopperWithCart(t, [{ product_id: p.id, quantity: 5 }]),
        shopperWithCart(t, [{ product_id: p.id, quantity: 5 }]),
      ]);
      const results = await Promise.allSettled([postCheckout(t, a!), postCheckout(t, b!)]);
      const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0));
      expect(statuses.sort()).to.deep.equal([201, 409]);
      const loser = results
        .map((r) => (r.status === 'fulfilled' ? r.value : null))
        .find((r) => r?.status === 409)!;
      expect(loser.body.error.code).to.equal('out_of_stock');
      expect(loser.body.error.details.items).to.deep.equal([
        { product_id: p.id, requested: 5, available: 0 },
      ]);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 0, reserved: 5, sold: 0 });
    });

    it('200 concurrent single-unit checkouts on 50 units: exactly 50 orders and 150 × 409', async () => {
      const p = await createProduct(t.container.db, { stock: 50 });
      const shoppers = [];
      for (let i = 0; i < 200; i += 50) {
        shoppers.push(
          ...(await Promise.all(
            Array.from({ length: 50 }, () => shopperWithCart(t, [{ product_id: p.id, quantity: 1 }])),
          )),
        );
      }
      const results = await Promise.allSettled(shoppers.map((s) => postCheckout(t, s)));
      const responses = results.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
      expect(tally(responses.map((r) => r.status))).to.deep.equal({ 201: 50, 409: 150 });
      expect(new Set(responses.filter((r) => r.status === 409).map((r) => r.body.error.code))).to.deep.equal(
        new Set(['out_of_stock']),
      );
      const orders = await t.container
        .db('order_items')
        .where({ product_id: p.id })
        .count<{ n: number }[]>('* as n');
      expect(orders[0]!.n).to.equal(50);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 0, reserved: 50, sold: 0 });
    });

    it('two service processes selling one SKU together: exactly the stock is sold', async () => {
      const p = await createProduct(t.container.db, { stock: 20 });
      const shoppers = await Promise.all(
        Array.from({ length: 60 }, () => shopperWithCart(t, [{ product_id: p.id, quantity: 1 }])),
      );
      const { createContainer } = await import('../../src/container.js');
      const second = createContainer(t.container.config, { logger: t.container.logger });
      try {
        // Each process batches its own requests; their stale reads of the shared row must not oversell.
        const results = await Promise.allSettled(
          shoppers.map((s, i) =>
            (i % 2 ? second : t.container).checkout.checkout(s.id, randomUUID(), checkoutBody(s.cartId)),
          ),
        );
        const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0));
        expect(tally(statuses)).to.deep.equal({ 201: 20, 409: 40 });
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 0, reserved: 20, sold: 0 });
      } finally {
        await second.close();
      }
    });

    it('multi-SKU carts overlapping in opposite orders never deadlock and are all-or-nothing', async () => {
      const x = await createProduct(t.container.db, { stock: 15 });
      const y = await createProduct(t.container.db, { stock: 15 });
      // Half add x then y, half y then x; each wants 2 of each: only 7 carts can be served in full.
      const shoppers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          shopperWithCart(
            t,
            i % 2 === 0
              ? [
                  { product_id: x.id, quantity: 2 },
                  { product_id: y.id, quantity: 2 },
                ]
              : [
                  { product_id: y.id, quantity: 2 },
                  { product_id: x.id, quantity: 2 },
                ],
          ),
        ),
      );
      const results = await Promise.allSettled(shoppers.map((s) => postCheckout(t, s)));
      const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0));
      expect(tally(statuses)).to.deep.equal({ 201: 7, 409: 13 });
      expect(await stockOf(t, x.id)).to.deep.equal({ available: 1, reserved: 14, sold: 0 });
      expect(await stockOf(t, y.id)).to.deep.equal({ available: 1, reserved: 14, sold: 0 });
      // No partial orders: every order has both lines.
      const partial = await t.container
        .db('order_items')
        .whereIn('product_id', [x.id, y.id])
        .groupBy('order_id')
        .havingRaw('count(*) <> 2')
        .select('order_id');
      expect(partial).to.deep.equal([]);
    });

    it('a cart short on one line reserves nothing at all', async () => {
      const plenty = await createProduct(t.container.db, { stock: 10 });
      const scarce = await createProduct(t.container.db, { stock: 3 });
      const shopper = await shopperWithCart(t, [
        { product_id: plenty.id, quantity: 2 },
        { product_id: scarce.id, quantity: 3 },
      ]);
      // Someone else takes one unit of the scarce product first.
      const rival = await shopperWithCart(t, [{ product_id: scarce.id, quantity: 1 }]);
      await postCheckout(t, rival).expect(201);
      const res = await postCheckout(t, shopper).expect(409);
      expect(res.body.error.details.items).to.deep.equal([
        { product_id: scarce.id, requested: 3, available: 2 },
      ]);
      expect(await stockOf(t, plenty.id)).to.deep.equal({ available: 10, reserved: 0, sold: 0 });
      const cart = await t.container.db('carts').where({ id: shopper.cartId }).first();
      expect(cart.status).to.equal('active');
    });

    describe('idempotency', () => {
      it('50 parallel requests with one key: one order, 50 identical answers', async () => {
        const p = await createProduct(t.container.db, { stock: 100, price_cents: 700 });
        const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 3 }]);
        const key = randomUUID();
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => postCheckout(t, shopper, { key })),
        );
        const bodies = results.map((r) => {
          if (r.status === 'rejected') throw r.reason;
          expect(r.value.status).to.equal(201);
          return JSON.stringify(r.value.body);
        });
        expect(new Set(bodies).size).to.equal(1);
        const orders = await t.container.db('orders').where({ user_id: shopper.id });
        expect(orders).to.have.length(1);
        expect(JSON.parse(bodies[0]!)).to.deep.equal({
          order_id: orders[0].id,
          status: 'PENDING',
          total_cents: 2100,
        });
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 97, reserved: 3, sold: 0 });
      });

      it('concurrent retries from two service processes still make one order', async () => {
        const p = await createProduct(t.container.db, { stock: 100 });
        const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        const { createContainer } = await import('../../src/container.js');
        const second = createContainer(t.container.config, { logger: t.container.logger });
        try {
          const key = randomUUID();
          const input = checkoutBody(shopper.cartId);
          const results = await Promise.all([
            ...Array.from({ length: 10 }, () => t.container.checkout.checkout(shopper.id, key, input)),
            ...Array.from({ length: 10 }, () => second.checkout.checkout(shopper.id, key, input)),
          ]);
          expect(new Set(results.map((r) => JSON.stringify(r))).size).to.equal(1);
          expect(results[0]!.status).to.equal(201);
          expect(await t.container.db('orders').where({ user_id: shopper.id })).to.have.length(1);
        } finally {
          await second.close();
        }
      });

      it('a replay after completion returns the first answer, even after the cart changed', async () => {
        const p = await createProduct(t.container.db, { stock: 1 });
        const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        const key = randomUUID();
        const first = await postCheckout(t, shopper, { key }).expect(201);
        const again = await postCheckout(t, shopper, { key }).expect(201);
        expect(again.body).to.deep.equal(first.body);
        // A failure is an answer too: replaying its key gives the same 409.
        const other = await shopperWithCart(t, []);
        const cartless = { ...other, cartId: shopper.cartId };
        const k2 = randomUUID();
        const denied = await postCheckout(t, cartless, { key: k2 }).expect(404);
        expect(denied.body.error.code).to.equal('cart_not_found');
        const deniedAgain = await postCheckout(t, cartless, { key: k2 }).expect(404);
        expect(deniedAgain.body).to.deep.equal(denied.body);
      });

      it('the same key with a different body is a 422; a missing or bad key is a 400', async () => {
        const p = await createProduct(t.container.db, { stock: 10 });
        const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        const key = randomUUID();
        await postCheckout(t, shopper, { key }).expect(201);
        const reused = await postCheckout(t, shopper, { key, payment_method: 'pm_card_mastercard' }).expect(
          422,
        );
        expect(reused.body.error.code).to.equal('idempotency_key_reused');

        const missing = await t
          .request()
          .post('/checkout')
          .set(shopper.auth)
          .send(checkoutBody(shopper.cartId))
          .expect(400);
        expect(missing.body.error.code).to.equal('idempotency_key_missing');
        const tooLong = await t
          .request()
          .post('/checkout')
          .set(shopper.auth)
          .set('Idempotency-Key', 'k'.repeat(256))
          .send(checkoutBody(shopper.cartId))
          .expect(400);
        expect(tooLong.body.error.code).to.equal('idempotency_key_missing');
      });

      it('keys are scoped per user: two users may use the same key', async () => {
        const p = await createProduct(t.container.db, { stock: 10 });
        const [a, b] = await Promise.all([
          shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]),
          shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]),
        ]);
        const key = randomUUID();
        const [ra, rb] = await Promise.all([postCheckout(t, a, { key }), postCheckout(t, b, { key })]);
        expect([ra.status, rb.status]).to.deep.equal([201, 201]);
        expect(ra.body.order_id).to.not.equal(rb.body.order_id);
      });
    });

    describe('refusals', () => {
      it('needs a token, a valid body, and the caller’s own non-empty active cart', async () => {
        const p = await createProduct(t.container.db, { stock: 10 });
        const owner = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        const stranger = await createUser(t.container);

        await t
          .request()
          .post('/checkout')
          .set('Idempotency-Key', 'x')
          .send(checkoutBody(owner.cartId))
          .expect(401);
        const notMine = await postCheckout(t, { auth: stranger.auth, cartId: owner.cartId }).expect(404);
        expect(notMine.body.error.code).to.equal('cart_not_found');

        const bad = await t
          .request()
          .post('/checkout')
          .set(owner.auth)
          .set('Idempotency-Key', randomUUID())
          .send({
            ...checkoutBody(owner.cartId),
            shipping_address: { ...ADDRESS, country: 'Britain' },
            total_cents: 1,
          })
          .expect(400);
        expect(bad.body.error.code).to.equal('validation_failed');
        const paths = bad.body.error.details.map((d: { path: string }) => d.path);
        expect(paths).to.include('shipping_address.country');
        expect(
          bad.body.error.details.some((d: { message: string }) => d.message.includes('total_cents')),
        ).to.equal(true);

        await postCheckout(t, owner).expect(201);
        const twice = await postCheckout(t, owner).expect(409);
        expect(twice.body.error.code).to.equal('cart_converted');

        const empty = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        await t.request().delete('/cart').set(empty.auth).expect(200);
        const none = await postCheckout(t, empty).expect(409);
        expect(none.body.error.code).to.equal('cart_empty');
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 9, reserved: 1, sold: 0 });
      });

      it('an inactive product makes its cart out of stock', async () => {
        const p = await createProduct(t.container.db, { stock: 10 });
        const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
        await t.container.db('products').where({ id: p.id }).update({ active: false });
        const res = await postCheckout(t, shopper).expect(409);
        expect(res.body.error.details.items).to.deep.equal([
          { product_id: p.id, requested: 1, available: 0 },
        ]);
      });
    });

    it('a request that breaks its transaction fails alone; its batch-mates succeed', async () => {
      const p = await createProduct(t.container.db, { stock: 100 });
      const shoppers = await Promise.all(
        Array.from({ length: 10 }, () => shopperWithCart(t, [{ product_id: p.id, quantity: 1 }])),
      );
      // A fault only one request can trip: a trigger refusing one shipping name.
      await t.container.db.raw(`
        CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.shipping_address->>'name' = 'Poison' THEN RAISE EXCEPTION 'poisoned order'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_poison BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
      try {
        const results = await Promise.all(
          shoppers.map((s, i) =>
            t
              .request()
              .post('/checkout')
              .set(s.auth)
              .set('Idempotency-Key', randomUUID())
              .send({
                ...checkoutBody(s.cartId),
                shipping_address: { ...ADDRESS, name: i === 3 ? 'Poison' : 'Fine' },
              }),
          ),
        );
        const statuses = results.map((r) => r.status);
        expect(statuses[3]).to.equal(500);
        expect(results[3]!.body.error.code).to.equal('internal');
        expect(statuses.filter((s) => s === 201)).to.have.length(9);
        expect(await stockOf(t, p.id)).to.deep.equal({ available: 91, reserved: 9, sold: 0 });
      } finally {
        await t.container.db.raw('DROP TRIGGER refuse_poison ON orders; DROP FUNCTION refuse_poison()');
      }
    });
  });
}

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { ADDRESS, checkoutBody, postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

describe('request hardening', function () {
  this.timeout(60_000);
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());
  afterEach(async () => {
    expect((await checkInvariants(t.container.db)).violations).to.deep.equal([]);
  });

  it('a body of 5,000 nested arrays is a cheap 400, not a 500', async () => {
    const body = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const deepObject = `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`;
    for (const raw of [body, deepObject]) {
      const res = await t.request().post('/auth/login').set('content-type', 'application/json').send(raw);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.be.oneOf(['bad_request', 'validation_failed']);
    }
    const res = await t
      .request()
      .post('/auth/login')
      .set('content-type', 'application/json')
      .send(deepObject);
    expect(res.body.error).to.deep.include({ code: 'bad_request' });
    expect(res.body.error.message).to.match(/nested too deeply/);
  });

  it('a lone surrogate or a NUL in any string is a 400 naming the field, and its batch-mates check out', async () => {
    const p = await createProduct(t.container.db, { stock: 10 });
    const bad = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    const good = await Promise.all(
      Array.from({ length: 5 }, () => shopperWithCart(t, [{ product_id: p.id, quantity: 1 }])),
    );
    const rawBad = JSON.stringify(checkoutBody(bad.cartId)).replace('"Ada Lovelace"', '"Ada \\ud800"');
    const [surrogate, nul, ...rest] = await Promise.all([
      t
        .request()
        .post('/checkout')
        .set(bad.auth)
        .set('Idempotency-Key', randomUUID())
        .set('content-type', 'application/json')
        .send(rawBad),
      t
        .request()
        .post('/checkout')
        .set(bad.auth)
        .set('Idempotency-Key', randomUUID())
        .send({ ...checkoutBody(bad.cartId), shipping_address: { ...ADDRESS, line1: 'a\u0000b' } }),
      ...good.map((s) => postCheckout(t, s)),
    ]);
    expect(surrogate.status).to.equal(400);
    expect(surrogate.body.error.details).to.deep.equal([
      { path: 'shipping_address.name', message: 'must be valid Unicode text (no unpaired surrogates)' },
    ]);
    expect(nul.status).to.equal(400);
    expect(nul.body.error.details[0]).to.deep.equal({
      path: 'shipping_address.line1',
      message: 'must not contain NUL characters',
    });
    expect(rest.map((r) => r.status)).to.deep.equal(Array(5).fill(201));
    // A surrogate pair (an emoji) is fine.
    const emoji = await postCheckout(t, bad, {}).send({
      ...checkoutBody(bad.cartId),
      shipping_address: { ...ADDRESS, name: 'Ada 🚀' },
    });
    expect(emoji.status).to.equal(201);
  });

  it('an Idempotency-Key reused after its stored answer expired is a 422, and never a second order', async () => {
    const p = await createProduct(t.container.db, { stock: 10 });
    const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    const key = randomUUID();
    const first = await postCheckout(t, shopper, { key }).expect(201);
    // A day later the retention job removes the stored answer; the order keeps the key.
    await t.container.db('idempotency_keys').where({ key }).delete();
    const cartId = (
      await t
        .request()
        .post('/cart/items')
        .set(shopper.auth)
        .send({ product_id: p.id, quantity: 1 })
        .expect(200)
    ).body.cart_id;
    const again = await postCheckout(t, { auth: shopper.auth, cartId }, { key });
    expect(again.status).to.equal(422);
    expect(again.body.error).to.deep.include({ code: 'idempotency_key_reused' });
    // The refusal is stored: a resend replays it without touching the batch.
    const resend = await postCheckout(t, { auth: shopper.auth, cartId }, { key });
    expect(resend.status).to.equal(422);
    expect(await t.container.db('orders').where({ user_id: shopper.id })).to.have.length(1);
    expect(first.body.order_id).to.be.a('string');
  });

  it('an order over 2^31 cents is stored, charged and audited exactly (bigint money)', async () => {
    const p = await createProduct(t.container.db, { stock: 100, price_cents: 100_000_000 });
    const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 30 }]);
    const res = await postCheckout(t, shopper).expect(201);
    expect(res.body.total_cents).to.equal(3_000_000_000);
    await t.container.worker.drain();
    const order = (await t.request().get(`/orders/${res.body.order_id}`).set(shopper.auth).expect(200)).body;
    expect(order).to.include({ status: 'PAID', total_cents: 3_000_000_000 });
    const [charge] = await t.container.db('payments').where({ order_id: res.body.order_id });
    expect(charge.amount_cents).to.equal(3_000_000_000);
  });
});

import { expect } from 'chai';
import { createClient } from 'redis';
import { cartKey, readCachedCart } from '../../src/cart/cache.js';
import {
  cartRequests,
  cartRow,
  cartsOf,
  createProducts,
  DAY_MS,
  pgState,
  quantities,
} from '../support/cart.js';
import { ADDRESS } from '../support/checkout.js';
import { baseUrls, createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser, UUID } from '../support/fixtures.js';

describe('cart: storage', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it('never loses a line or a unit under concurrent writes, and Redis ends equal to PostgreSQL', async () => {
    const user = await createUser(t.container);
    const distinct = await createProducts(t, 20, { price_cents: 100, stock: 10 });
    const hot = await createProduct(t.container.db, { price_cents: 700, stock: 100 });

    // The user has no cart yet, so the first adds also race to create it.
    const results = await Promise.allSettled(
      distinct.flatMap((p) => [add(user, p.id, 1).then((r) => r), add(user, hot.id, 1).then((r) => r)]),
    );
    const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)));
    expect(statuses).to.deep.equal(Array(40).fill(200));

    const carts = await cartsOf(t, user.id);
    expect(carts).to.have.length(1);
    const cartId = carts[0]!.id;
    expect(carts[0]!.version).to.equal(40);
    const cart = (await getCart(user)).body;
    expect(cart.cart_id).to.equal(cartId);
    expect(quantities(cart.items)).to.deep.equal({
      ...Object.fromEntries(distinct.map((p) => [p.id, 1])),
      [hot.id]: 20,
    });
    expect(cart).to.include({ item_count: 40, total_cents: 20 * 100 + 20 * 700 });
    expect(await readCachedCart(t.container.cache, cartId)).to.deep.equal(await pgState(t, cartId));

    // Updates and removals racing each other on one cart.
    const second = await Promise.allSettled([
      ...distinct.slice(0, 10).map((p) =>
        t
          .request()
          .patch(`/cart/items/${p.id}`)
          .set(user.auth)
          .send({ quantity: 5 })
          .then((r) => r),
      ),
      ...distinct.slice(10).map((p) =>
        t
          .request()
          .delete(`/cart/items/${p.id}`)
          .set(user.auth)
          .then((r) => r),
      ),
      ...Array.from({ length: 10 }, () => add(user, hot.id, 1).then((r) => r)),
    ]);
    expect(second.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).to.deep.equal(
      Array(30).fill(200),
    );
    const state = await pgState(t, cartId);
    expect(state.version).to.equal(70);
    expect(quantities(state.lines)).to.deep.equal({
      ...Object.fromEntries(distinct.slice(0, 10).map((p) => [p.id, 5])),
      [hot.id]: 30,
    });
    expect(await readCachedCart(t.container.cache, cartId)).to.deep.equal(state);
  });

  it('keeps the cart in PostgreSQL when Redis is flushed', async () => {
    const user = await createUser(t.container);
    const [a, b] = await createProducts(t, 2, { price_cents: 250, stock: 10 });
    const cartId = (await add(user, a!.id, 2).expect(200)).body.cart_id as string;
    await add(user, b!.id, 1).expect(200);
    const before = (await getCart(user)).body;
    expect(await readCachedCart(t.container.cache, cartId)).to.not.equal(null);

    expect(await t.container.cache.delPattern('*')).to.be.greaterThan(0);
    expect(await readCachedCart(t.container.cache, cartId)).to.equal(null);
    const after = (await getCart(user)).body;
    expect(after).to.deep.equal(before);
    expect(after).to.include({ cart_id: cartId, item_count: 3, total_cents: 750 });
    // The read put the cart back in Redis.
    expect(await readCachedCart(t.container.cache, cartId)).to.deep.equal(await pgState(t, cartId));

    await t.container.cache.delPattern('*');
    await t.request().patch(`/cart/items/${a!.id}`).set(user.auth).send({ quantity: 4 }).expect(200);
    expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [a!.id]: 4, [b!.id]: 1 });
  });

  it('keeps the Redis copy for 30 days, refreshed on every write', async () => {
    const redis = createClient({ url: baseUrls().redisUrl });
    await redis.connect();
    try {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 10 });
      const cartId = (await add(user, product.id, 1).expect(200)).body.cart_id as string;
      const key = `${t.container.cache.prefix}${cartKey(cartId)}`;
      const thirtyDays = 30 * DAY_MS;
      expect(await redis.pTTL(key)).to.be.within(thirtyDays - 60_000, thirtyDays);

      await redis.pExpire(key, 60_000);
      await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 2 }).expect(200);
      expect(await redis.pTTL(key)).to.be.within(thirtyDays - 60_000, thirtyDays);
    } finally {
      await redis.quit();
    }
  });

  it('records created_at, updated_at and converted_at', async () => {
    const user = await createUser(t.container);
    const product = await createProduct(t.container.db, { stock: 10 });
    const cartId = (await add(user, product.id, 1).expect(200)).body.cart_id as string;
    const created = await cartRow(t, cartId);
    expect(created.created_at).to.be.instanceOf(Date);
    expect(created.updated_at.getTime()).to.be.at.least(created.created_at.getTime());
    expect(created.converted_at).to.equal(null);

    await t.container.db.raw(`UPDATE carts SET updated_at = now() - interval '1 hour' WHERE id = ?`, [
      cartId,
    ]);
    await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 3 }).expect(200);
    const touched = await cartRow(t, cartId);
    expect(touched.created_at).to.deep.equal(created.created_at);
    expect(Date.now() - touched.updated_at.getTime()).to.be.within(-5_000, 5_000);

    const before = await readCachedCart(t.container.cache, cartId);
    await t
      .request()
      .post('/checkout')
      .set(user.auth)
      .set('Idempotency-Key', `convert-${cartId}`)
      .send({ cart_id: cartId, shipping_address: ADDRESS, payment_method: 'pm_card_visa' })
      .expect(201);
    // A reader that fetched the active state just before the checkout writes it back late: the
    // converted marker (a newer version) wins, so the shopper never sees the old cart again.
    const stale = { ...before!, status: 'active' };
    await t.container.cache.setIfNewer(cartKey(cartId), before!.version, stale, 60_000);
    expect((await readCachedCart(t.container.cache, cartId))!.status).to.equal('converted');
    const converted = await cartRow(t, cartId);
    expect(converted.status).to.equal('converted');
    expect(converted.converted_at).to.be.instanceOf(Date);
    expect(Date.now() - converted.converted_at!.getTime()).to.be.within(-5_000, 5_000);

    // One active cart per customer: the next add starts a new one.
    expect((await getCart(user)).body.cart_id).to.equal(null);
    const next = (await add(user, product.id, 1).expect(200)).body.cart_id;
    expect(next).to.match(UUID).and.not.equal(cartId);
    const carts = await cartsOf(t, user.id);
    expect(carts.map((c) => c.status).sort()).to.deep.equal(['active', 'converted']);
  });
});

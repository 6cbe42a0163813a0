import { expect } from 'chai';
import { createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('cart with Redis down', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  after(() => t?.close());

  it('adds, updates, shows, merges and removes from PostgreSQL alone', async () => {
    expect(t.container.cache.ready).to.equal(false);
    const user = await createUser(t.container);
    const [a, b] = await createProducts(t, 2, { price_cents: 1500, stock: 10 });
    const added = await t
      .request()
      .post('/cart/items')
      .set(user.auth)
      .send({ product_id: a!.id, quantity: 2 })
      .expect(200);
    expect(added.body).to.include({ item_count: 2, total_cents: 3000 });
    await t.request().patch(`/cart/items/${a!.id}`).set(user.auth).send({ quantity: 3 }).expect(200);
    await t.container.db('products').where({ id: a!.id }).update({ price_cents: 1600 });

    const guest = await t.request().post('/cart/items').send({ product_id: b!.id, quantity: 1 }).expect(201);
    const email = `redis-down-${Date.now()}@test.local`;
    const reg = await t
      .request()
      .post('/auth/register')
      .set('X-Cart-Token', guest.body.cart_token)
      .send({ email, password: 'correct horse battery' })
      .expect(201);
    const mergedCart = await t
      .request()
      .get('/cart')
      .set('Authorization', `Bearer ${reg.body.token}`)
      .expect(200);
    expect(quantities(mergedCart.body.items)).to.deep.equal({ [b!.id]: 1 });

    const cart = (await t.request().get('/cart').set(user.auth).expect(200)).body;
    expect(cart).to.include({ cart_id: added.body.cart_id, item_count: 3, total_cents: 4800 });
    expect(cart.items[0]).to.include({ price_cents: 1600, price_changed: true, previous_price_cents: 1500 });

    await t.request().delete(`/cart/items/${a!.id}`).set(user.auth).expect(200);
    expect((await t.request().get('/cart').set(user.auth).expect(200)).body.items).to.deep.equal([]);
  });

  it('serialises concurrent writes without Redis', async () => {
    const user = await createUser(t.container);
    const hot = await createProduct(t.container.db, { stock: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        t
          .request()
          .post('/cart/items')
          .set(user.auth)
          .send({ product_id: hot.id, quantity: 1 })
          .then((r) => r),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).to.deep.equal(
      Array(20).fill(200),
    );
    const cart = (await t.request().get('/cart').set(user.auth).expect(200)).body;
    expect(quantities(cart.items)).to.deep.equal({ [hot.id]: 20 });
  });
});

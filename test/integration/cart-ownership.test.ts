import { expect } from 'chai';
import { cartRequests, createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('cart: ownership and security', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it("shows and changes only the caller's own cart", async () => {
    const alice = await createUser(t.container);
    const bob = await createUser(t.container);
    const [a, b] = await createProducts(t, 2, { stock: 10 });
    const aliceCart = (await add(alice, a!.id, 2).expect(200)).body.cart_id;

    expect((await getCart(bob)).body).to.include({ cart_id: null, item_count: 0 });
    const patch = await t
      .request()
      .patch(`/cart/items/${a!.id}`)
      .set(bob.auth)
      .send({ quantity: 9 })
      .expect(404);
    expect(patch.body.error.code).to.equal('cart_not_found');
    await t.request().delete(`/cart/items/${a!.id}`).set(bob.auth).expect(404);
    await t.request().delete('/cart').set(bob.auth).expect(404);

    const bobCart = (await add(bob, b!.id, 1).expect(200)).body.cart_id;
    expect(bobCart).to.not.equal(aliceCart);
    await t.request().patch(`/cart/items/${a!.id}`).set(bob.auth).send({ quantity: 9 }).expect(404);
    await t.request().delete('/cart').set(bob.auth).expect(200);

    const mine = (await getCart(alice)).body;
    expect(mine.cart_id).to.equal(aliceCart);
    expect(quantities(mine.items)).to.deep.equal({ [a!.id]: 2 });
  });

  it('keeps guest tokens away from user carts', async () => {
    const alice = await createUser(t.container);
    const [a, b] = await createProducts(t, 2, { stock: 10 });
    const aliceCart = (await add(alice, a!.id, 2).expect(200)).body.cart_id as string;

    // A cart id is not a cart token.
    const byId = await t
      .request()
      .patch(`/cart/items/${a!.id}`)
      .set('X-Cart-Token', aliceCart)
      .send({ quantity: 1 })
      .expect(404);
    expect(byId.body.error.code).to.equal('cart_not_found');
    expect((await t.request().get('/cart').set('X-Cart-Token', aliceCart).expect(200)).body.cart_id).to.equal(
      null,
    );

    const guestToken = (
      await t.request().post('/cart/items').send({ product_id: b!.id, quantity: 1 }).expect(201)
    ).body.cart_token as string;
    const cross = await t
      .request()
      .patch(`/cart/items/${a!.id}`)
      .set('X-Cart-Token', guestToken)
      .send({ quantity: 9 })
      .expect(404);
    expect(cross.body.error.code).to.equal('not_found');
    await t.request().delete(`/cart/items/${a!.id}`).set('X-Cart-Token', guestToken).expect(404);

    // Signed in, the bearer token decides; a guest token sent alongside is not a second key.
    await t.request().delete('/cart').set(alice.auth).set('X-Cart-Token', guestToken).expect(200);
    const guestCart = await t.request().get('/cart').set('X-Cart-Token', guestToken).expect(200);
    expect(quantities(guestCart.body.items)).to.deep.equal({ [b!.id]: 1 });
    expect(await t.container.db('cart_items').where({ cart_id: aliceCart })).to.deep.equal([]);
  });

  it('answers 404 cart_not_found to an unknown X-Cart-Token on PATCH and DELETE', async () => {
    const product = await createProduct(t.container.db);
    const token = 'cart_not-a-real-token';
    const patch = await t
      .request()
      .patch(`/cart/items/${product.id}`)
      .set('X-Cart-Token', token)
      .send({ quantity: 1 })
      .expect(404);
    expect(patch.body.error).to.deep.equal({ code: 'cart_not_found', message: 'No active cart' });
    for (const path of [`/cart/items/${product.id}`, '/cart']) {
      const res = await t.request().delete(path).set('X-Cart-Token', token).expect(404);
      expect(res.body.error.code).to.equal('cart_not_found');
    }
  });

  it('starts a fresh guest cart when an add comes with a token whose cart is gone', async () => {
    const product = await createProduct(t.container.db, { stock: 5 });
    const res = await t
      .request()
      .post('/cart/items')
      .set('X-Cart-Token', 'cart_purged-long-ago')
      .send({ product_id: product.id, quantity: 1 })
      .expect(201);
    expect(res.body.cart_token).to.match(/^cart_/);
    expect(res.body.cart_token).to.not.equal('cart_purged-long-ago');
    expect(res.get('X-Cart-Token')).to.equal(res.body.cart_token);
    const cart = await t.request().get('/cart').set('X-Cart-Token', res.body.cart_token).expect(200);
    expect(cart.body).to.include({ cart_id: res.body.cart_id, item_count: 1 });
  });

  it('answers 401 to a bad bearer token on every cart route', async () => {
    const product = await createProduct(t.container.db);
    const bad = { Authorization: 'Bearer shp_not-a-real-token' };
    const calls = [
      t.request().get('/cart').set(bad),
      t.request().post('/cart/items').set(bad).send({ product_id: product.id, quantity: 1 }),
      t.request().patch(`/cart/items/${product.id}`).set(bad).send({ quantity: 1 }),
      t.request().delete(`/cart/items/${product.id}`).set(bad),
      t.request().delete('/cart').set(bad),
      t.request().get('/cart').set('Authorization', 'Basic dXNlcjpwYXNz'),
    ];
    for (const call of calls) {
      const res = await call.expect(401);
      expect(res.body.error.code).to.equal('unauthorized');
    }
    expect(await t.container.db('cart_items').where({ product_id: product.id })).to.deep.equal([]);
  });
});

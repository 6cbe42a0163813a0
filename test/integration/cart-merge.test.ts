import { expect } from 'chai';
import { cartRequests, cartRow, createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, UUID } from '../support/fixtures.js';

describe('cart: merging a guest cart on sign-in', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { guestAdd } = cartRequests(() => t);

  it('merges the guest cart into a new account on register', async () => {
    const [a, b] = await createProducts(t, 2, { price_cents: 400, stock: 10 });
    const token = (await guestAdd(a!.id, 2).expect(201)).body.cart_token as string;
    const guestCartId = (await guestAdd(b!.id, 1, token).expect(200)).body.cart_id;

    const email = `merge-register-${Date.now()}@test.local`;
    const reg = await t
      .request()
      .post('/auth/register')
      .set('X-Cart-Token', token)
      .send({ email, password: 'correct horse battery' })
      .expect(201);
    expect(reg.body.cart_id).to.match(UUID).and.not.equal(guestCartId);

    const userCart = await t
      .request()
      .get('/cart')
      .set('Authorization', `Bearer ${reg.body.token}`)
      .expect(200);
    expect(userCart.body.cart_id).to.equal(reg.body.cart_id);
    expect(quantities(userCart.body.items)).to.deep.equal({ [a!.id]: 2, [b!.id]: 1 });
    expect(userCart.body.total_cents).to.equal(1200);
    expect((await cartRow(t, guestCartId)).status).to.equal('merged');

    // The guest token is spent: it shows nothing, cannot be written to, and cannot merge twice.
    const guestView = await t.request().get('/cart').set('X-Cart-Token', token).expect(200);
    expect(guestView.body).to.include({ cart_id: null, item_count: 0 });
    const patch = await t
      .request()
      .patch(`/cart/items/${a!.id}`)
      .set('X-Cart-Token', token)
      .send({ quantity: 1 })
      .expect(409);
    expect(patch.body.error.code).to.equal('cart_converted');
    const again = await t
      .request()
      .post('/auth/register')
      .set('X-Cart-Token', token)
      .send({ email: `again-${email}`, password: 'correct horse battery' })
      .expect(201);
    expect(again.body).to.not.have.property('cart_id');
  });

  it('merges on login: quantities summed, capped by stock and by the line limit; unsold products dropped', async () => {
    const email = `merge-login-${Date.now()}@test.local`;
    const password = 'correct horse battery';
    const reg = await t.request().post('/auth/register').send({ email, password }).expect(201);
    const auth = { Authorization: `Bearer ${reg.body.token}` };
    const scarce = await createProduct(t.container.db, { stock: 4 });
    const plenty = await createProduct(t.container.db, { stock: 500 });
    const retired = await createProduct(t.container.db, { stock: 10 });
    const fresh = await createProduct(t.container.db, { stock: 10 });
    await t.request().post('/cart/items').set(auth).send({ product_id: scarce.id, quantity: 3 }).expect(200);
    const userCartId = (
      await t
        .request()
        .post('/cart/items')
        .set(auth)
        .send({ product_id: plenty.id, quantity: 98 })
        .expect(200)
    ).body.cart_id;

    const token = (await guestAdd(scarce.id, 2).expect(201)).body.cart_token as string;
    await guestAdd(plenty.id, 5, token).expect(200);
    await guestAdd(retired.id, 1, token).expect(200);
    await guestAdd(fresh.id, 1, token).expect(200);
    await t.container.db('products').where({ id: retired.id }).update({ active: false });
    await t.container.catalog.invalidateProducts([retired.id]);

    const login = await t
      .request()
      .post('/auth/login')
      .set('X-Cart-Token', token)
      .send({ email, password })
      .expect(200);
    expect(login.body.cart_id).to.equal(userCartId);
    const cart = await t.request().get('/cart').set(auth).expect(200);
    expect(cart.body.cart_id).to.equal(userCartId);
    expect(quantities(cart.body.items)).to.deep.equal({ [scarce.id]: 4, [plenty.id]: 99, [fresh.id]: 1 });
    expect(await t.container.db('carts').where({ user_id: reg.body.user_id })).to.have.length(1);
  });

  it('merges a guest cart once even when two sign-ins race with the same token', async () => {
    const email = `merge-race-${Date.now()}@test.local`;
    const password = 'correct horse battery';
    const reg = await t.request().post('/auth/register').send({ email, password }).expect(201);
    const product = await createProduct(t.container.db, { stock: 50 });
    const token = (await guestAdd(product.id, 3).expect(201)).body.cart_token as string;

    const logins = await Promise.allSettled(
      [1, 2, 3].map(() =>
        t.request().post('/auth/login').set('X-Cart-Token', token).send({ email, password }),
      ),
    );
    const statuses = logins.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason));
    expect(statuses).to.deep.equal([200, 200, 200]);
    const cartIds = logins.map((r) => (r.status === 'fulfilled' ? r.value.body.cart_id : undefined));
    expect(cartIds.filter(Boolean)).to.have.length(1);
    const cart = await t.request().get('/cart').set('Authorization', `Bearer ${reg.body.token}`).expect(200);
    expect(quantities(cart.body.items)).to.deep.equal({ [product.id]: 3 });
  });
});

import { expect } from 'chai';
import { cartRequests, type Product, type User } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('cart: validation', () => {
  let t: TestContext;
  let user: User;
  let product: Product;
  before(async () => {
    t = await createTestContext();
    user = await createUser(t.container);
    product = await createProduct(t.container.db, { stock: 500 });
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  const badAdds: [string, () => object, string, RegExp][] = [
    ['a fractional quantity', () => ({ product_id: product.id, quantity: 1.5 }), 'quantity', /integer/],
    ['a negative quantity', () => ({ product_id: product.id, quantity: -1 }), 'quantity', /at least 1/],
    ['a zero quantity', () => ({ product_id: product.id, quantity: 0 }), 'quantity', /at least 1/],
    ['a quantity sent as a string', () => ({ product_id: product.id, quantity: '2' }), 'quantity', /integer/],
    ['a quantity over 99', () => ({ product_id: product.id, quantity: 100 }), 'quantity', /at most 99/],
    ['a missing quantity', () => ({ product_id: product.id }), 'quantity', /integer/],
    ['a non-numeric product_id', () => ({ product_id: 'abc', quantity: 1 }), 'product_id', /./],
    ['a fractional product_id', () => ({ product_id: 1.5, quantity: 1 }), 'product_id', /./],
    ['a negative product_id', () => ({ product_id: -3, quantity: 1 }), 'product_id', /./],
    [
      'an unknown field (price_cents)',
      () => ({ product_id: product.id, quantity: 1, price_cents: 1 }),
      'price_cents',
      /unknown field\(s\): price_cents/,
    ],
  ];
  for (const [what, body, path, message] of badAdds) {
    it(`refuses to add ${what} with 400 validation_failed naming ${path}`, async () => {
      const res = await t.request().post('/cart/items').set(user.auth).send(body()).expect(400);
      expect(res.body.error.code).to.equal('validation_failed');
      const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
      expect(issue, JSON.stringify(res.body.error.details)).to.not.equal(undefined);
      expect(issue.message).to.match(message);
    });
  }

  it('refuses a body that is not JSON with 400 bad_request', async () => {
    const res = await t
      .request()
      .post('/cart/items')
      .set(user.auth)
      .set('Content-Type', 'application/json')
      .send('{"product_id": 1,')
      .expect(400);
    expect(res.body.error.code).to.equal('bad_request');
  });

  it('refuses unknown and inactive products with 404 not_found', async () => {
    const unknown = await t
      .request()
      .post('/cart/items')
      .set(user.auth)
      .send({ product_id: 987_654_321, quantity: 1 })
      .expect(404);
    expect(unknown.body.error).to.deep.include({ code: 'not_found', details: { product_id: 987_654_321 } });
    const inactive = await createProduct(t.container.db, { active: false });
    const res = await add(user, inactive.id, 1).expect(404);
    expect(res.body.error).to.deep.include({ code: 'not_found', details: { product_id: inactive.id } });
  });

  it('stores nothing, not even an empty cart or a guest token, when an add is refused', async () => {
    const shopper = await createUser(t.container);
    const scarce = await createProduct(t.container.db, { stock: 1 });
    const retired = await createProduct(t.container.db, { active: false });
    await add(shopper, scarce.id, 2).expect(409);
    await add(shopper, retired.id, 1).expect(404);
    expect((await getCart(shopper)).body.cart_id).to.equal(null);
    expect(await t.container.db('carts').where({ user_id: shopper.id })).to.deep.equal([]);

    const guestCarts = () => t.container.db('carts').whereNull('user_id').count('* as n');
    const before = await guestCarts();
    const refused = await t
      .request()
      .post('/cart/items')
      .send({ product_id: scarce.id, quantity: 2 })
      .expect(409);
    expect(refused.headers).to.not.have.property('x-cart-token');
    expect(refused.body).to.not.have.property('cart_token');
    expect(await guestCarts()).to.deep.equal(before);
  });

  const badPatches: [string, object, RegExp][] = [
    ['a negative quantity', { quantity: -1 }, /at least 0/],
    ['a fractional quantity', { quantity: 2.5 }, /integer/],
    ['a quantity over 99', { quantity: 100 }, /at most 99/],
    ['a string quantity', { quantity: '3' }, /integer/],
    ['a missing quantity', {}, /integer/],
  ];
  for (const [what, body, message] of badPatches) {
    it(`refuses to update to ${what} with 400 validation_failed`, async () => {
      await add(user, product.id, 1).expect(200);
      const res = await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send(body).expect(400);
      expect(res.body.error.code).to.equal('validation_failed');
      expect(res.body.error.details[0]).to.include({ path: 'quantity' });
      expect(res.body.error.details[0].message).to.match(message);
    });
  }

  it('refuses unknown fields and a bad product id on update', async () => {
    const extra = await t
      .request()
      .patch(`/cart/items/${product.id}`)
      .set(user.auth)
      .send({ quantity: 1, price_cents: 1 })
      .expect(400);
    expect(extra.body.error.details).to.deep.equal([
      { path: 'price_cents', message: 'unknown field(s): price_cents' },
    ]);
    for (const id of ['abc', '0', '1.5']) {
      const res = await t
        .request()
        .patch(`/cart/items/${id}`)
        .set(user.auth)
        .send({ quantity: 1 })
        .expect(400);
      expect(res.body.error.code).to.equal('validation_failed');
      expect(res.body.error.details[0].message).to.equal('product_id must be a positive integer');
    }
    await t.request().delete('/cart/items/abc').set(user.auth).expect(400);
  });
});

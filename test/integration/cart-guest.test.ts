import { expect } from 'chai';
import { cartRequests, cartRow, createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { UUID } from '../support/fixtures.js';

describe('cart: guests', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { guestAdd } = cartRequests(() => t);

  it('gives a guest a cart token on the first add (201) and keeps using that cart', async () => {
    const [a, b] = await createProducts(t, 2, { price_cents: 300, stock: 10 });
    const first = await guestAdd(a!.id, 2).expect(201);
    expect(first.body.cart_token)
      .to.be.a('string')
      .and.match(/^cart_/);
    expect(first.headers['x-cart-token']).to.equal(first.body.cart_token);
    expect(first.body).to.include({ item_count: 2, total_cents: 600 });
    expect(first.body.cart_id).to.match(UUID);

    const token = first.body.cart_token as string;
    const second = await guestAdd(b!.id, 1, token).expect(200);
    expect(second.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 3, total_cents: 900 });
    expect(second.headers).to.not.have.property('x-cart-token');

    const cart = await t.request().get('/cart').set('X-Cart-Token', token).expect(200);
    expect(cart.body.cart_id).to.equal(first.body.cart_id);
    expect(quantities(cart.body.items)).to.deep.equal({ [a!.id]: 2, [b!.id]: 1 });

    const row = await cartRow(t, first.body.cart_id);
    expect(row.user_id).to.equal(null);
    const stored = await t.container.db('carts').where({ id: first.body.cart_id }).first('guest_token_hash');
    expect(stored.guest_token_hash)
      .to.match(/^[0-9a-f]{64}$/)
      .and.not.include(token);
  });
});

import { expect } from 'chai';
import { cartRequests, createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createUser, UUID } from '../support/fixtures.js';

describe('cart: add, update, remove, view', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it('adds to an existing line and computes totals in integer cents', async () => {
    const user = await createUser(t.container);
    const [mug] = await createProducts(t, 1, { name: 'Enamel Mug', price_cents: 1999, stock: 10 });
    const [tea] = await createProducts(t, 1, { name: 'Green Tea', price_cents: 250, stock: 10 });

    const first = await add(user, mug!.id, 2).expect(200);
    expect(first.body).to.have.all.keys('cart_id', 'item_count', 'total_cents');
    expect(first.body.cart_id).to.match(UUID);
    expect(first.body).to.include({ item_count: 2, total_cents: 3998 });

    const again = await add(user, mug!.id, 3).expect(200);
    expect(again.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 5, total_cents: 9995 });
    const third = await add(user, tea!.id, 3).expect(200);
    expect(third.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 8, total_cents: 10_745 });

    const cart = (await getCart(user)).body;
    expect(cart).to.include({ cart_id: first.body.cart_id, item_count: 8, total_cents: 10_745 });
    expect(cart.items).to.have.length(2);
    expect(cart.items[0]).to.include({
      product_id: mug!.id,
      name: 'Enamel Mug',
      price_cents: 1999,
      quantity: 5,
      line_total_cents: 9995,
      price_changed: false,
    });
    expect(cart.items[0]).to.not.have.property('previous_price_cents');
    expect(cart.items[1]).to.include({
      product_id: tea!.id,
      name: 'Green Tea',
      price_cents: 250,
      quantity: 3,
      line_total_cents: 750,
    });
    expect(await t.container.db('carts').where({ user_id: user.id }).count('* as n')).to.deep.equal([
      { n: 1 },
    ]);
  });

  it('sets a quantity with PATCH, removes the line on 0 and with DELETE, and empties the cart', async () => {
    const user = await createUser(t.container);
    const [a, b, c] = await createProducts(t, 3, { price_cents: 500, stock: 20 });
    for (const p of [a!, b!, c!]) await add(user, p.id, 2).expect(200);

    const patched = await t
      .request()
      .patch(`/cart/items/${a!.id}`)
      .set(user.auth)
      .send({ quantity: 7 })
      .expect(200);
    expect(patched.body.success).to.equal(true);
    expect(quantities(patched.body.cart.items)).to.deep.equal({ [a!.id]: 7, [b!.id]: 2, [c!.id]: 2 });
    expect(patched.body.cart).to.include({ item_count: 11, total_cents: 5500 });

    const zeroed = await t
      .request()
      .patch(`/cart/items/${b!.id}`)
      .set(user.auth)
      .send({ quantity: 0 })
      .expect(200);
    expect(quantities(zeroed.body.cart.items)).to.deep.equal({ [a!.id]: 7, [c!.id]: 2 });

    const removed = await t.request().delete(`/cart/items/${c!.id}`).set(user.auth).expect(200);
    expect(removed.body).to.deep.include({ success: true });
    expect(quantities(removed.body.cart.items)).to.deep.equal({ [a!.id]: 7 });
    expect(removed.body.cart).to.include({ item_count: 7, total_cents: 3500 });

    const cartId = removed.body.cart.cart_id;
    const emptied = await t.request().delete('/cart').set(user.auth).expect(200);
    expect(emptied.body).to.deep.equal({
      success: true,
      cart: { cart_id: cartId, items: [], item_count: 0, total_cents: 0 },
    });
    expect((await getCart(user)).body).to.deep.equal({
      cart_id: cartId,
      items: [],
      item_count: 0,
      total_cents: 0,
    });
    expect(await t.container.db('cart_items').where({ cart_id: cartId })).to.deep.equal([]);
  });

  it('answers 404 not_found for a line that is not in the cart', async () => {
    const user = await createUser(t.container);
    const [inCart, other] = await createProducts(t, 2);
    await add(user, inCart!.id, 1).expect(200);
    const patch = await t
      .request()
      .patch(`/cart/items/${other!.id}`)
      .set(user.auth)
      .send({ quantity: 2 })
      .expect(404);
    expect(patch.body.error).to.deep.include({ code: 'not_found', details: { product_id: other!.id } });
    const del = await t.request().delete(`/cart/items/${other!.id}`).set(user.auth).expect(404);
    expect(del.body.error.code).to.equal('not_found');
    expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [inCart!.id]: 1 });
  });

  it('answers an empty cart to a shopper who has none yet', async () => {
    const user = await createUser(t.container);
    expect((await getCart(user)).body).to.deep.equal({
      cart_id: null,
      items: [],
      item_count: 0,
      total_cents: 0,
    });
    expect((await t.request().get('/cart').expect(200)).body.cart_id).to.equal(null);
  });
});

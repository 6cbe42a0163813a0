import { expect } from 'chai';
import { cartRequests, createProducts, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('cart: limits', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it('caps a line at 99 units (CART_MAX_QUANTITY) across repeated adds and updates', async () => {
    const user = await createUser(t.container);
    const product = await createProduct(t.container.db, { stock: 500 });
    await add(user, product.id, 60).expect(200);
    const res = await add(user, product.id, 40).expect(422);
    expect(res.body.error).to.deep.equal({
      code: 'quantity_limit_exceeded',
      message: 'At most 99 of one product per cart',
      details: { product_id: product.id, requested: 100, max: 99 },
    });
    await add(user, product.id, 39).expect(200);
    expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [product.id]: 99 });
  });

  it('holds at most 100 lines (CART_MAX_LINES); more units of an existing line still fit', async function () {
    this.timeout(60_000);
    const user = await createUser(t.container);
    const products = await createProducts(t, 101, { price_cents: 100, stock: 5 });
    const cartId = (await add(user, products[0]!.id, 1).expect(200)).body.cart_id;
    // 98 lines straight into the table: the limit is what is under test, not 98 more requests.
    await t.container
      .db('cart_items')
      .insert(
        products
          .slice(1, 99)
          .map((p) => ({ cart_id: cartId, product_id: p.id, quantity: 1, price_cents_at_add: 100 })),
      );
    const hundredth = await add(user, products[99]!.id, 1).expect(200);
    expect(hundredth.body).to.include({ item_count: 100, total_cents: 10_000 });

    const refused = await add(user, products[100]!.id, 1).expect(422);
    expect(refused.body.error).to.deep.include({ code: 'cart_full', details: { max_lines: 100 } });
    await add(user, products[0]!.id, 2).expect(200);

    const cart = (await getCart(user)).body;
    expect(cart.items).to.have.length(100);
    expect(cart.item_count).to.equal(102);
    expect(cart.items.some((i: { product_id: number }) => i.product_id === products[100]!.id)).to.equal(
      false,
    );
  });
});

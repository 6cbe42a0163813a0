import { expect } from 'chai';
import { cartRequests, createProducts, setPrice } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createUser } from '../support/fixtures.js';

describe('cart: prices', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it('keeps a line of a product taken off sale visible but out of the totals', async () => {
    const user = await createUser(t.container);
    const [kept, retired] = await createProducts(t, 2, { price_cents: 300, stock: 10 });
    await add(user, kept!.id, 2).expect(200);
    await add(user, retired!.id, 1).expect(200);
    await t.container.db('products').where({ id: retired!.id }).update({ active: false });
    await t.container.catalog.invalidateProducts([retired!.id]);
    const cart = (await getCart(user)).body;
    expect(cart).to.include({ item_count: 2, total_cents: 600 });
    const off = cart.items.find((i: { product_id: number }) => i.product_id === retired!.id);
    expect(off).to.include({ purchasable: false, available: 0, quantity: 1 });
    expect(cart.items.find((i: { product_id: number }) => i.product_id === kept!.id)).to.include({
      purchasable: true,
    });
  });

  it('shows the current price and flags a line whose price changed since it was added', async () => {
    const user = await createUser(t.container);
    const [kettle, toaster] = await createProducts(t, 2, { price_cents: 1000, stock: 10 });
    await add(user, kettle!.id, 2).expect(200);
    await add(user, toaster!.id, 1).expect(200);

    await setPrice(t, kettle!.id, 1250);
    const cart = (await getCart(user)).body;
    expect(cart.items[0]).to.include({
      product_id: kettle!.id,
      price_cents: 1250,
      quantity: 2,
      line_total_cents: 2500,
      price_changed: true,
      previous_price_cents: 1000,
    });
    expect(cart.items[1]).to.include({ price_cents: 1000, price_changed: false });
    expect(cart.items[1]).to.not.have.property('previous_price_cents');
    expect(cart.total_cents).to.equal(3500);

    // Adding again means the shopper has now seen the new price.
    const added = await add(user, kettle!.id, 1).expect(200);
    expect(added.body).to.include({ item_count: 4, total_cents: 4750 });
    const after = (await getCart(user)).body.items[0];
    expect(after).to.include({ price_cents: 1250, line_total_cents: 3750, price_changed: false });
    expect(after).to.not.have.property('previous_price_cents');
  });
});

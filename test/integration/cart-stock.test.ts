import { expect } from 'chai';
import { cartRequests, quantities } from '../support/cart.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { stockOf } from '../support/stock.js';

describe('cart: stock', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  it('refuses more than the available units with 409 insufficient_stock, on add and on update', async () => {
    const user = await createUser(t.container);
    const product = await createProduct(t.container.db, { stock: 5 });
    const tooMany = await add(user, product.id, 6).expect(409);
    expect(tooMany.body.error).to.deep.equal({
      code: 'insufficient_stock',
      message: 'Only 5 available',
      details: { product_id: product.id, requested: 6, available: 5 },
    });
    await add(user, product.id, 3).expect(200);
    const summed = await add(user, product.id, 3).expect(409);
    expect(summed.body.error.details).to.deep.equal({ product_id: product.id, requested: 6, available: 5 });

    const patch = await t
      .request()
      .patch(`/cart/items/${product.id}`)
      .set(user.auth)
      .send({ quantity: 6 })
      .expect(409);
    expect(patch.body.error).to.deep.include({ code: 'insufficient_stock' });
    expect(patch.body.error.details.available).to.equal(5);
    await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 5 }).expect(200);
    expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [product.id]: 5 });
  });

  it('does not count units reserved by checkouts as available', async () => {
    const user = await createUser(t.container);
    const product = await createProduct(t.container.db, { stock: 5 });
    await t.container.db('inventory').where({ product_id: product.id }).update({
      available_count: 2,
      reserved_count: 3,
    });
    await t.container.catalog.invalidateProducts([product.id]);
    const res = await add(user, product.id, 3).expect(409);
    expect(res.body.error.details).to.deep.equal({ product_id: product.id, requested: 3, available: 2 });
    await add(user, product.id, 2).expect(200);
  });

  it('does not reserve: adding leaves inventory untouched', async () => {
    const user = await createUser(t.container);
    const product = await createProduct(t.container.db, { stock: 8 });
    await add(user, product.id, 8).expect(200);
    const other = await createUser(t.container);
    await add(other, product.id, 8).expect(200);
    expect(await stockOf(t, product.id)).to.deep.equal({ available: 8, reserved: 0, sold: 0 });
    expect(
      await t.container.db('stock_movements').where({ product_id: product.id }).count('* as n'),
    ).to.deep.equal([{ n: 1 }]);
  });
});

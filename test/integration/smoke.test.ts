import { expect } from 'chai';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('smoke', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('serves a product and guards admin routes', async () => {
    const p = await createProduct(t.container.db, { name: 'Wireless Headphones', stock: 3 });
    const res = await t.request().get(`/products/${p.id}`).expect(200);
    expect(res.body).to.include({ id: p.id, available: 3, name: 'Wireless Headphones' });
    const customer = await createUser(t.container);
    await t.request().get('/admin/users').expect(401);
    await t.request().get('/admin/users').set(customer.auth).expect(403);
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ADDRESS } from '../support/checkout.js';
import type { TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { describeOrders, orderAgain, placeOrder } from '../support/orders.js';

describeOrders('orders: orders API', ['t'], (stores) => {
  let t: TestContext;
  before(() => {
    ({ t } = stores);
  });

  it("lists the caller's orders newest first, paginated, never another user's", async () => {
    const p = await createProduct(t.container.db, { stock: 50, price_cents: 100 });
    const alice = await createUser(t.container);
    const bob = await createUser(t.container);
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) ids.push(await orderAgain(t, alice, [{ product_id: p.id, quantity: n }]));
    const bobs = await orderAgain(t, bob, [{ product_id: p.id, quantity: 7 }]);

    const all = (await t.request().get('/orders').set(alice.auth).expect(200)).body;
    expect(all).to.include({ total: 3, page: 1, next_page: null });
    expect(all.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([...ids].reverse());
    expect(all.orders.map((o: { item_count: number }) => o.item_count)).to.deep.equal([3, 2, 1]);
    expect(all.orders[0]).to.include({ status: 'PENDING', total_cents: 300, currency: 'USD' });
    expect(all.orders[0]).to.have.all.keys(
      'order_id',
      'status',
      'total_cents',
      'currency',
      'created_at',
      'item_count',
    );

    const first = (await t.request().get('/orders?limit=2').set(alice.auth).expect(200)).body;
    expect(first).to.include({ total: 3, page: 1, next_page: 2 });
    expect(first.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([ids[2], ids[1]]);
    const second = (await t.request().get('/orders?page=2&limit=2').set(alice.auth).expect(200)).body;
    expect(second).to.include({ total: 3, page: 2, next_page: null });
    expect(second.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([ids[0]]);
    const beyond = (await t.request().get('/orders?page=3&limit=2').set(alice.auth).expect(200)).body;
    expect(beyond).to.deep.include({ orders: [], total: 3, next_page: null });

    const theirs = (await t.request().get('/orders').set(bob.auth).expect(200)).body;
    expect(theirs.orders.map((o: { order_id: string }) => o.order_id)).to.deep.equal([bobs]);
    expect(theirs.total).to.equal(1);

    for (const query of ['limit=0', 'limit=101', 'page=0', 'limit=abc', 'status=PAID']) {
      const bad = await t.request().get(`/orders?${query}`).set(alice.auth).expect(400);
      expect(bad.body.error.code).to.equal('validation_failed');
    }
    await t.request().get('/orders').expect(401);
  });

  it('shows one order in full, only to its owner, at the price paid', async () => {
    const p = await createProduct(t.container.db, { stock: 10, price_cents: 1999, name: 'Kettle' });
    const q = await createProduct(t.container.db, { stock: 10, price_cents: 350, name: 'Mug' });
    const { orderId, shopper } = await placeOrder(t, [
      { product_id: q.id, quantity: 4 },
      { product_id: p.id, quantity: 1 },
    ]);

    const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(view).to.include.all.keys(
      'order_id',
      'items',
      'total_cents',
      'status',
      'status_history',
      'shipping_address',
      'tracking_url',
    );
    expect(view).to.include({
      order_id: orderId,
      status: 'PENDING',
      total_cents: 1999 + 4 * 350,
      tracking_url: null,
    });
    expect(view.items).to.deep.equal([
      {
        product_id: p.id,
        sku: p.sku,
        name: 'Kettle',
        quantity: 1,
        price_at_purchase_cents: 1999,
        line_total_cents: 1999,
      },
      {
        product_id: q.id,
        sku: q.sku,
        name: 'Mug',
        quantity: 4,
        price_at_purchase_cents: 350,
        line_total_cents: 1400,
      },
    ]);
    expect(view.status_history).to.have.length(1);
    expect(view.status_history[0]).to.have.all.keys('from', 'to', 'reason', 'actor', 'at');
    expect(view.status_history[0]).to.include({
      from: null,
      to: 'PENDING',
      reason: 'checkout',
      actor: 'checkout',
    });
    expect(Number.isNaN(Date.parse(view.status_history[0].at))).to.equal(false);
    expect(view.shipping_address).to.deep.equal(ADDRESS);

    // The catalogue price changes; the order keeps the price it was bought at.
    await t.container.db('products').where({ id: p.id }).update({ price_cents: 2999 });
    await t.container.catalog.invalidateProducts([p.id]);
    const later = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(later.items[0]).to.include({ price_at_purchase_cents: 1999, line_total_cents: 1999 });
    expect(later.total_cents).to.equal(1999 + 4 * 350);
    const next = await orderAgain(t, await createUser(t.container), [{ product_id: p.id, quantity: 1 }]);
    expect((await t.container.db('orders').where({ id: next }).first()).total_cents).to.equal(2999);

    const stranger = await createUser(t.container);
    const hidden = await t.request().get(`/orders/${orderId}`).set(stranger.auth).expect(404);
    expect(hidden.body.error.code).to.equal('not_found');
    // Admins too see only their own orders here; the admin view is /admin/orders/:id.
    const admin = await createUser(t.container, 'admin');
    await t.request().get(`/orders/${orderId}`).set(admin.auth).expect(404);
    expect(
      (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200)).body.order_id,
    ).to.equal(orderId);
    await t.request().get(`/orders/${randomUUID()}`).set(shopper.auth).expect(404);
    const malformed = await t.request().get('/orders/not-a-uuid').set(shopper.auth).expect(400);
    expect(malformed.body.error.code).to.equal('validation_failed');
    await t.request().post('/orders/not-a-uuid/cancel').set(shopper.auth).expect(400);
    await t.request().get(`/orders/${orderId}`).expect(401);
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { placeOrder } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { stockOf } from '../support/stock.js';

describe('admin API', function () {
  this.timeout(60_000);
  let t: TestContext;
  let admin: Awaited<ReturnType<typeof createUser>>;
  let customer: Awaited<ReturnType<typeof createUser>>;
  let actor: string;

  before(async () => {
    t = await createTestContext();
    admin = await createUser(t.container, 'admin');
    customer = await createUser(t.container);
    actor = `admin:${admin.id}`;
  });
  after(() => t.close());

  const auditLog = (subject: string) =>
    t.container.db('admin_audit_log').where({ subject_id: subject }).orderBy('id');
  const stock = (productId: number) => stockOf(t, productId);

  it('answers 401 without a token and 403 to a customer on every admin route', async () => {
    const id = randomUUID();
    const routes: [method: 'get' | 'post' | 'put' | 'patch', path: string][] = [
      ['post', '/admin/products'],
      ['patch', '/admin/products/ANY'],
      ['put', '/admin/products/ANY/price'],
      ['get', '/admin/inventory/ANY'],
      ['put', '/admin/inventory/ANY'],
      ['post', '/admin/inventory/ANY/adjust'],
      ['get', '/admin/orders'],
      ['get', `/admin/orders/${id}`],
      ['post', `/admin/orders/${id}/ship`],
      ['post', `/admin/orders/${id}/deliver`],
      ['post', `/admin/orders/${id}/cancel`],
      ['post', `/admin/orders/${id}/refund`],
      ['get', '/admin/audit'],
      ['get', '/admin/audit-log'],
    ];
    for (const [method, path] of routes) {
      const anonymous = await t.request()[method](path).send({});
      expect(anonymous.status, `${method} ${path}`).to.equal(401);
      const res = await t.request()[method](path).set(customer.auth).send({});
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(res.body.error.code).to.equal('forbidden');
    }
  });

  it('POST /admin/products creates a product with its stock in the ledger, and refuses bad or duplicate input', async () => {
    const body = { sku: 'ADM-P1', name: 'Kettle', category: 'kitchen', price_cents: 3999, stock: 7 };
    const res = await t.request().post('/admin/products').set(admin.auth).send(body).expect(201);
    expect(res.body).to.include({ sku: 'ADM-P1', price_cents: 3999, active: true, description: '' });
    expect(await stock(res.body.id)).to.deep.equal({ available: 7, reserved: 0, sold: 0 });
    const [entry] = await auditLog('ADM-P1');
    expect(entry).to.include({ actor, action: 'product.create', subject_type: 'product' });
    expect(entry.after).to.include({ sku: 'ADM-P1', price_cents: 3999 });
    // The first units arrive through the ledger, so consumers of inventory.changed hear of them.
    const announced = await t.container
      .db('domain_events')
      .where({ type: 'inventory.changed', aggregate_id: String(res.body.id) })
      .select('data');
    expect(announced.map((e) => e.data)).to.deep.equal([
      {
        product_id: res.body.id,
        sku: 'ADM-P1',
        available: 7,
        previous_available: 0,
        reserved: 0,
        sold: 0,
        threshold: 10,
      },
    ]);
    const missing = await t.request().get('/admin/inventory/ADM-NOPE').set(admin.auth).expect(404);
    expect(missing.body.error).to.deep.equal({
      code: 'not_found',
      message: 'Unknown SKU: ADM-NOPE',
      details: { sku: 'ADM-NOPE' },
    });

    const dup = await t.request().post('/admin/products').set(admin.auth).send(body).expect(409);
    expect(dup.body.error.code).to.equal('already_exists');
    const unknown = await t
      .request()
      .post('/admin/products')
      .set(admin.auth)
      .send({ ...body, sku: 'ADM-P2', available: 99 })
      .expect(400);
    expect(unknown.body.error.details[0].path).to.equal('available');
    const fraction = await t
      .request()
      .post('/admin/products')
      .set(admin.auth)
      .send({ ...body, sku: 'ADM-P2', price_cents: 12.5 })
      .expect(400);
    expect(fraction.body.error.details[0]).to.include({ path: 'price_cents' });
    expect(await t.container.db('products').where({ sku: 'ADM-P2' }).first()).to.equal(undefined);
  });

  it('PATCH /admin/products/:sku changes only the fields sent, with before/after in the audit log', async () => {
    await t
      .request()
      .post('/admin/products')
      .set(admin.auth)
      .send({ sku: 'ADM-P3', name: 'Lamp', description: 'Warm light', category: 'home', price_cents: 2500 })
      .expect(201);
    await t.request().patch('/admin/products/ADM-P3').set(admin.auth).send({ active: false }).expect(200);
    const res = await t
      .request()
      .patch('/admin/products/ADM-P3')
      .set(admin.auth)
      .send({ name: 'Desk lamp' })
      .expect(200);
    // A partial update must not reset the description or re-activate the product.
    expect(res.body).to.include({ name: 'Desk lamp', description: 'Warm light', active: false });
    const updates = (await auditLog('ADM-P3')).filter((e) => e.action === 'product.update');
    expect(updates.map((e) => [e.before.name, e.after.name, e.after.active])).to.deep.equal([
      ['Lamp', 'Lamp', false],
      ['Lamp', 'Desk lamp', false],
    ]);

    await t.request().patch('/admin/products/NOPE-1').set(admin.auth).send({ name: 'x' }).expect(404);
    const stockField = await t.request().patch('/admin/products/ADM-P3').set(admin.auth).send({ stock: 5 });
    expect(stockField.status).to.equal(400);
    await t.request().patch('/admin/products/bad%20sku').set(admin.auth).send({ name: 'x' }).expect(400);
  });

  it('PUT /admin/products/:sku/price invalidates the cached product; past orders keep their price', async () => {
    const p = await createProduct(t.container.db, { sku: 'ADM-PRICE', price_cents: 1000, stock: 5 });
    const orderId = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    expect((await t.request().get(`/products/${p.id}`).expect(200)).body.price_cents).to.equal(1000);

    const res = await t
      .request()
      .put('/admin/products/ADM-PRICE/price')
      .set(admin.auth)
      .send({ price_cents: 1250, reason: 'supplier increase' })
      .expect(200);
    expect(res.body.price_cents).to.equal(1250);
    expect((await t.request().get(`/products/${p.id}`).expect(200)).body.price_cents).to.equal(1250);
    const order = await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200);
    expect(order.body.items[0].price_at_purchase_cents).to.equal(1000);
    const [entry] = (await auditLog('ADM-PRICE')).filter((e) => e.action === 'price.set');
    expect(entry).to.deep.include({
      actor,
      before: { price_cents: 1000 },
      after: { price_cents: 1250 },
      reason: 'supplier increase',
    });

    for (const price_cents of [12.999, -1, '12.99']) {
      const bad = await t
        .request()
        .put('/admin/products/ADM-PRICE/price')
        .set(admin.auth)
        .send({ price_cents });
      expect(bad.status, String(price_cents)).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('price_cents');
    }
    await t
      .request()
      .put('/admin/products/NOPE-2/price')
      .set(admin.auth)
      .send({ price_cents: 1 })
      .expect(404);
  });

  it('PUT /admin/inventory/:sku sets available units through the ledger; bad input changes nothing', async () => {
    const p = await createProduct(t.container.db, { sku: 'ADM-SET', stock: 10 });
    const res = await t
      .request()
      .put('/admin/inventory/ADM-SET')
      .set(admin.auth)
      .send({ quantity: 25, reason: 'stock count' })
      .expect(200);
    expect(res.body).to.include({ sku: 'ADM-SET', available: 25, reserved: 0, sold: 0 });
    const ledger = await t.container.db('stock_movements').where({ product_id: p.id, kind: 'adjusted' });
    expect(ledger.map((m) => [m.quantity, m.reason, m.actor])).to.deep.equal([[15, 'stock count', actor]]);
    const [entry] = await auditLog('ADM-SET');
    expect(entry).to.deep.include({
      action: 'inventory.set',
      before: { available: 10, reserved: 0, sold: 0 },
      after: { available: 25, reserved: 0, sold: 0 },
    });

    const bad: [unknown, string][] = [
      [{ quantity: -1, reason: 'x' }, 'quantity'],
      [{ quantity: 2.5, reason: 'x' }, 'quantity'],
      [{ quantity: '3', reason: 'x' }, 'quantity'],
      [{ quantity: 3 }, 'reason'],
      [{ quantity: 3, reason: '  ' }, 'reason'],
    ];
    for (const [body, field] of bad) {
      const r = await t
        .request()
        .put('/admin/inventory/ADM-SET')
        .set(admin.auth)
        .send(body as object);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.details[0].path).to.equal(field);
    }
    const unknown = await t
      .request()
      .put('/admin/inventory/NOPE-3')
      .set(admin.auth)
      .send({ quantity: 1, reason: 'x' })
      .expect(404);
    expect(unknown.body.error.message).to.contain('NOPE-3');
    expect(await stock(p.id)).to.deep.equal({ available: 25, reserved: 0, sold: 0 });
    const shown = await t.request().get('/admin/inventory/ADM-SET').set(admin.auth).expect(200);
    expect(shown.body).to.include({ available: 25 }).and.have.property('active_reservations');
  });

  it('POST /admin/inventory/:sku/adjust never drives available below zero, also under concurrency', async () => {
    const p = await createProduct(t.container.db, { sku: 'ADM-ADJ', stock: 8 });
    const adjust = (delta: unknown) =>
      t.request().post('/admin/inventory/ADM-ADJ/adjust').set(admin.auth).send({ delta, reason: 'damaged' });
    const results = await Promise.allSettled([adjust(-5), adjust(-5)]);
    const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0)).sort();
    expect(statuses).to.deep.equal([200, 409]);
    const loser = results
      .map((r) => (r.status === 'fulfilled' ? r.value : null))
      .find((r) => r?.status === 409);
    expect(loser!.body.error).to.deep.include({ code: 'insufficient_stock' });
    expect(await stock(p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });

    expect((await adjust(4).expect(200)).body.available).to.equal(7);
    expect((await adjust(0).expect(400)).body.error.details[0].message).to.contain('zero');
    await adjust(1.5).expect(400);
    await t
      .request()
      .post('/admin/inventory/NOPE-4/adjust')
      .set(admin.auth)
      .send({ delta: 1, reason: 'x' })
      .expect(404);
    const entries = await auditLog('ADM-ADJ');
    expect(entries.map((e) => [e.action, e.before.available, e.after.available])).to.deep.equal([
      ['inventory.adjust', 8, 3],
      ['inventory.adjust', 3, 7],
    ]);
  });

  it('orders: list, ship, deliver, cancel and refund, each in the admin audit log; wrong moves are 409', async () => {
    const p = await createProduct(t.container.db, { sku: 'ADM-ORD', stock: 10, price_cents: 500 });
    const shipped = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    const refunded = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    const pending = await placeOrder(t, [{ product_id: p.id, quantity: 3 }], { pay: false });

    const list = await t.request().get('/admin/orders?status=PAID&limit=100').set(admin.auth).expect(200);
    expect(list.body.orders.map((o: { order_id: string }) => o.order_id)).to.include.members([
      shipped,
      refunded,
    ]);
    await t.request().get('/admin/orders?status=LOST').set(admin.auth).expect(400);

    const ship = await t
      .request()
      .post(`/admin/orders/${shipped}/ship`)
      .set(admin.auth)
      .send({ carrier: 'ups', tracking_number: '1Z999AA10123456784' })
      .expect(200);
    expect(ship.body).to.include({ status: 'SHIPPED', carrier: 'ups' });
    await t.request().post(`/admin/orders/${shipped}/deliver`).set(admin.auth).send({}).expect(200);
    const again = await t
      .request()
      .post(`/admin/orders/${shipped}/deliver`)
      .set(admin.auth)
      .send({})
      .expect(409);
    expect(again.body.error.code).to.equal('invalid_transition');

    const refund = await t
      .request()
      .post(`/admin/orders/${refunded}/refund`)
      .set(admin.auth)
      .send({})
      .expect(200);
    expect(refund.body).to.include({ status: 'CANCELLED', refund: 'refunded' });
    const payments = await t.container.db('payments').where({ order_id: refunded }).orderBy('kind');
    expect(payments.map((r) => [r.kind, r.state])).to.deep.equal([
      ['charge', 'succeeded'],
      ['refund', 'succeeded'],
    ]);
    // A retry refunds nothing twice.
    await t.request().post(`/admin/orders/${refunded}/refund`).set(admin.auth).send({}).expect(200);
    expect(await t.container.db('payments').where({ order_id: refunded, kind: 'refund' })).to.have.length(1);
    const notPaid = await t
      .request()
      .post(`/admin/orders/${pending}/refund`)
      .set(admin.auth)
      .send({})
      .expect(409);
    expect(notPaid.body.error.message).to.contain('PENDING');

    await t
      .request()
      .post(`/admin/orders/${pending}/cancel`)
      .set(admin.auth)
      .send({ reason: 'customer phoned' })
      .expect(200);
    expect(await stock(p.id)).to.deep.equal({ available: 9, reserved: 0, sold: 1 });
    await t.request().post(`/admin/orders/${randomUUID()}/refund`).set(admin.auth).send({}).expect(404);
    await t.request().post('/admin/orders/not-a-uuid/refund').set(admin.auth).send({}).expect(400);

    const entries = await t.container
      .db('admin_audit_log')
      .whereIn('subject_id', [shipped, refunded, pending])
      .orderBy('id');
    expect(
      entries.map((e) => [e.subject_id, e.action, e.before.status, e.after.status, e.actor]),
    ).to.deep.equal([
      [shipped, 'order.shipped', 'PAID', 'SHIPPED', actor],
      [shipped, 'order.delivered', 'SHIPPED', 'DELIVERED', actor],
      [refunded, 'order.cancelled', 'PAID', 'CANCELLED', actor],
      [pending, 'order.cancelled', 'PENDING', 'CANCELLED', actor],
    ]);
    expect(entries[0].after).to.include({ carrier: 'ups', tracking_number: '1Z999AA10123456784' });
    expect(entries[3].reason).to.equal('customer phoned');
  });

  it('GET /admin/audit reports the invariants with an ok flag, 200 either way', async () => {
    const healthy = await t.request().get('/admin/audit').set(admin.auth).expect(200);
    expect(healthy.body).to.include({ ok: true });
    expect(healthy.body.violations).to.deep.equal([]);

    const p = await createProduct(t.container.db, { sku: 'ADM-BROKEN', stock: 4 });
    await t.container.db('inventory').where({ product_id: p.id }).increment('reserved_count', 1);
    try {
      const broken = await t.request().get('/admin/audit').set(admin.auth).expect(200);
      expect(broken.body.ok).to.equal(false);
      const names = broken.body.violations.map((v: { name: string }) => v.name);
      expect(names).to.include.members(['conservation', 'reserved_matches_reservations']);
    } finally {
      await t.container.db('inventory').where({ product_id: p.id }).decrement('reserved_count', 1);
    }
  });

  it('GET /admin/audit-log?subject= lists the change history of one SKU, newest first', async () => {
    await createProduct(t.container.db, { sku: 'ADM-HIST', stock: 1 });
    await t
      .request()
      .put('/admin/inventory/ADM-HIST')
      .set(admin.auth)
      .send({ quantity: 5, reason: 'a' })
      .expect(200);
    await t
      .request()
      .put('/admin/products/ADM-HIST/price')
      .set(admin.auth)
      .send({ price_cents: 777 })
      .expect(200);
    const res = await t.request().get('/admin/audit-log?subject=ADM-HIST').set(admin.auth).expect(200);
    expect(res.body.entries.map((e: { action: string }) => e.action)).to.deep.equal([
      'price.set',
      'inventory.set',
    ]);
    expect(res.body.entries[1]).to.deep.include({ actor, before: { available: 1, reserved: 0, sold: 0 } });
    const typed = await t
      .request()
      .get('/admin/audit-log?subject=ADM-HIST&type=price&limit=1')
      .set(admin.auth);
    expect(typed.body.entries).to.have.length(1);
    await t.request().get('/admin/audit-log?subject=ADM-HIST&color=red').set(admin.auth).expect(400);
    await t.request().get('/admin/audit-log?limit=0').set(admin.auth).expect(400);
  });
});

import { expect } from 'chai';
import type { TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { describeOrders, historyOf, placeOrder, statusOf, TRACKING } from '../support/orders.js';
import { stockOf } from '../support/stock.js';

describeOrders('orders: fulfilment over HTTP', ['t'], (stores) => {
  let t: TestContext;
  before(() => {
    ({ t } = stores);
  });

  it('ship only a PAID order, then deliver once; every move in the history', async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const admin = await createUser(t.container, 'admin');
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    const shipment = { carrier: 'ups', tracking_number: TRACKING };

    const early = await t
      .request()
      .post(`/admin/orders/${orderId}/ship`)
      .set(admin.auth)
      .send(shipment)
      .expect(409);
    expect(early.body.error.code).to.equal('invalid_transition');
    expect(early.body.error.details).to.include({ from: 'PENDING', to: 'SHIPPED' });
    const earlyDeliver = await t
      .request()
      .post(`/admin/orders/${orderId}/deliver`)
      .set(admin.auth)
      .expect(409);
    expect(earlyDeliver.body.error.code).to.equal('invalid_transition');

    await t.container.worker.drain();
    expect(await statusOf(t, orderId)).to.equal('PAID');

    const badCarrier = await t
      .request()
      .post(`/admin/orders/${orderId}/ship`)
      .set(admin.auth)
      .send({ carrier: 'pigeon', tracking_number: TRACKING })
      .expect(400);
    expect(badCarrier.body.error.code).to.equal('validation_failed');
    expect(badCarrier.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['carrier']);
    await t
      .request()
      .post(`/admin/orders/${orderId}/ship`)
      .set(admin.auth)
      .send({ carrier: 'ups', tracking_number: 'no spaces allowed' })
      .expect(400);
    await t.request().post(`/admin/orders/${orderId}/ship`).set(shopper.auth).send(shipment).expect(403);
    expect(await statusOf(t, orderId)).to.equal('PAID');

    const shipped = await t
      .request()
      .post(`/admin/orders/${orderId}/ship`)
      .set(admin.auth)
      .send(shipment)
      .expect(200);
    expect(shipped.body).to.include({ status: 'SHIPPED', carrier: 'ups', tracking_number: TRACKING });
    expect(shipped.body.tracking_url).to.equal(`https://www.ups.com/track?tracknum=${TRACKING}`);
    const seen = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(seen.tracking_url).to.contain(TRACKING);
    expect(seen.status_history[2]).to.include({
      from: 'PAID',
      to: 'SHIPPED',
      reason: 'shipped via ups',
      actor: 'admin',
    });
    const staffView = (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200)).body;
    expect(staffView.status_history[2]).to.include({ actor: `admin:${admin.id}` });
    await t.request().post(`/admin/orders/${orderId}/ship`).set(admin.auth).send(shipment).expect(409);

    const delivered = await t.request().post(`/admin/orders/${orderId}/deliver`).set(admin.auth).expect(200);
    expect(delivered.body.status).to.equal('DELIVERED');
    expect(delivered.body.tracking_url).to.contain(TRACKING);
    const again = await t.request().post(`/admin/orders/${orderId}/deliver`).set(admin.auth).expect(409);
    expect(again.body.error.code).to.equal('invalid_transition');
    expect(again.body.error.details).to.include({ from: 'DELIVERED', to: 'DELIVERED' });

    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
      ['PAID', 'SHIPPED'],
      ['SHIPPED', 'DELIVERED'],
    ]);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 2 });
  });
});

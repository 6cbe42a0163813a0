import { expect } from 'chai';
import type { TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import {
  describeOrders,
  eventsOf,
  historyOf,
  ledgerOf,
  paymentsOf,
  placeOrder,
  reservationsOf,
  sleep,
  statusOf,
  TRACKING,
  waitUntilDue,
} from '../support/orders.js';
import { completeCharge, startCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

describeOrders('orders: cancel', ['t', 'short'], (stores) => {
  let t: TestContext;
  let short: TestContext;
  before(() => {
    ({ t, short } = stores);
  });

  it('a PENDING order cancelled by its customer releases its stock and is never charged', async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    const res = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).send({}).expect(200);
    expect(res.body).to.include({
      order_id: orderId,
      status: 'CANCELLED',
      status_reason: 'cancelled by customer',
    });
    expect(res.body.status_history[1]).to.include({
      from: 'PENDING',
      to: 'CANCELLED',
      actor: 'customer',
    });
    // The table keeps who exactly; the customer's view says only the role.
    expect(
      (
        await t.container
          .db('order_status_history')
          .where({ order_id: orderId, to_status: 'CANCELLED' })
          .first()
      ).actor,
    ).to.equal(`customer:${shopper.id}`);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 2, 'RELEASED']]);
    expect(await ledgerOf(t, orderId)).to.deep.equal([
      [p.id, 'reserved', 2],
      [p.id, 'released', 2],
    ]);

    expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await paymentsOf(t, orderId)).to.deep.equal([]);
    expect(await statusOf(t, orderId)).to.equal('CANCELLED');

    // Twice is a 409, and changes nothing.
    const again = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
    expect(again.body.error).to.deep.include({ code: 'invalid_transition' });
    expect(again.body.error.details).to.include({ from: 'CANCELLED', to: 'CANCELLED' });
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect(await ledgerOf(t, orderId)).to.have.length(2);
    expect(await historyOf(t, orderId)).to.have.length(2);
  });

  it("another customer's cancel is a 404 and an unknown field a 400; the order stays PENDING", async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    const stranger = await createUser(t.container);
    const res = await t.request().post(`/orders/${orderId}/cancel`).set(stranger.auth).expect(404);
    expect(res.body.error.code).to.equal('not_found');
    const bad = await t
      .request()
      .post(`/orders/${orderId}/cancel`)
      .set(shopper.auth)
      .send({ status: 'CANCELLED' })
      .expect(400);
    expect(bad.body.error.code).to.equal('validation_failed');
    expect(await statusOf(t, orderId)).to.equal('PENDING');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 4, reserved: 1, sold: 0 });
  });

  it('a PAID order cancelled is restocked and refunded once', async () => {
    const p = await createProduct(t.container.db, { stock: 10, price_cents: 2500 });
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 3 }]);
    await t.container.worker.drain();
    expect(await statusOf(t, orderId)).to.equal('PAID');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 7, reserved: 0, sold: 3 });

    const res = await t
      .request()
      .post(`/orders/${orderId}/cancel`)
      .set(shopper.auth)
      .send({ reason: 'changed my mind' })
      .expect(200);
    expect(res.body).to.include({ status: 'CANCELLED', status_reason: 'changed my mind' });
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 10, reserved: 0, sold: 0 });
    expect(await ledgerOf(t, orderId)).to.deep.equal([
      [p.id, 'reserved', 3],
      [p.id, 'sold', 3],
      [p.id, 'restocked', 3],
    ]);
    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
      ['PAID', 'CANCELLED'],
    ]);
    expect(await eventsOf(t, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);

    expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    const payments = await paymentsOf(t, orderId);
    expect(payments.map((x) => [x.kind, x.state, x.amount_cents, x.idempotency_key])).to.deep.equal([
      ['charge', 'succeeded', 7500, `order:${orderId}:charge`],
      ['refund', 'succeeded', 7500, `order:${orderId}:refund`],
    ]);
    expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
    expect(await t.container.payments.processRefund(orderId)).to.equal('refunded');
    expect(await paymentsOf(t, orderId)).to.have.length(2);

    await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 10, reserved: 0, sold: 0 });
  });

  it('a SHIPPED order cannot be cancelled (409), by the customer or an admin', async () => {
    const p = await createProduct(t.container.db, { stock: 4 });
    const admin = await createUser(t.container, 'admin');
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    await t.container.worker.drain();
    await t
      .request()
      .post(`/admin/orders/${orderId}/ship`)
      .set(admin.auth)
      .send({ carrier: 'ups', tracking_number: TRACKING })
      .expect(200);

    const res = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
    expect(res.body.error.code).to.equal('invalid_transition');
    expect(res.body.error.details).to.include({ from: 'SHIPPED', to: 'CANCELLED' });
    const byAdmin = await t.request().post(`/admin/orders/${orderId}/cancel`).set(admin.auth).expect(409);
    expect(byAdmin.body.error.code).to.equal('invalid_transition');
    expect(await statusOf(t, orderId)).to.equal('SHIPPED');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 1 });
    expect(await eventsOf(t, orderId)).to.deep.equal(['payment.requested']);
  });

  it('a cancel landing while the charge is in flight ends CANCELLED with the money refunded', async () => {
    const p = await createProduct(t.container.db, { stock: 5, price_cents: 300 });
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    await startCharge(t.container, orderId);
    await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });

    expect(await completeCharge(t.container, orderId, { status: 'succeeded', ref: 'pi_y' })).to.equal(
      'refunded_cancelled',
    );
    expect(await statusOf(t, orderId)).to.equal('CANCELLED');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    // payment.requested (charge already settled: ignored) and the refund.
    expect(await t.container.worker.drain()).to.deep.equal({ processed: 2, failed: 0 });
    const payments = await paymentsOf(t, orderId);
    expect(payments.map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
      ['charge', 'succeeded', 600],
      ['refund', 'succeeded', 600],
    ]);
    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'CANCELLED'],
    ]);
  });

  it('cancel racing payment completion: one consistent end state per order, refunded if charged', async () => {
    const p = await createProduct(t.container.db, { stock: 40, price_cents: 450 });
    const orders = await Promise.all(
      Array.from({ length: 6 }, () => placeOrder(t, [{ product_id: p.id, quantity: 2 }])),
    );
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 28, reserved: 12, sold: 0 });

    const results = await Promise.allSettled([
      t.container.worker.drain(),
      ...orders.map(async (o, i) => {
        await sleep(i); // spread the cancels across the worker's run
        return t.request().post(`/orders/${o.orderId}/cancel`).set(o.shopper.auth);
      }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(Array(7).fill('fulfilled'));
    for (const r of results.slice(1)) {
      const res = (r as PromiseFulfilledResult<{ status: number; body: { status: string } }>).value;
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('CANCELLED');
    }
    // Refunds queued by a cancel that came after the worker's last round.
    await t.container.worker.drain();

    for (const { orderId } of orders) {
      expect(await statusOf(t, orderId)).to.equal('CANCELLED');
      const payments = await paymentsOf(t, orderId);
      const charges = payments.filter((x) => x.kind === 'charge');
      const refunds = payments.filter((x) => x.kind === 'refund');
      expect(charges.length).to.be.at.most(1);
      const charged = charges[0]?.state === 'succeeded';
      expect(refunds.map((x) => [x.state, x.amount_cents])).to.deep.equal(
        charged ? [['succeeded', 900]] : [],
      );
      const history = await historyOf(t, orderId);
      const paidFirst = history.length === 3;
      expect(history).to.deep.equal(
        paidFirst
          ? [
              [null, 'PENDING'],
              ['PENDING', 'PAID'],
              ['PAID', 'CANCELLED'],
            ]
          : [
              [null, 'PENDING'],
              ['PENDING', 'CANCELLED'],
            ],
      );
      if (paidFirst) expect(charged).to.equal(true);
      expect(await ledgerOf(t, orderId)).to.deep.equal(
        paidFirst
          ? [
              [p.id, 'reserved', 2],
              [p.id, 'sold', 2],
              [p.id, 'restocked', 2],
            ]
          : [
              [p.id, 'reserved', 2],
              [p.id, 'released', 2],
            ],
      );
    }
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 40, reserved: 0, sold: 0 });
    expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
  });
  it('cancelling an order that already EXPIRED releases nothing twice', async () => {
    const p = await createProduct(short.container.db, { stock: 3 });
    const { orderId, shopper } = await placeOrder(short, [{ product_id: p.id, quantity: 3 }]);
    await waitUntilDue(short, [orderId]);
    expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 3 });
    const res = await short.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
    expect(res.body.status).to.equal('CANCELLED');
    expect(await historyOf(short, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'EXPIRED'],
      ['EXPIRED', 'CANCELLED'],
    ]);
    expect(await ledgerOf(short, orderId)).to.deep.equal([
      [p.id, 'reserved', 3],
      [p.id, 'released', 3],
    ]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
    // The queued payment finds a cancelled order: nothing is charged.
    await short.container.worker.drain();
    expect(await paymentsOf(short, orderId)).to.deep.equal([]);
  });
});

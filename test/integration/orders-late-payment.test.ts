import { expect } from 'chai';
import type { TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import {
  describeOrders,
  eventsOf,
  expectHealthy,
  historyOf,
  ledgerOf,
  paymentsOf,
  placeOrder,
  reservationsOf,
  statusOf,
  waitUntilDue,
} from '../support/orders.js';
import { completeCharge, startCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

describeOrders('orders: payment that lands after expiry', ['short'], (stores) => {
  let short: TestContext;
  before(() => {
    ({ short } = stores);
  });

  it('re-reserves when stock allows: EXPIRED → PAID, the units sold', async () => {
    const p = await createProduct(short.container.db, { stock: 4, price_cents: 800 });
    const { orderId, shopper } = await placeOrder(short, [{ product_id: p.id, quantity: 2 }]);
    const attempt = await startCharge(short.container, orderId);
    expect(attempt).to.deep.include({
      orderId,
      amountCents: 1600,
      idempotencyKey: `order:${orderId}:charge`,
    });

    await waitUntilDue(short, [orderId]);
    expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 2 });
    expect(await statusOf(short, orderId)).to.equal('EXPIRED');
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 4, reserved: 0, sold: 0 });

    expect(await completeCharge(short.container, orderId, { status: 'succeeded', ref: 'pi_x' })).to.equal(
      'late_paid',
    );
    expect(await statusOf(short, orderId)).to.equal('PAID');
    expect(await historyOf(short, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'EXPIRED'],
      ['EXPIRED', 'PAID'],
    ]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 2, reserved: 0, sold: 2 });
    expect(await reservationsOf(short, orderId)).to.deep.equal([
      [p.id, 2, 'RELEASED'],
      [p.id, 2, 'CONFIRMED'],
    ]);
    expect(await ledgerOf(short, orderId)).to.deep.equal([
      [p.id, 'reserved', 2],
      [p.id, 'released', 2],
      [p.id, 'reserved', 2],
      [p.id, 'sold', 2],
    ]);
    const [charge] = await paymentsOf(short, orderId);
    expect(charge).to.include({ state: 'succeeded', provider_ref: 'pi_x', amount_cents: 1600 });

    // The queued payment event finds the charge done: no second charge, no refund.
    expect(await short.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await paymentsOf(short, orderId)).to.have.length(1);
    expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested']);
    const view = (await short.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(view.status).to.equal('PAID');
    expect(view.status_history[2]).to.include({ from: 'EXPIRED', to: 'PAID', actor: 'payments' });
  });

  it('refunds and cancels when the stock was sold meanwhile: EXPIRED → CANCELLED, never oversold', async () => {
    const p = await createProduct(short.container.db, { stock: 3, price_cents: 900 });
    const late = await placeOrder(short, [{ product_id: p.id, quantity: 2 }]);
    await startCharge(short.container, late.orderId);
    await waitUntilDue(short, [late.orderId]);
    expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 2 });
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });

    // Someone else buys every unit left.
    const rival = await placeOrder(short, [{ product_id: p.id, quantity: 3 }]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 3, sold: 0 });

    expect(
      await completeCharge(short.container, late.orderId, {
        status: 'succeeded',
        ref: 'pi_late',
      }),
    ).to.equal('late_refunded');
    expect(await statusOf(short, late.orderId)).to.equal('CANCELLED');
    expect(await historyOf(short, late.orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'EXPIRED'],
      ['EXPIRED', 'CANCELLED'],
    ]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 3, sold: 0 });
    expect(await reservationsOf(short, late.orderId)).to.deep.equal([[p.id, 2, 'RELEASED']]);
    expect(await eventsOf(short, late.orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
    await expectHealthy(short);

    // late: payment.requested (ignored) + refund; rival: its charge.
    expect(await short.container.worker.drain()).to.deep.equal({ processed: 3, failed: 0 });
    const payments = await paymentsOf(short, late.orderId);
    expect(payments.map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
      ['charge', 'succeeded', 1800],
      ['refund', 'succeeded', 1800],
    ]);
    expect(payments[1]).to.include({
      idempotency_key: `order:${late.orderId}:refund`,
      provider: 'sandbox',
    });
    expect(payments[1].provider_ref).to.match(/^re_sandbox_/);
    expect(await statusOf(short, rival.orderId)).to.equal('PAID');
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 0, reserved: 0, sold: 3 });

    // The refund is idempotent: running it again writes nothing.
    expect(await short.container.payments.processRefund(late.orderId)).to.equal('refunded');
    expect(await paymentsOf(short, late.orderId)).to.have.length(2);
  });
  it('a late payment for a product taken off sale is refunded, not re-sold', async () => {
    const p = await createProduct(short.container.db, { stock: 5, price_cents: 500 });
    const { orderId } = await placeOrder(short, [{ product_id: p.id, quantity: 1 }]);
    await startCharge(short.container, orderId);
    await waitUntilDue(short, [orderId]);
    await short.container.sweep();
    await short.container.db('products').where({ id: p.id }).update({ active: false });
    expect(await completeCharge(short.container, orderId, { status: 'succeeded', ref: 'pi_off' })).to.equal(
      'late_refunded',
    );
    expect(await statusOf(short, orderId)).to.equal('CANCELLED');
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
  });

  it('a success arriving after the order failed payment is refunded; the order stays PAYMENT_FAILED', async () => {
    const p = await createProduct(short.container.db, { stock: 5, price_cents: 700 });
    const { orderId } = await placeOrder(short, [{ product_id: p.id, quantity: 1 }]);
    await startCharge(short.container, orderId);
    expect(
      await completeCharge(short.container, orderId, {
        status: 'failed',
        ref: 'pi_r',
        failureCode: 'card_declined',
      }),
    ).to.equal('payment_failed');
    expect(await completeCharge(short.container, orderId, { status: 'succeeded', ref: 'pi_r' })).to.equal(
      'refunded_cancelled',
    );
    expect(await statusOf(short, orderId)).to.equal('PAYMENT_FAILED');
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect(await eventsOf(short, orderId)).to.deep.equal(['payment.requested', 'payment.refund']);
    await short.container.worker.drain();
    const payments = await paymentsOf(short, orderId);
    expect(payments.map((x) => [x.kind, x.state])).to.deep.equal([
      ['charge', 'succeeded'],
      ['refund', 'succeeded'],
    ]);
  });

  it('the sweeper racing the payment of due orders: each ends PAID (charged, sold) or EXPIRED (never charged)', async () => {
    const p = await createProduct(short.container.db, { stock: 12, price_cents: 250 });
    const orders = await Promise.all(
      Array.from({ length: 6 }, () => placeOrder(short, [{ product_id: p.id, quantity: 2 }])),
    );
    const ids = orders.map((o) => o.orderId);
    await waitUntilDue(short, ids);
    const results = await Promise.allSettled([short.container.sweep(), short.container.worker.drain()]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);

    let paid = 0;
    for (const id of ids) {
      const status = await statusOf(short, id);
      const history = await historyOf(short, id);
      const payments = (await paymentsOf(short, id)).map((x) => [x.kind, x.state]);
      const ledger = await ledgerOf(short, id);
      if (status === 'PAID') {
        paid++;
        // Paid before the sweeper got to it, or its charge began first and landed after expiry.
        expect([
          [
            [null, 'PENDING'],
            ['PENDING', 'PAID'],
          ],
          [
            [null, 'PENDING'],
            ['PENDING', 'EXPIRED'],
            ['EXPIRED', 'PAID'],
          ],
        ]).to.deep.include(history);
        expect(payments).to.deep.equal([['charge', 'succeeded']]);
        expect(ledger.filter(([, kind]) => kind === 'sold')).to.deep.equal([[p.id, 'sold', 2]]);
      } else {
        // Expired before its charge began: the queued payment must not charge it.
        expect(status).to.equal('EXPIRED');
        expect(history).to.deep.equal([
          [null, 'PENDING'],
          ['PENDING', 'EXPIRED'],
        ]);
        expect(payments).to.deep.equal([]);
        expect(ledger).to.deep.equal([
          [p.id, 'reserved', 2],
          [p.id, 'released', 2],
        ]);
      }
    }
    expect(await stockOf(short, p.id)).to.deep.equal({
      available: 12 - 2 * paid,
      reserved: 0,
      sold: 2 * paid,
    });
    expect(await short.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
    expect(await short.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
  });
});

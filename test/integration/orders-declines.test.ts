import { expect } from 'chai';
import type { TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import {
  describeOrders,
  historyOf,
  ledgerOf,
  paymentsOf,
  placeOrder,
  reservationsOf,
  statusOf,
} from '../support/orders.js';
import { processCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

describeOrders('orders: declines and authentication', ['t'], (stores) => {
  let t: TestContext;
  before(() => {
    ({ t } = stores);
  });

  it('a declined card fails the order and releases its stock', async () => {
    const p = await createProduct(t.container.db, { stock: 6, price_cents: 500 });
    const { orderId, shopper } = await placeOrder(
      t,
      [{ product_id: p.id, quantity: 4 }],
      'pm_card_chargeDeclined',
    );
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 4, sold: 0 });

    expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await statusOf(t, orderId)).to.equal('PAYMENT_FAILED');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 6, reserved: 0, sold: 0 });
    expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 4, 'RELEASED']]);
    expect(await ledgerOf(t, orderId)).to.deep.equal([
      [p.id, 'reserved', 4],
      [p.id, 'released', 4],
    ]);
    const payments = await paymentsOf(t, orderId);
    expect(payments).to.have.length(1);
    expect(payments[0]).to.include({
      kind: 'charge',
      state: 'failed',
      failure_code: 'card_declined',
      idempotency_key: `order:${orderId}:charge`,
    });
    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAYMENT_FAILED'],
    ]);

    const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(view).to.include({ status: 'PAYMENT_FAILED', status_reason: 'card_declined' });
    expect(view.payment).to.deep.equal({ state: 'failed', failure_code: 'card_declined' });

    // A failed order is final: no retry charges it, a cancel is a 409.
    expect(await processCharge(t.container, orderId)).to.equal('ignored');
    const cancel = await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(409);
    expect(cancel.body.error.code).to.equal('invalid_transition');
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 6, reserved: 0, sold: 0 });
  });

  it('a card that needs authentication leaves the order PENDING with the next action', async () => {
    const p = await createProduct(t.container.db, { stock: 3, price_cents: 1500 });
    const { orderId, shopper } = await placeOrder(
      t,
      [{ product_id: p.id, quantity: 1 }],
      'pm_card_authenticationRequired',
    );
    expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await statusOf(t, orderId)).to.equal('PENDING');
    expect(await reservationsOf(t, orderId)).to.deep.equal([[p.id, 1, 'ACTIVE']]);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 1, sold: 0 });

    const view = (await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(view.status).to.equal('PENDING');
    expect(view.payment.state).to.equal('requires_action');
    expect(view.payment.failure_code).to.equal(null);
    expect(view.payment.next_action).to.deep.equal({
      type: 'use_stripe_sdk',
      client_secret: `${(await paymentsOf(t, orderId))[0].provider_ref}_secret`,
    });
    expect(await historyOf(t, orderId)).to.deep.equal([[null, 'PENDING']]);
    // Draining again does not charge a second time while the shopper authenticates.
    expect(await processCharge(t.container, orderId)).to.equal('ignored');
    expect(await paymentsOf(t, orderId)).to.have.length(1);
  });
});

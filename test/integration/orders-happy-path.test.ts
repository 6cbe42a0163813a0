import { expect } from 'chai';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import type { TestContext } from '../support/context.js';
import { createProduct, UUID } from '../support/fixtures.js';
import {
  describeOrders,
  expectHealthy,
  historyOf,
  ledgerOf,
  paymentsOf,
  placeOrder,
  reservationsOf,
  statusOf,
} from '../support/orders.js';
import { completeCharge, processCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

const TTL_MS = 10 * 60_000;

describeOrders('orders: happy path', ['t'], (stores) => {
  let t: TestContext;
  before(() => {
    ({ t } = stores);
  });

  it('checkout reserves, the worker charges once, the order is PAID and the units sold', async () => {
    const p = await createProduct(t.container.db, { stock: 10, price_cents: 1250 });
    const q = await createProduct(t.container.db, { stock: 4, price_cents: 999 });
    const shopper = await shopperWithCart(t, [
      { product_id: p.id, quantity: 2 },
      { product_id: q.id, quantity: 1 },
    ]);
    const res = await postCheckout(t, shopper).expect(201);
    expect(res.body).to.have.all.keys('order_id', 'status', 'total_cents');
    expect(res.body.order_id).to.match(UUID);
    expect(res.body).to.include({ status: 'PENDING', total_cents: 2 * 1250 + 999 });
    const id: string = res.body.order_id;

    expect(await reservationsOf(t, id)).to.deep.equal([
      [p.id, 2, 'ACTIVE'],
      [q.id, 1, 'ACTIVE'],
    ]);
    const { rows: ttl } = await t.container.db.raw<{ rows: { ms: number }[] }>(
      'SELECT (extract(epoch FROM expires_at - now()) * 1000)::int AS ms FROM reservations WHERE order_id = ?',
      [id],
    );
    for (const { ms } of ttl) expect(ms).to.be.within(TTL_MS - 10_000, TTL_MS);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 2, sold: 0 });
    expect(await stockOf(t, q.id)).to.deep.equal({ available: 3, reserved: 1, sold: 0 });
    expect(await historyOf(t, id)).to.deep.equal([[null, 'PENDING']]);
    await expectHealthy(t);

    // Not due yet: a sweep leaves it alone.
    expect(await t.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
    expect(await statusOf(t, id)).to.equal('PENDING');

    expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await statusOf(t, id)).to.equal('PAID');
    expect(await reservationsOf(t, id)).to.deep.equal([
      [p.id, 2, 'CONFIRMED'],
      [q.id, 1, 'CONFIRMED'],
    ]);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 0, sold: 2 });
    expect(await stockOf(t, q.id)).to.deep.equal({ available: 3, reserved: 0, sold: 1 });
    expect(await ledgerOf(t, id)).to.have.deep.members([
      [p.id, 'reserved', 2],
      [q.id, 'reserved', 1],
      [p.id, 'sold', 2],
      [q.id, 'sold', 1],
    ]);
    const payments = await paymentsOf(t, id);
    expect(payments).to.have.length(1);
    expect(payments[0]).to.include({
      kind: 'charge',
      state: 'succeeded',
      provider: 'sandbox',
      amount_cents: 2 * 1250 + 999,
      idempotency_key: `order:${id}:charge`,
      failure_code: null,
    });
    // The sandbox's reference carries the charge's terms, so any process can answer for it.
    expect(payments[0].provider_ref).to.match(/^pi_sandbox_[A-Za-z0-9_-]+$/);

    const history = (await t.request().get(`/orders/${id}`).set(shopper.auth).expect(200)).body;
    expect(history.status).to.equal('PAID');
    expect(history.payment).to.deep.equal({ state: 'succeeded', failure_code: null });
    expect(history.status_history.map((h: { from: string; to: string }) => [h.from, h.to])).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
    ]);
    expect(history.status_history[1]).to.include({ reason: 'payment captured', actor: 'payments' });

    // Running the worker again, or the charge by hand, charges nothing more.
    expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 0 });
    expect(await processCharge(t.container, id)).to.equal('ignored');
    expect(await paymentsOf(t, id)).to.have.length(1);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 8, reserved: 0, sold: 2 });
    expect(await historyOf(t, id)).to.have.length(2);
  });

  it('concurrent charge attempts for one order (two workers and a retry) charge and sell once', async () => {
    const p = await createProduct(t.container.db, { stock: 5, price_cents: 700 });
    const { orderId } = await placeOrder(t, [{ product_id: p.id, quantity: 3 }]);
    const results = await Promise.allSettled([
      processCharge(t.container, orderId),
      processCharge(t.container, orderId),
      t.container.worker.drain(),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
    const outcomes = results
      .slice(0, 2)
      .map((r) => (r as PromiseFulfilledResult<string>).value)
      .sort();
    // Either one of the two direct calls captured the payment, or the worker did.
    expect([
      ['ignored', 'ignored'],
      ['ignored', 'paid'],
    ]).to.deep.include(outcomes);
    expect(await statusOf(t, orderId)).to.equal('PAID');
    expect(await paymentsOf(t, orderId)).to.have.length(1);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 2, reserved: 0, sold: 3 });
    expect(await ledgerOf(t, orderId)).to.deep.equal([
      [p.id, 'reserved', 3],
      [p.id, 'sold', 3],
    ]);
    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
    ]);
  });
  it('a stale decline or a duplicate result after the capture changes nothing; a cancel still refunds', async () => {
    const p = await createProduct(t.container.db, { stock: 5, price_cents: 1100 });
    const { orderId, shopper } = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    await t.container.worker.drain();
    const [captured] = await paymentsOf(t, orderId);
    expect(captured).to.include({ state: 'succeeded' });

    // Provider results can arrive again, and out of order (webhook retries).
    expect(
      await completeCharge(t.container, orderId, { status: 'succeeded', ref: captured.provider_ref }),
    ).to.equal('ignored');
    expect(
      await completeCharge(t.container, orderId, {
        status: 'failed',
        ref: 'pi_stale',
        failureCode: 'card_declined',
      }),
    ).to.equal('ignored');
    expect(await statusOf(t, orderId)).to.equal('PAID');
    const [after] = await paymentsOf(t, orderId);
    expect(after).to.include({
      state: 'succeeded',
      provider_ref: captured.provider_ref,
      failure_code: null,
    });
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });

    await t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).expect(200);
    await t.container.worker.drain();
    expect((await paymentsOf(t, orderId)).map((x) => [x.kind, x.state, x.amount_cents])).to.deep.equal([
      ['charge', 'succeeded', 1100],
      ['refund', 'succeeded', 1100],
    ]);
  });
});

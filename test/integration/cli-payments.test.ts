import { expect } from 'chai';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { type Json, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { startCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

describe('shopctl payments', function () {
  this.timeout(120_000);
  let t: TestContext;
  const run = (...args: string[]) => shopctl(t, args);
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('show lists the charge, its jobs and webhooks; retry charges a parked order once, then refuses', async () => {
    const p = await createProduct(t.container.db, { stock: 3, price_cents: 1_250 });
    const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 2 }]);
    const orderId = (await postCheckout(t, shopper).expect(201)).body.order_id as string;
    // The provider never answered: the attempt is recorded, and its job gave up (parked).
    await startCharge(t.container, orderId);
    await t.container
      .db('outbox_events')
      .where({ aggregate_id: orderId })
      .update({ failed_at: t.container.db.fn.now(), attempts: 10, last_error: 'stripe: no answer in time' });

    const before = await run('payments', 'show', orderId, '--json');
    expect(before.code).to.equal(0);
    expect(before.json()).to.deep.include({ order_id: orderId, status: 'PENDING', total_cents: 2_500 });
    expect(before.json().payments.map((x: Json) => [x.kind, x.state, x.idempotency_key])).to.deep.equal([
      ['charge', 'pending', `order:${orderId}:charge`],
    ]);
    expect(
      before.json().jobs.map((j: Json) => [j.topic, j.attempts, j.last_error, j.failed_at !== null]),
    ).to.deep.equal([['payment.requested', 10, 'stripe: no answer in time', true]]);
    const human = await run('payments', 'show', orderId);
    expect(human.stdout).to.match(/charge\s+pending\s+sandbox/);
    expect(human.stdout).to.match(/payment\.requested\s+10\s+parked/);

    const retried = await run('payments', 'retry', orderId, '--json');
    expect(retried.code, retried.stderr).to.equal(0);
    expect(retried.json()).to.deep.include({ outcome: 'paid', status: 'PAID' });
    expect(retried.json().payments).to.have.length(1);
    expect(retried.json().jobs.map((j: Json) => [j.failed_at, j.processed_at !== null])).to.deep.equal([
      [null, true],
    ]);
    expect(await stockOf(t, p.id)).to.deep.equal({ available: 1, reserved: 0, sold: 2 });

    const again = await run('payments', 'retry', orderId);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/PAID: only a PENDING order/);
    expect(await t.container.db('payments').where({ order_id: orderId })).to.have.length(1);
  });

  it('names a bad or unknown order and exits 1', async () => {
    const bad = await run('payments', 'show', 'nope');
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/order id must be a UUID/);
    const unknown = await run('payments', 'retry', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/Order not found/);
  });
});

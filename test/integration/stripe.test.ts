import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { stockOf } from '../support/stock.js';
import { stripeShop as stripeShopOnPort } from '../support/stripe-shop.js';

/** The Stripe shop with the stand-in sending its signed webhooks as Stripe would. */
async function stripeShop(env: Record<string, string> = {}) {
  const shop = await stripeShopOnPort(env);
  shop.standIn.webhooksTo(shop.webhookUrl);
  return shop;
}

type Shop = Awaited<ReturnType<typeof stripeShop>>;

async function order(shop: Shop, paymentMethod = 'pm_card_visa', stock = 5) {
  const p = await createProduct(shop.t.container.db, { stock, price_cents: 2_500 });
  const shopper = await shopperWithCart(shop.t, [{ product_id: p.id, quantity: 1 }]);
  const res = await postCheckout(shop.t, shopper, { payment_method: paymentMethod }).expect(201);
  return { productId: p.id, shopper, orderId: res.body.order_id as string };
}

const statusOf = async (shop: Shop, id: string) =>
  (await shop.t.container.db('orders').where({ id }).first('status')).status as string;
const historyOf = async (shop: Shop, id: string) =>
  (await shop.t.container.db('order_status_history').where({ order_id: id }).orderBy('id')).map(
    (h) => h.to_status,
  );
const intentOf = (shop: Shop, orderId: string) =>
  [...shop.standIn.intents.values()].filter((i) => i.metadata.order_id === orderId);
/** Makes every waiting outbox retry due now (instead of after its back-off). */
const retryNow = (shop: Shop) =>
  shop.t.container
    .db('outbox_events')
    .whereNull('processed_at')
    .update({ available_at: shop.t.container.db.fn.now() });
const metric = async (shop: Shop, name: string) =>
  (await shop.t.container.metrics.registry.getSingleMetricAsString(name)).split('\n');
/** A counter's value for these labels (0 before its first increment). */
async function count(shop: Shop, name: string, labels: Record<string, string>) {
  const { values } = await shop.t.container.metrics.registry.getSingleMetric(name)!.get();
  const match = values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return match?.value ?? 0;
}

async function expectHealthy(shop: Shop) {
  expect((await checkInvariants(shop.t.container.db)).violations).to.deep.equal([]);
}

describe('Stripe: the provider, webhooks and 3-D Secure (against the local stand-in)', function () {
  this.timeout(60_000);
  let shop: Shop;
  before(async () => {
    shop = await stripeShop();
  });
  after(() => shop.close());
  beforeEach(async () => {
    await shop.t.truncate();
    shop.standIn.webhooksTo(shop.webhookUrl);
  });
  afterEach(() => expectHealthy(shop));

  it('refuses to start without its keys', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'stripe' })).to.throw(
      /STRIPE_SECRET_KEY: required.*\n.*STRIPE_WEBHOOK_SECRET: required/,
    );
  });

  it('checkout → PaymentIntent → webhook → PAID, end to end over HTTP', async () => {
    const { orderId, productId, shopper } = await order(shop);
    // The worker's answer is lost: only the webhook can tell the shop the card was charged.
    shop.standIn.failNext('timeout');
    expect(await shop.t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
    await shop.standIn.settled();
    expect(await statusOf(shop, orderId)).to.equal('PAID');
    const [intent] = intentOf(shop, orderId);
    expect(intent).to.include({
      amount: 2_500,
      currency: 'usd',
      status: 'succeeded',
      payment_method: 'pm_card_visa',
    });
    expect(shop.standIn.requests.find((r) => r.path === '/v1/payment_intents')?.idempotencyKey).to.equal(
      `order:${orderId}:charge`,
    );
    const body = (await shop.t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(body.status).to.equal('PAID');
    expect(body.payment).to.deep.equal({ state: 'succeeded', failure_code: null });
    // The worker's retry finds the charge settled: no second intent, no second transition.
    await retryNow(shop);
    expect(await shop.t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(intentOf(shop, orderId)).to.have.length(1);
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'PAID']);
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });
    const [event] = await shop.t.container.db('webhook_events');
    expect(event).to.include({ type: 'payment_intent.succeeded', outcome: 'paid', deliveries: 1 });
  });

  it('a 500 and a timeout from Stripe, then success: exactly one intent, charged once', async () => {
    shop.standIn.webhooksTo(null);
    const retried = async () => ({
      server_error: await count(shop, 'shop_payment_retries_total', { reason: 'server_error' }),
      timeout: await count(shop, 'shop_payment_retries_total', { reason: 'timeout' }),
    });
    const before = await retried();
    const { orderId } = await order(shop);
    shop.standIn.failNext('server_error');
    expect(await shop.t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
    expect(intentOf(shop, orderId)).to.have.length(0);
    await retryNow(shop);
    shop.standIn.failNext('timeout');
    expect(await shop.t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
    expect(intentOf(shop, orderId)).to.have.length(1);
    expect(await statusOf(shop, orderId)).to.equal('PENDING');
    await retryNow(shop);
    expect(await shop.t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await statusOf(shop, orderId)).to.equal('PAID');
    expect(intentOf(shop, orderId)).to.have.length(1);
    // Three tries, one key: the 500 came before Stripe ran anything, the timeout after.
    const creates = shop.standIn.requests.filter(
      (r) => r.path === '/v1/payment_intents' && r.idempotencyKey === `order:${orderId}:charge`,
    );
    expect(creates).to.have.length(3);
    expect(await retried()).to.deep.equal({
      server_error: before.server_error + 1,
      timeout: before.timeout + 1,
    });
  });

  it('a decline fails the order with its code kept, and releases the stock', async () => {
    const { orderId, productId } = await order(shop, 'pm_card_chargeDeclinedInsufficientFunds');
    await shop.t.container.worker.drain();
    await shop.standIn.settled();
    expect(await statusOf(shop, orderId)).to.equal('PAYMENT_FAILED');
    const charge = await shop.t.container.db('payments').where({ order_id: orderId }).first();
    expect(charge).to.include({ state: 'failed', failure_code: 'insufficient_funds', provider: 'stripe' });
    expect(charge.provider_ref).to.equal(intentOf(shop, orderId)[0]!.id);
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
  });

  it('the same webhook delivered 10 times makes one transition', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId } = await order(shop);
    shop.standIn.failNext('timeout');
    await shop.t.container.worker.drain();
    const [intent] = intentOf(shop, orderId);
    const { payload, header } = shop.standIn.signedEvent('payment_intent.succeeded', { ...intent });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => shop.standIn.deliver(payload, header)),
    );
    expect(answers.map((a) => a!.status)).to.deep.equal(Array(10).fill(200));
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'PAID']);
    const events = await shop.t.container.db('webhook_events');
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ deliveries: 10, outcome: 'paid' });
    expect(await metric(shop, 'shop_webhook_events_total')).to.include(
      'shop_webhook_events_total{provider="stripe",type="payment_intent.succeeded",outcome="duplicate"} 9',
    );
    const ledger = await shop.t.container.db('stock_movements').where({ order_id: orderId, kind: 'sold' });
    expect(ledger).to.have.length(1);
  });

  it('a missing, wrong, stale or foreign signature is a 400 and changes nothing', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId } = await order(shop);
    shop.standIn.failNext('timeout');
    await shop.t.container.worker.drain();
    const intent = { ...intentOf(shop, orderId)[0] };
    const good = shop.standIn.signedEvent('payment_intent.succeeded', intent);
    const stale = shop.standIn.signedEvent('payment_intent.succeeded', intent, {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    const foreign = shop.standIn.signedEvent('payment_intent.succeeded', intent, {
      secret: 'whsec_someone_else',
    });
    const tampered = good.payload.replace('"amount":2500', '"amount":1');
    const tries = [
      await shop.standIn.deliver(good.payload, null),
      await shop.standIn.deliver(good.payload, 't=1,v1=deadbeef'),
      await shop.standIn.deliver(stale.payload, stale.header),
      await shop.standIn.deliver(foreign.payload, foreign.header),
      await shop.standIn.deliver(tampered, good.header),
    ];
    for (const answer of tries) {
      expect(answer!.status).to.equal(400);
      expect(JSON.parse(answer!.body).error.code).to.equal('bad_request');
    }
    expect(await statusOf(shop, orderId)).to.equal('PENDING');
    expect(await shop.t.container.db('webhook_events')).to.deep.equal([]);
    expect(await metric(shop, 'shop_webhook_failures_total')).to.include(
      'shop_webhook_failures_total{provider="stripe",reason="signature"} 5',
    );
  });

  it('out of order: a refund made in Stripe arrives before the success: the order ends CANCELLED, restocked, refunded once', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId, productId } = await order(shop);
    shop.standIn.failNext('timeout');
    await shop.t.container.worker.drain();
    const [intent] = intentOf(shop, orderId);
    const refund = shop.standIn.refundInDashboard(intent!.id);
    const refunded = shop.standIn.signedEvent('refund.created', { ...refund });
    const succeeded = shop.standIn.signedEvent('payment_intent.succeeded', { ...intent });
    expect((await shop.standIn.deliver(refunded.payload, refunded.header))!.status).to.equal(200);
    expect((await shop.standIn.deliver(succeeded.payload, succeeded.header))!.status).to.equal(200);
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'PAID', 'CANCELLED']);
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    await retryNow(shop);
    await shop.t.container.worker.drain();
    const payments = await shop.t.container.db('payments').where({ order_id: orderId }).orderBy('kind');
    expect(payments.map((p) => [p.kind, p.state, p.provider_ref])).to.deep.equal([
      ['charge', 'succeeded', intent!.id],
      ['refund', 'succeeded', refund.id],
    ]);
    // The shop's own refund job found the refund made: Stripe was not asked for a second one.
    expect(shop.standIn.refunds.size).to.equal(1);
  });

  it('a partial refund made in Stripe does not stop the shop refunding the rest when the order is cancelled', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId, shopper } = await order(shop);
    await shop.t.container.worker.drain();
    const [intent] = intentOf(shop, orderId);
    const partial = shop.standIn.refundInDashboard(intent!.id, 500);
    const event = shop.standIn.signedEvent('refund.created', { ...partial });
    expect((await shop.standIn.deliver(event.payload, event.header))!.status).to.equal(200);
    // Part of the money back is not the order undone.
    expect(await statusOf(shop, orderId)).to.equal('PAID');
    await shop.t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).send({}).expect(200);
    await shop.t.container.worker.drain();
    const refunds = [...shop.standIn.refunds.values()].filter((r) => r.payment_intent === intent!.id);
    expect(refunds.map((r) => r.amount).sort((a, b) => a - b)).to.deep.equal([500, 2_000]);
    const rows = await shop.t.container
      .db('payments')
      .where({ order_id: orderId, kind: 'refund' })
      .orderBy('amount_cents');
    expect(rows.map((r) => [r.amount_cents, r.state])).to.deep.equal([
      [500, 'succeeded'],
      [2_000, 'succeeded'],
    ]);
  });

  it('a refund that fails at the bank is recorded as failed and made again under a new key', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId, shopper } = await order(shop);
    await shop.t.container.worker.drain();
    await shop.t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).send({}).expect(200);
    await shop.t.container.worker.drain();
    const [first] = await shop.t.container.db('payments').where({ order_id: orderId, kind: 'refund' });
    expect(first).to.include({ state: 'succeeded', idempotency_key: `order:${orderId}:refund` });
    const failed = shop.standIn.failRefund(first.provider_ref);
    const event = shop.standIn.signedEvent('refund.failed', { ...failed });
    const answer = await shop.standIn.deliver(event.payload, event.header);
    expect(answer!.status).to.equal(200);
    expect(
      (await shop.t.container.db('webhook_events').where({ type: 'refund.failed' }).first()).outcome,
    ).to.equal('retried');
    await shop.t.container.worker.drain();
    const rows = await shop.t.container
      .db('payments')
      .where({ order_id: orderId, kind: 'refund' })
      .orderBy('created_at');
    expect(rows.map((r) => [r.state, r.idempotency_key, r.amount_cents])).to.deep.equal([
      ['failed', `order:${orderId}:refund`, 2_500],
      ['succeeded', `order:${orderId}:refund:1`, 2_500],
    ]);
  });

  it('out of order: a stale failure after the success changes nothing', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId } = await order(shop);
    await shop.t.container.worker.drain();
    expect(await statusOf(shop, orderId)).to.equal('PAID');
    const [intent] = intentOf(shop, orderId);
    const failed = shop.standIn.signedEvent('payment_intent.payment_failed', {
      ...intent,
      status: 'requires_payment_method',
    });
    expect((await shop.standIn.deliver(failed.payload, failed.header))!.status).to.equal(200);
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'PAID']);
  });

  it('3-D Secure: requires_action shows the client secret to the owner; authenticated and confirmed, the order is PAID', async () => {
    shop.standIn.webhooksTo(null);
    const { orderId, shopper, productId } = await order(shop, 'pm_card_authenticationRequired');
    await shop.t.container.worker.drain();
    expect(await statusOf(shop, orderId)).to.equal('PENDING');
    const [intent] = intentOf(shop, orderId);
    const view = (await shop.t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body;
    expect(view.payment.state).to.equal('requires_action');
    expect(view.payment.next_action).to.deep.equal({
      type: 'use_stripe_sdk',
      client_secret: intent!.client_secret,
    });
    // Not to an admin, and not to anyone else.
    const admin = await createUser(shop.t.container, 'admin');
    const adminView = (await shop.t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200))
      .body;
    expect(adminView.payment).to.not.have.property('next_action');
    const stranger = await createUser(shop.t.container);
    await shop.t.request().get(`/orders/${orderId}`).set(stranger.auth).expect(404);
    await shop.t.request().post(`/orders/${orderId}/payment/confirm`).set(stranger.auth).expect(404);
    // Confirming before authenticating changes nothing.
    expect(
      (await shop.t.request().post(`/orders/${orderId}/payment/confirm`).set(shopper.auth).expect(200)).body
        .status,
    ).to.equal('PENDING');

    shop.standIn.authenticate(intent!.id);
    const confirmed = await shop.t
      .request()
      .post(`/orders/${orderId}/payment/confirm`)
      .set(shopper.auth)
      .expect(200);
    expect(confirmed.body.status).to.equal('PAID');
    expect(confirmed.body.payment).to.deep.equal({ state: 'succeeded', failure_code: null });
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });
    expect(intentOf(shop, orderId)).to.have.length(1);
  });

  it('a webhook whose amount or currency does not match its order is not fulfilled, and is counted', async () => {
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
    const { orderId } = await order(shop);
    shop.standIn.failNext('timeout');
    await shop.t.container.worker.drain();
    // An intent for 1 cent naming this order, paid by someone probing the webhook.
    const cheap = (await fetch(`${shop.standIn.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        amount: '1',
        currency: 'usd',
        confirm: 'true',
        payment_method: 'pm_card_visa',
        'metadata[order_id]': orderId,
      }),
    }).then((r) => r.json())) as { id: string };
    const event = shop.standIn.signedEvent('payment_intent.succeeded', {
      id: cheap.id,
      object: 'payment_intent',
      amount: 2_500,
      currency: 'usd',
    });
    expect((await shop.standIn.deliver(event.payload, event.header))!.status).to.equal(200);
    expect(await statusOf(shop, orderId)).to.equal('PENDING');
    expect((await shop.t.container.db('webhook_events').first()).outcome).to.equal('mismatch');
    expect(await metric(shop, 'shop_webhook_failures_total')).to.include(
      'shop_webhook_failures_total{provider="stripe",reason="amount_mismatch"} 1',
    );
  });
});

describe('Stripe: 3-D Secure finished after the reservation expired', function () {
  this.timeout(60_000);
  let shop: Shop;
  before(async () => {
    shop = await stripeShop({ RESERVATION_TTL: '300ms' });
  });
  after(() => shop.close());
  beforeEach(() => shop.t.truncate());
  afterEach(() => expectHealthy(shop));

  async function expireWhileAuthenticating() {
    shop.standIn.webhooksTo(null);
    const placed = await order(shop, 'pm_card_authenticationRequired', 1);
    await shop.t.container.worker.drain();
    await new Promise((r) => setTimeout(r, 400));
    expect(await shop.t.container.sweep()).to.deep.equal({ orders: 1, units: 1 });
    expect(await statusOf(shop, placed.orderId)).to.equal('EXPIRED');
    // Expiry queued a cancel of the intent; the customer finishes 3-D Secure before it runs.
    shop.standIn.authenticate(intentOf(shop, placed.orderId)[0]!.id);
    shop.standIn.webhooksTo(shop.webhookUrl);
    return placed;
  }

  it('re-reserves when the stock is still there: EXPIRED → PAID', async () => {
    const { orderId, productId } = await expireWhileAuthenticating();
    const [intent] = intentOf(shop, orderId);
    const event = shop.standIn.signedEvent('payment_intent.succeeded', { ...intent });
    expect((await shop.standIn.deliver(event.payload, event.header))!.status).to.equal(200);
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'EXPIRED', 'PAID']);
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 0, reserved: 0, sold: 1 });
    // The queued cancel finds the intent paid and leaves it alone.
    await shop.t.container.worker.drain();
    expect(intent!.status).to.equal('succeeded');
  });

  it('refunds when the unit was sold meanwhile: EXPIRED → CANCELLED, the refund through Stripe', async () => {
    const { orderId, productId } = await expireWhileAuthenticating();
    // Someone else buys the last unit.
    const other = await shopperWithCart(shop.t, [{ product_id: productId, quantity: 1 }]);
    await postCheckout(shop.t, other).expect(201);
    const [intent] = intentOf(shop, orderId);
    const event = shop.standIn.signedEvent('payment_intent.succeeded', { ...intent });
    expect((await shop.standIn.deliver(event.payload, event.header))!.status).to.equal(200);
    expect(await historyOf(shop, orderId)).to.deep.equal(['PENDING', 'EXPIRED', 'CANCELLED']);
    await shop.t.container.worker.drain();
    await shop.standIn.settled();
    const refunds = [...shop.standIn.refunds.values()].filter((r) => r.payment_intent === intent!.id);
    expect(refunds).to.have.length(1);
    expect(refunds[0]).to.include({ amount: 2_500, status: 'succeeded' });
    const requests = shop.standIn.requests.filter((r) => r.path === '/v1/refunds');
    expect(requests.map((r) => r.idempotencyKey)).to.deep.equal([`order:${orderId}:refund`]);
    // The other buyer's order was paid by the same drain.
    expect(await stockOf(shop.t, productId)).to.deep.equal({ available: 0, reserved: 0, sold: 1 });
  });

  it('an order cancelled while it waits for 3-D Secure cancels its PaymentIntent', async () => {
    shop.standIn.webhooksTo(null);
    const { orderId, shopper } = await order(shop, 'pm_card_authenticationRequired');
    await shop.t.container.worker.drain();
    await shop.t.request().post(`/orders/${orderId}/cancel`).set(shopper.auth).send({}).expect(200);
    await shop.t.container.worker.drain();
    expect(intentOf(shop, orderId)[0]!.status).to.equal('canceled');
    // The intent as Stripe holds it after the cancel, settled onto the charge row.
    const charge = await shop.t.container.db('payments').where({ order_id: orderId }).first();
    expect(charge).to.include({ state: 'failed', failure_code: 'canceled' });
    expect(
      shop.standIn.requests.filter((r) => r.path.endsWith('/cancel')).map((r) => r.idempotencyKey),
    ).to.deep.equal([`order:${orderId}:cancel`]);
  });
});

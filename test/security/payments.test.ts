import { expect } from 'chai';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { createContainer } from '../../src/container.js';
import type { CallOptions, ChargeRequest } from '../../src/payments/provider.js';
import { createSandboxProvider, type SandboxProvider } from '../../src/payments/sandbox.js';
import { createLogger } from '../../src/shared/logger.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { expectHealthy, historyOf, statusOf } from '../support/orders.js';
import { stockOf } from '../support/stock.js';
import { stripeShop } from '../support/stripe-shop.js';

/**
 * Payments under attack: what a customer, or someone who can make PaymentIntents of their own,
 * sends to make the shop charge, fail, refund or re-ask the provider for an order that is not
 * theirs to settle, and what the shop answers.
 */

async function placeOrder(
  t: TestContext,
  paymentMethod: string,
  product: { stock?: number; price?: number } = {},
) {
  const p = await createProduct(t.container.db, {
    stock: product.stock ?? 5,
    price_cents: product.price ?? 2_500,
  });
  const owner = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
  const res = await postCheckout(t, owner, { payment_method: paymentMethod }).expect(201);
  return { owner, orderId: res.body.order_id as string, productId: p.id };
}

const chargeOf = (t: TestContext, orderId: string) =>
  t.container.db('payments').where({ order_id: orderId, kind: 'charge' }).first();

/** Every request of a burst answered, and what each answered. */
async function burst<T>(n: number, send: () => PromiseLike<T>) {
  const settled = await Promise.allSettled(Array.from({ length: n }, send));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

describe('payments: confirm is answered from PostgreSQL unless the charge still waits', function () {
  this.timeout(60_000);
  let t: TestContext;
  const asked: string[] = [];
  // A card network's latency: a burst of confirms all arrive while the first one's call is out.
  const sandbox = createSandboxProvider({ latencyMs: { min: 300, max: 300 } });
  const provider: SandboxProvider = {
    ...sandbox,
    retrieveCharge: (ref: string, options?: CallOptions) => {
      asked.push(ref);
      return sandbox.retrieveCharge(ref, options);
    },
  };
  before(async () => {
    t = await createTestContext({}, { paymentProvider: provider });
  });
  after(() => t.close());
  beforeEach(async () => {
    await t.truncate();
    asked.length = 0;
  });
  afterEach(() => expectHealthy(t));

  const confirm = (orderId: string, auth: Record<string, string>) =>
    t.request().post(`/orders/${orderId}/payment/confirm`).set(auth);

  it('confirms of a charge not started, paid or declined, repeated or in a burst, never reach the provider', async () => {
    const paid = await placeOrder(t, 'pm_card_visa');
    const declined = await placeOrder(t, 'pm_card_chargeDeclined');
    expect((await confirm(paid.orderId, paid.owner.auth).expect(409)).body.error.code).to.equal('conflict');
    await t.container.worker.drain();
    for (const [{ orderId, owner }, status] of [
      [paid, 'PAID'],
      [declined, 'PAYMENT_FAILED'],
    ] as const) {
      for (let i = 0; i < 3; i++)
        expect((await confirm(orderId, owner.auth).expect(200)).body.status).to.equal(status);
      const answers = await burst(6, () => confirm(orderId, owner.auth));
      expect(answers.map((a) => [a.status, a.body.status])).to.deep.equal(Array(6).fill([200, status]));
    }
    expect(asked).to.deep.equal([]);
  });

  it('a burst of confirms of a 3-D Secure charge asks the provider once and answers alike, before and after authentication', async () => {
    const { orderId, owner, productId } = await placeOrder(t, 'pm_card_authenticationRequired', { stock: 1 });
    await t.container.worker.drain();
    const { provider_ref: ref } = await chargeOf(t, orderId);

    const waiting = await burst(8, () => confirm(orderId, owner.auth));
    expect(waiting.map((a) => [a.status, a.body.status, a.body.payment.state])).to.deep.equal(
      Array(8).fill([200, 'PENDING', 'requires_action']),
    );
    expect(asked).to.deep.equal([ref]);

    sandbox.authenticate(ref);
    const paid = await burst(8, () => confirm(orderId, owner.auth));
    expect(paid.map((a) => [a.status, a.body.status, a.body.payment.state])).to.deep.equal(
      Array(8).fill([200, 'PAID', 'succeeded']),
    );
    expect(asked).to.deep.equal([ref, ref]);
    expect(await historyOf(t, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
    ]);
    expect(await stockOf(t, productId)).to.deep.equal({ available: 0, reserved: 0, sold: 1 });

    // Paid: nothing left to ask.
    await burst(4, () => confirm(orderId, owner.auth));
    expect(asked).to.have.length(2);
  });
});

describe('payments: sandbox charges outlive the process that made them', function () {
  this.timeout(60_000);

  const threeDSecure: ChargeRequest = {
    orderId: '6f1c2a9e-0d4b-4c1e-9a57-3b2f8e1d7c40',
    amountCents: 4_999,
    currency: 'EUR',
    paymentMethod: 'pm_card_authenticationRequired',
    idempotencyKey: 'order:6f1c2a9e-0d4b-4c1e-9a57-3b2f8e1d7c40:charge',
  };

  it("a new sandbox answers for an earlier one's charge: fetched with its terms, cancelled, replayed by key", async () => {
    const earlier = createSandboxProvider();
    const made = await earlier.charge(threeDSecure);
    const later = createSandboxProvider();
    expect(await later.retrieveCharge(made.ref)).to.deep.equal({
      ...made,
      amountCents: 4_999,
      currency: 'EUR',
      orderId: threeDSecure.orderId,
    });
    expect(await later.charge(threeDSecure)).to.deep.equal(made);
    await later.cancelCharge(made.ref, 'order:6f1c2a9e-0d4b-4c1e-9a57-3b2f8e1d7c40:cancel');
    expect(await later.retrieveCharge(made.ref)).to.include({ status: 'failed', failureCode: 'canceled' });
    // The outcome is the key's and the payment method's: every process decides it alike.
    expect(
      await createSandboxProvider().charge({ ...threeDSecure, paymentMethod: 'pm_card_visa' }),
    ).to.include({
      status: 'succeeded',
    });
  });

  it('after a restart, confirm of a 3-D Secure order answers, and the cancel of its charge runs', async () => {
    const t = await createTestContext();
    const restarted = createContainer(t.container.config, { logger: createLogger('silent') });
    try {
      const { orderId, owner, productId } = await placeOrder(t, 'pm_card_authenticationRequired');
      await t.container.worker.drain();
      const api = supertest(createApp(restarted).callback());

      const confirmed = await api.post(`/orders/${orderId}/payment/confirm`).set(owner.auth);
      expect([confirmed.status, confirmed.body.status]).to.deep.equal([200, 'PENDING']);
      await api.post(`/orders/${orderId}/cancel`).set(owner.auth).send({}).expect(200);
      expect(await restarted.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
      expect(await chargeOf(t, orderId)).to.include({ state: 'failed', failure_code: 'canceled' });
      expect(await stockOf(t, productId)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
      await expectHealthy(t);
    } finally {
      await restarted.close();
      await t.close();
    }
  });
});

describe('payments: Stripe refusals and webhooks (against the local stand-in)', function () {
  this.timeout(60_000);
  let shop: Awaited<ReturnType<typeof stripeShop>>;
  let t: TestContext;
  before(async () => {
    shop = await stripeShop();
    t = shop.t;
  });
  after(() => shop.close());
  beforeEach(async () => {
    await t.truncate();
    // Events are delivered by each test, in the order (or burst) it chooses.
    shop.standIn.webhooksTo(shop.webhookUrl, { automatic: false });
  });
  afterEach(() => expectHealthy(t));

  /** POST /v1/payment_intents with a key of the same account, as anyone holding one can. */
  const createIntent = (params: Record<string, string>) =>
    fetch(`${shop.standIn.url}/v1/payment_intents`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_other_app',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params),
    });

  /** An intent of someone else's making that names the order, for its exact total. */
  async function intentNaming(orderId: string, paymentMethod: string) {
    const res = await createIntent({
      amount: '2500',
      currency: 'usd',
      confirm: 'true',
      payment_method: paymentMethod,
      'metadata[order_id]': orderId,
    });
    const body = (await res.json()) as { id?: string; error?: { payment_intent: { id: string } } };
    return { ...shop.standIn.intents.get(body.id ?? body.error!.payment_intent.id)! };
  }

  async function deliver(type: string, object: object) {
    const { payload, header } = shop.standIn.signedEvent(type, { ...object });
    return (await shop.standIn.deliver(payload, header))!;
  }

  const outcomes = async () =>
    (await t.container.db('webhook_events').orderBy('outcome')).map((e) => e.outcome as string);

  async function mismatches() {
    const { values } = await t.container.metrics.registry
      .getSingleMetric('shop_webhook_failures_total')!
      .get();
    return values.find((v) => v.labels.reason === 'charge_mismatch')?.value ?? 0;
  }

  describe("Stripe's invalid requests are answers, not outages", () => {
    it('the stand-in answers an unknown payment method and a too-large amount as Stripe does: 400 invalid_request_error, no intent', async () => {
      const refused = [
        [
          { payment_method: 'pm_doesnotexist' },
          {
            code: 'resource_missing',
            param: 'payment_method',
            message: "No such PaymentMethod: 'pm_doesnotexist'",
          },
        ],
        [{ amount: '100000000' }, { code: 'amount_too_large', param: 'amount' }],
      ] as const;
      for (const [params, error] of refused) {
        const res = await createIntent({
          amount: '2500',
          currency: 'usd',
          confirm: 'true',
          payment_method: 'pm_card_visa',
          ...params,
        });
        expect(res.status).to.equal(400);
        expect(((await res.json()) as { error: object }).error).to.include({
          type: 'invalid_request_error',
          ...error,
        });
      }
      expect(shop.standIn.intents.size).to.equal(0);
    });

    it('a burst of orders paying with a method Stripe does not know: each fails at once with a generic reason, every unit back on sale', async () => {
      const p = await createProduct(t.container.db, { stock: 3, price_cents: 2_500 });
      const shoppers: Awaited<ReturnType<typeof shopperWithCart>>[] = [];
      for (let i = 0; i < 3; i++)
        shoppers.push(await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]));
      const placed = await burst(3, () =>
        postCheckout(t, shoppers.pop()!, { payment_method: 'pm_doesnotexist' }).then((r) => r),
      );
      expect(placed.map((r) => r.status)).to.deep.equal([201, 201, 201]);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 0, reserved: 3, sold: 0 });

      expect(await t.container.worker.drain()).to.deep.equal({ processed: 3, failed: 0 });
      for (const { body } of placed) {
        expect(await statusOf(t, body.order_id)).to.equal('PAYMENT_FAILED');
        expect(await chargeOf(t, body.order_id)).to.include({
          state: 'failed',
          failure_code: 'invalid_request',
        });
        const order = await t.container.db('orders').where({ id: body.order_id }).first();
        expect(order.status_reason).to.equal('invalid_request');
      }
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
      // Asked once each, never again: nothing is left to retry.
      const keys = shop.standIn.requests.map((r) => r.idempotencyKey);
      for (const { body } of placed) {
        expect(keys.filter((k) => k === `order:${body.order_id}:charge`)).to.have.length(1);
      }
      expect(await t.container.db('outbox_events').whereNull('processed_at')).to.deep.equal([]);
    });

    it('an amount Stripe refuses fails the order at once and releases its stock', async () => {
      const { orderId, productId } = await placeOrder(t, 'pm_card_visa', { price: 100_000_000 });
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
      expect(await statusOf(t, orderId)).to.equal('PAYMENT_FAILED');
      expect(await chargeOf(t, orderId)).to.include({ state: 'failed', failure_code: 'invalid_request' });
      expect(await stockOf(t, productId)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    });
  });

  describe('a webhook settles only the charge recorded for its order', () => {
    it('a signed success for another intent naming a waiting order is acknowledged and changes nothing', async () => {
      const victim = await placeOrder(t, 'pm_card_authenticationRequired');
      await t.container.worker.drain();
      const recorded = await chargeOf(t, victim.orderId);
      const before = await mismatches();

      const answer = await deliver(
        'payment_intent.succeeded',
        await intentNaming(victim.orderId, 'pm_card_visa'),
      );
      expect(answer.status).to.equal(200);
      expect(await statusOf(t, victim.orderId)).to.equal('PENDING');
      expect(await chargeOf(t, victim.orderId)).to.include({
        state: 'requires_action',
        provider_ref: recorded.provider_ref,
      });
      expect(await outcomes()).to.deep.equal(['mismatch']);
      expect(await mismatches()).to.equal(before + 1);
      expect(await stockOf(t, victim.productId)).to.deep.equal({ available: 4, reserved: 1, sold: 0 });
    });

    it('a burst of forged successes and failures with the real success: only the real one settles, once', async () => {
      const victim = await placeOrder(t, 'pm_card_authenticationRequired', { stock: 1 });
      await t.container.worker.drain();
      const { provider_ref: ref } = await chargeOf(t, victim.orderId);
      const forged = [];
      for (let i = 0; i < 3; i++) {
        forged.push([
          'payment_intent.succeeded',
          await intentNaming(victim.orderId, 'pm_card_visa'),
        ] as const);
        forged.push([
          'payment_intent.payment_failed',
          await intentNaming(victim.orderId, 'pm_card_chargeDeclined'),
        ] as const);
      }
      shop.standIn.authenticate(ref);
      const events = [...forged, ['payment_intent.succeeded', shop.standIn.intents.get(ref)!] as const];

      const answers = await burst(events.length, () => {
        const [type, intent] = events.shift()!;
        return deliver(type, intent);
      });
      expect(answers.map((a) => a.status)).to.deep.equal(Array(7).fill(200));
      expect(await historyOf(t, victim.orderId)).to.deep.equal([
        [null, 'PENDING'],
        ['PENDING', 'PAID'],
      ]);
      expect(await chargeOf(t, victim.orderId)).to.include({ state: 'succeeded', provider_ref: ref });
      expect(await stockOf(t, victim.productId)).to.deep.equal({ available: 0, reserved: 0, sold: 1 });
      expect(await outcomes()).to.deep.equal([...Array(6).fill('mismatch'), 'paid']);
    });

    it('a refund of another intent naming a paid order does not cancel it', async () => {
      const victim = await placeOrder(t, 'pm_card_visa');
      await t.container.worker.drain();
      expect(await statusOf(t, victim.orderId)).to.equal('PAID');
      const other = await intentNaming(victim.orderId, 'pm_card_visa');
      const refund = shop.standIn.refundInDashboard(other.id);

      expect((await deliver('refund.created', refund)).status).to.equal(200);
      expect(await statusOf(t, victim.orderId)).to.equal('PAID');
      expect(
        await t.container.db('payments').where({ order_id: victim.orderId, kind: 'refund' }),
      ).to.deep.equal([]);
      expect(await stockOf(t, victim.productId)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });
      expect(await outcomes()).to.deep.equal(['mismatch']);
    });

    it("the answer to the order's own charge was lost: the key's replay tells a forged success from the real one", async () => {
      const victim = await placeOrder(t, 'pm_card_visa');
      shop.standIn.failNext('timeout');
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
      const [real] = [...shop.standIn.intents.values()].filter((i) => i.metadata.order_id === victim.orderId);

      const forged = await intentNaming(victim.orderId, 'pm_card_visa');
      expect((await deliver('payment_intent.succeeded', forged)).status).to.equal(200);
      expect(await statusOf(t, victim.orderId)).to.equal('PENDING');

      expect((await deliver('payment_intent.succeeded', real!)).status).to.equal(200);
      expect(await statusOf(t, victim.orderId)).to.equal('PAID');
      expect(await chargeOf(t, victim.orderId)).to.include({ state: 'succeeded', provider_ref: real!.id });
      expect(await outcomes()).to.deep.equal(['mismatch', 'paid']);
    });

    it('an order cancelled while its charge had no answer: the real success is still refunded', async () => {
      const { orderId, owner, productId } = await placeOrder(t, 'pm_card_visa');
      shop.standIn.failNext('timeout');
      await t.container.worker.drain();
      await t.request().post(`/orders/${orderId}/cancel`).set(owner.auth).send({}).expect(200);
      const [real] = [...shop.standIn.intents.values()].filter((i) => i.metadata.order_id === orderId);

      expect((await deliver('payment_intent.succeeded', real!)).status).to.equal(200);
      expect(await outcomes()).to.deep.equal(['refunded_cancelled']);
      await t.container.worker.drain();
      const refunds = [...shop.standIn.refunds.values()].filter((r) => r.payment_intent === real!.id);
      expect(refunds.map((r) => [r.amount, r.status])).to.deep.equal([[2_500, 'succeeded']]);
      expect(await stockOf(t, productId)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    });
  });
});

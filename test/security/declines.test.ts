import { expect } from 'chai';
import type { ChargeResult } from '../../src/payments/provider.js';
import { createSandboxProvider } from '../../src/payments/sandbox.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

/** Decline codes that name the check that caught a card (Stripe: show them as a plain decline). */
const FRAUD_CODES = [
  'fraudulent',
  'stolen_card',
  'lost_card',
  'pickup_card',
  'restricted_card',
  'merchant_blacklist',
  'security_violation',
];

/**
 * Review finding 5: a fraud decline code told the buyer which check caught their card through
 * the order's status_reason and status history, though payment.failure_code was masked.
 */
describe('security: fraud decline codes never reach the buyer', function () {
  this.timeout(60_000);
  let t: TestContext;
  let admin: Awaited<ReturnType<typeof createUser>>;
  // The card network's answer for the next declined card: the sandbox knows only a few codes.
  let declineWith = 'card_declined';

  before(async () => {
    const sandbox = createSandboxProvider();
    const coded = <T extends ChargeResult>(result: T): T =>
      result.status === 'failed' ? { ...result, failureCode: declineWith } : result;
    t = await createTestContext(
      {},
      {
        paymentProvider: {
          ...sandbox,
          charge: async (request, options) => coded(await sandbox.charge(request, options)),
          retrieveCharge: async (ref, options) => coded(await sandbox.retrieveCharge(ref, options)),
        },
      },
    );
    admin = await createUser(t.container, 'admin');
  });
  after(() => t.close());

  async function declinedOrder(code: string) {
    declineWith = code;
    const p = await createProduct(t.container.db, { stock: 5 });
    const buyer = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    const res = await postCheckout(t, buyer, { payment_method: 'pm_card_chargeDeclined' }).expect(201);
    await t.container.worker.drain();
    await t.container.relay!.drain();
    return { buyer, orderId: res.body.order_id as string };
  }

  for (const code of FRAUD_CODES) {
    it(`${code}: the buyer reads card_declined in every field; admins read ${code}`, async () => {
      const { buyer, orderId } = await declinedOrder(code);

      const view = (await t.request().get(`/orders/${orderId}`).set(buyer.auth).expect(200)).body;
      expect(view.status).to.equal('PAYMENT_FAILED');
      expect(view.status_reason).to.equal('card_declined');
      expect(view.status_history.at(-1)).to.include({ to: 'PAYMENT_FAILED', reason: 'card_declined' });
      expect(view.payment.failure_code).to.equal('card_declined');
      const confirmed = await t
        .request()
        .post(`/orders/${orderId}/payment/confirm`)
        .set(buyer.auth)
        .expect(200);
      const listed = await t.request().get('/orders').set(buyer.auth).expect(200);
      const told = await t.request().get('/notifications').set(buyer.auth).expect(200);
      expect(told.body.notifications.map((n: { kind: string }) => n.kind)).to.include('order.payment_failed');
      for (const [what, body] of Object.entries({
        view,
        confirmed: confirmed.body,
        listed: listed.body,
        told: told.body,
      }))
        expect(JSON.stringify(body), what).to.not.include(code);

      const staff = (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200)).body;
      expect(staff.status_reason).to.equal(code);
      expect(staff.status_history.at(-1).reason).to.equal(code);
      expect(staff.payment.failure_code).to.equal(code);
    });
  }

  it('a decline the buyer can act on (insufficient_funds) is still shown as it is', async () => {
    const { buyer, orderId } = await declinedOrder('insufficient_funds');
    const view = (await t.request().get(`/orders/${orderId}`).set(buyer.auth).expect(200)).body;
    expect(view).to.include({ status_reason: 'insufficient_funds' });
    expect(view.status_history.at(-1).reason).to.equal('insufficient_funds');
    expect(view.payment.failure_code).to.equal('insufficient_funds');
  });

  it('shopctl, an operator tool, shows the real code', async () => {
    const { orderId } = await declinedOrder('stolen_card');
    const [json, human] = await Promise.all([
      shopctl(t, ['orders', 'show', orderId, '--json']),
      shopctl(t, ['orders', 'show', orderId]),
    ]);
    expect(json.code, json.stderr).to.equal(0);
    expect(json.json()).to.include({ status: 'PAYMENT_FAILED', status_reason: 'stolen_card' });
    expect(json.json().payment.failure_code).to.equal('stolen_card');
    expect(human.stdout).to.contain('PAYMENT_FAILED (stolen_card)');
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type PaymentProvider, ProviderUnavailable } from '../../src/payments/provider.js';
import { createSandboxProvider, type SandboxFault } from '../../src/payments/sandbox.js';
import { createStripeProvider } from '../../src/payments/stripe.js';
import { type StripeStandIn, startStripeStandIn } from '../support/stripe-stand-in.js';

/** What the contract needs beyond the interface: a lost answer, and the customer's 3-D Secure. */
interface Harness {
  provider: PaymentProvider;
  loseNextAnswer(): void;
  authenticate(ref: string): void;
  /** Charges the provider holds (a retried key must not add one). */
  chargeCount(): number;
  close(): Promise<void>;
}

const request = (paymentMethod: string, key = `order:${randomUUID()}:charge`) => ({
  orderId: randomUUID(),
  amountCents: 4_999,
  currency: 'USD',
  paymentMethod,
  idempotencyKey: key,
});

const harnesses: Record<string, () => Promise<Harness>> = {
  sandbox: async () => {
    const faults: SandboxFault[] = [];
    const sandbox = createSandboxProvider({ fault: () => faults.shift() });
    return {
      provider: sandbox,
      loseNextAnswer: () => faults.push('timeout'),
      authenticate: (ref) => sandbox.authenticate(ref),
      chargeCount: () => sandbox.charges.size,
      close: async () => undefined,
    };
  },
  stripe: async () => {
    const standIn: StripeStandIn = await startStripeStandIn({ webhookSecret: 'whsec_contract' });
    const provider = createStripeProvider(
      { secretKey: 'sk_test_contract', webhookSecret: 'whsec_contract', apiBase: standIn.url },
      2_000,
    );
    return {
      provider,
      loseNextAnswer: () => standIn.failNext('timeout'),
      authenticate: (ref) => standIn.authenticate(ref),
      chargeCount: () => standIn.intents.size,
      close: () => standIn.close(),
    };
  },
};

for (const [name, make] of Object.entries(harnesses)) {
  describe(`payment provider contract: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await make();
    });
    after(() => h.close());

    it('a good card is charged: succeeded, with a reference the charge can be fetched by', async () => {
      const req = request('pm_card_visa');
      const result = await h.provider.charge(req);
      expect(result.status).to.equal('succeeded');
      expect(result.ref).to.be.a('string').and.not.equal('');
      const state = await h.provider.retrieveCharge(result.ref);
      expect(state).to.include({
        status: 'succeeded',
        amountCents: 4_999,
        currency: 'USD',
        orderId: req.orderId,
      });
    });

    it('declines keep their code', async () => {
      for (const [card, code] of [
        ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
        ['pm_card_chargeDeclinedLostCard', 'lost_card'],
      ] as const) {
        const result = await h.provider.charge(request(card));
        expect(result).to.include({ status: 'failed', failureCode: code });
      }
    });

    it('a card that needs 3-D Secure waits for the customer, then succeeds once authenticated', async () => {
      const result = await h.provider.charge(request('pm_card_authenticationRequired'));
      expect(result.status).to.equal('requires_action');
      expect(result.nextAction).to.have.property('client_secret').that.is.a('string');
      expect((await h.provider.retrieveCharge(result.ref)).status).to.equal('requires_action');
      h.authenticate(result.ref);
      expect((await h.provider.retrieveCharge(result.ref)).status).to.equal('succeeded');
    });

    it('a waiting charge can be cancelled; it never succeeds after that', async () => {
      const result = await h.provider.charge(request('pm_card_authenticationRequired'));
      await h.provider.cancelCharge(result.ref, `cancel:${result.ref}`);
      expect((await h.provider.retrieveCharge(result.ref)).status).to.equal('failed');
    });

    it('refunds a charge, idempotently by key', async () => {
      const charged = await h.provider.charge(request('pm_card_visa'));
      const refundRequest = {
        chargeRef: charged.ref,
        amountCents: 4_999,
        idempotencyKey: `refund:${charged.ref}`,
      };
      const refund = await h.provider.refund(refundRequest);
      expect(await h.provider.refund(refundRequest)).to.deep.equal(refund);
      expect(await h.provider.retrieveRefund(refund.ref)).to.include({
        chargeRef: charged.ref,
        amountCents: 4_999,
        currency: 'USD',
        status: 'succeeded',
      });
    });

    it('a retry with the same key is the same charge', async () => {
      const before = h.chargeCount();
      const req = request('pm_card_visa');
      const first = await h.provider.charge(req);
      const again = await h.provider.charge(req);
      expect(again).to.deep.equal(first);
      expect(h.chargeCount()).to.equal(before + 1);
    });

    it('an answer lost on the way times out; the retry finds the charge made, not a second one', async () => {
      const before = h.chargeCount();
      const req = request('pm_card_visa');
      h.loseNextAnswer();
      const err = await h.provider.charge(req, { signal: AbortSignal.timeout(150) }).catch((e) => e);
      expect(err).to.be.instanceOf(ProviderUnavailable).and.include({ reason: 'timeout' });
      const retried = await h.provider.charge(req);
      expect(retried.status).to.equal('succeeded');
      expect(h.chargeCount()).to.equal(before + 1);
    });
  });
}

import { expect } from 'chai';
import { ProviderUnavailable } from '../../src/payments/provider.js';
import { createSandboxProvider } from '../../src/payments/sandbox.js';

const request = (paymentMethod: string, key = `k-${paymentMethod}`) => ({
  orderId: 'o1',
  amountCents: 1000,
  currency: 'USD',
  paymentMethod,
  idempotencyKey: key,
});

describe('sandbox payment provider', () => {
  it("answers Stripe's test cards: a capture, declines by code, and a required action", async () => {
    const sandbox = createSandboxProvider();
    expect(await sandbox.charge(request('pm_card_visa'))).to.include({ status: 'succeeded' });
    expect(await sandbox.charge(request('pm_card_chargeDeclinedInsufficientFunds'))).to.include({
      status: 'failed',
      failureCode: 'insufficient_funds',
    });
    const action = await sandbox.charge(request('pm_card_authenticationRequired'));
    expect(action.status).to.equal('requires_action');
    expect(action.nextAction).to.have.property('client_secret');
    expect(await sandbox.charge(request('pm_nonsense'))).to.include({
      failureCode: 'invalid_payment_method',
    });
  });

  it('replays a key: the same answer and no second charge', async () => {
    const sandbox = createSandboxProvider();
    const first = await sandbox.charge(request('pm_card_visa', 'order:1:charge'));
    const again = await sandbox.charge(request('pm_card_visa', 'order:1:charge'));
    expect(again).to.deep.equal(first);
    expect(sandbox.charges.size).to.equal(1);
    expect(sandbox.charges.get('order:1:charge')!.calls).to.equal(2);
  });

  it('a 500 charges nothing; a timeout charges, then never answers until the caller gives up', async () => {
    const faults = ['server_error', 'timeout'] as const;
    let n = 0;
    const sandbox = createSandboxProvider({ fault: () => faults[n++] });
    const err = await sandbox.charge(request('pm_card_visa', 'a')).catch((e) => e);
    expect(err).to.be.instanceOf(ProviderUnavailable).and.include({ reason: 'server_error' });
    expect(sandbox.charges.has('a')).to.equal(false);

    const lost = await sandbox
      .charge(request('pm_card_visa', 'b'), { signal: AbortSignal.timeout(20) })
      .catch((e) => e);
    expect(lost).to.be.instanceOf(ProviderUnavailable).and.include({ reason: 'timeout' });
    expect(sandbox.charges.get('b')!.result.status).to.equal('succeeded');
  });

  it('draws faults from the configured rates', async () => {
    // Each call draws its latency, then its fault: 0.05 < 10% is a 500, 0.15 < 10% + 10% a timeout.
    const rolls = [0, 0.05, 0, 0.15, 0, 0.5];
    const sandbox = createSandboxProvider({
      serverErrorRate: 0.1,
      timeoutRate: 0.1,
      random: () => rolls.shift()!,
    });
    const outcomes = [];
    for (const key of ['x', 'y', 'z']) {
      outcomes.push(
        await sandbox.charge(request('pm_card_visa', key), { signal: AbortSignal.timeout(20) }).then(
          (r) => r.status,
          (e: ProviderUnavailable) => e.reason,
        ),
      );
    }
    expect(outcomes).to.deep.equal(['server_error', 'timeout', 'succeeded']);
  });
});

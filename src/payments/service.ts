import pLimit from 'p-limit';
import type { Db } from '../db/index.js';
import type { CancelInput, SettlementOutcome } from '../orders/index.js';
import { awaitsPayment, cancelledByRefund, canTransition, findOrder, latestCharge } from '../orders/index.js';
import { completeEvents, enqueue } from '../outbox/index.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { createChargeMatcher } from './matching.js';
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  ProviderUnavailable,
} from './provider.js';
import {
  cancelKey,
  paymentRecord,
  recordRefund,
  refundKey,
  refundState,
  refundTotals,
  requeueCharge,
  startCharges,
  waitingChargeRef,
} from './queries.js';

export { chargeKey, refundKey } from './queries.js';

export type PaymentService = ReturnType<typeof createPaymentService>;

export interface PaymentOptions {
  /** Provider calls in flight at once in this process. */
  concurrency: number;
  /** A call with no answer by then is abandoned and retried later with the same key. */
  timeoutMs: number;
}

/** A provider's answer for an order's charge, as settlement takes it. */
export interface ChargeInput {
  kind: 'charge';
  orderId: string;
  result: ChargeResult;
}

/**
 * Where payments hands a charge's answer (or a refund's cancel): settlement, which decides what it
 * does to the order and writes the charge rows through `recordChargeResults`, so it sits above
 * payments and the container hands it in.
 */
export interface ChargeSettlement {
  settle(input: ChargeInput | CancelInput): Promise<SettlementOutcome>;
}

export function createPaymentService({
  db,
  provider,
  settlement,
  metrics,
  logger,
  options,
}: {
  db: Db;
  provider: PaymentProvider;
  settlement: ChargeSettlement;
  metrics: Metrics;
  logger: Logger;
  options: PaymentOptions;
}) {
  const limit = pLimit(options.concurrency);

  /** One provider call, outside any transaction: no database connection waits on the network. */
  async function callProvider<T>(kind: 'charge' | 'refund', call: (signal: AbortSignal) => Promise<T>) {
    return limit(async () => {
      const stop = metrics.providerCall.startTimer({ provider: provider.name, kind });
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const answer = await call(signal);
        stop({ outcome: 'answered' });
        return answer;
      } catch (err) {
        const unavailable =
          err instanceof ProviderUnavailable
            ? err
            : signal.aborted
              ? new ProviderUnavailable(
                  `${provider.name}: no answer within ${options.timeoutMs} ms`,
                  'timeout',
                )
              : null;
        stop({ outcome: unavailable?.reason ?? 'error' });
        if (unavailable) metrics.paymentRetries.inc({ reason: unavailable.reason });
        throw unavailable ?? err;
      }
    });
  }

  const { orderOfCharge } = createChargeMatcher({ db, provider, callProvider, metrics, logger });

  async function charge(attempt: ChargeRequest): Promise<SettlementOutcome> {
    metrics.paymentsAttempted.inc();
    const result: ChargeResult = await callProvider('charge', (signal) =>
      provider.charge(attempt, { signal }),
    );
    if (result.status === 'failed') metrics.paymentsFailed.inc({ code: result.failureCode ?? 'unknown' });
    return settlement.settle({ kind: 'charge', orderId: attempt.orderId, result });
  }

  /**
   * Charges orders: the attempts of all of them recorded in one statement, the provider called for
   * each (bounded concurrency, a timeout per call), each result settled in the next settlement
   * batch. Answers one promise per order, settling as that order does: its outcome, or the error
   * that leaves it to be retried (same key).
   */
  function chargeOrders(orderIds: string[]): Promise<SettlementOutcome | Error>[] {
    const started = startCharges(db, provider.name, orderIds).then(
      (list) => new Map(list.map((a) => [a.orderId, a])),
    );
    return orderIds.map(async (id): Promise<SettlementOutcome | Error> => {
      try {
        const attempt = (await started).get(id);
        if (!attempt) return 'ignored';
        return await charge(attempt);
      } catch (err) {
        if (!(err instanceof ProviderUnavailable)) logger.error({ err, order: id }, 'charge failed');
        return err as Error;
      }
    });
  }

  /** Re-fetches a charge and settles what it says (a webhook, a customer back from 3-D Secure). */
  async function syncCharge(ref: string, source: string): Promise<SettlementOutcome | 'mismatch'> {
    const state = await callProvider('charge', (signal) => provider.retrieveCharge(ref, { signal }));
    const order = await orderOfCharge(state, source);
    if (!order) return 'mismatch';
    return settlement.settle({ kind: 'charge', orderId: order.id, result: state });
  }

  /** Confirms of one charge in flight in this process: a burst shares one provider call and its settlement. */
  const confirming = new Map<string, Promise<SettlementOutcome | 'mismatch'>>();
  function confirmCharge(ref: string) {
    let running = confirming.get(ref);
    if (!running) {
      running = syncCharge(ref, 'confirm').finally(() => confirming.delete(ref));
      confirming.set(ref, running);
    }
    return running;
  }

  /**
   * A refund seen at the provider (ours, or one made in its dashboard): recorded once, its state
   * kept current. A failed one is tried again; refunds that return a paid order's whole total
   * cancel the order (restocked). Its charge is settled first, as a refund can arrive before the
   * success it undoes.
   */
  async function syncRefund(ref: string): Promise<SettlementOutcome | 'mismatch' | 'recorded' | 'retried'> {
    const refund = await callProvider('refund', (signal) => provider.retrieveRefund(ref, { signal }));
    if (!refund.chargeRef) {
      metrics.webhookFailures.inc({ provider: provider.name, reason: 'unknown_order' });
      logger.error({ ref }, 'a refund names no charge');
      return 'mismatch';
    }
    // The refund's charge says whose it is (its own reference may not be recorded yet: a lost answer).
    const charge = await callProvider('charge', (signal) =>
      provider.retrieveCharge(refund.chargeRef, { signal }),
    );
    const charged = await orderOfCharge(charge, 'refund');
    if (!charged || refund.currency.toUpperCase() !== charged.currency.toUpperCase()) return 'mismatch';
    const state = refundState(refund.status);
    await recordRefund(db, {
      orderId: charged.id,
      provider: provider.name,
      ref: refund.ref,
      state,
      amountCents: refund.amountCents,
      key: `refund:${refund.ref}`,
    });
    if (state === 'failed') {
      metrics.webhookFailures.inc({ provider: provider.name, reason: 'refund_failed' });
      logger.error({ ref, order: charged.id }, 'a refund failed at the provider; trying again');
      await db.transaction((trx) => enqueue(trx, [{ topic: 'payment.refund', aggregate_id: charged.id }]));
      return 'retried';
    }
    if (state !== 'succeeded') return 'recorded';
    if (canTransition(charged.status, 'PAID')) {
      await settlement.settle({ kind: 'charge', orderId: charged.id, result: charge });
    }
    const order = await findOrder(db, charged.id);
    const { refunded } = await refundTotals(db, charged.id);
    if (order && cancelledByRefund(order.status) && refunded >= order.total_cents) {
      return settlement.settle({
        kind: 'cancel',
        orderId: order.id,
        actor: { userId: provider.name, role: 'admin' },
        reason: 'refunded at the payment provider',
      });
    }
    return 'recorded';
  }

  return {
    chargeOrders,
    syncCharge,
    syncRefund,

    /**
     * The customer is back from authenticating (3-D Secure): a charge still waiting is re-fetched
     * and settled now rather than at the webhook. Any other is answered from what is recorded: its
     * answer is final, and asking the provider again would spend the read budget webhooks and
     * cancels share. Only the order's owner may ask.
     */
    async confirmPayment(orderId: string, userId: string): Promise<SettlementOutcome | 'mismatch'> {
      const order = await findOrder(db, orderId);
      if (!order || order.user_id !== userId)
        throw new DomainError('not_found', 'Order not found', { order_id: orderId });
      const charge = await latestCharge(db, orderId);
      if (!charge || (charge.state === 'pending' && !charge.provider_ref)) {
        throw new DomainError('conflict', 'The payment of this order has not started yet', {
          order_id: orderId,
        });
      }
      const waiting = waitingChargeRef(charge);
      if (!waiting) return 'ignored';
      try {
        return await confirmCharge(waiting);
      } catch (err) {
        if (err instanceof ProviderUnavailable) {
          throw new DomainError(
            'service_unavailable',
            'The payment provider did not answer; try again shortly',
            {
              order_id: orderId,
            },
          );
        }
        throw err;
      }
    },

    /** On-call's view of an order's money (shopctl payments show). */
    async show(orderId: string) {
      const order = await findOrder(db, orderId);
      if (!order) throw new DomainError('not_found', 'Order not found', { order_id: orderId });
      return {
        order_id: order.id,
        status: order.status,
        total_cents: order.total_cents,
        currency: order.currency,
        ...(await paymentRecord(db, orderId)),
      };
    },

    /**
     * Charges a PENDING order again now (same idempotency key: never a second charge), after a
     * parked job or a provider outage; answers what the charge came to.
     */
    async retry(orderId: string): Promise<SettlementOutcome> {
      const order = await findOrder(db, orderId);
      if (!order) throw new DomainError('not_found', 'Order not found', { order_id: orderId });
      if (!awaitsPayment(order.status)) {
        throw new DomainError(
          'invalid_transition',
          `Order is ${order.status}: only a PENDING order's payment can be retried`,
          {
            order_id: orderId,
            status: order.status,
          },
        );
      }
      const charge = await latestCharge(db, orderId);
      if (charge && charge.state !== 'pending') {
        throw new DomainError(
          'conflict',
          `The charge is ${charge.state}: the provider answered, there is nothing to retry`,
          {
            order_id: orderId,
            state: charge.state,
          },
        );
      }
      const outcome = await chargeOrders([orderId])[0]!;
      if (outcome instanceof Error) {
        // Left to the worker: its job runs again now-ish, with fresh attempts.
        await requeueCharge(db, orderId);
        throw new DomainError(
          'service_unavailable',
          `The provider did not answer (${outcome.message}); the job retries it`,
          {
            order_id: orderId,
          },
        );
      }
      // Done by hand: the job that was waiting or parked for it is done too.
      await completeEvents(db, 'payment.requested', orderId);
      return outcome;
    },

    /** Cancels the provider's side of a charge left waiting by a cancelled or expired order. */
    async processChargeCancel(orderId: string): Promise<'canceled' | 'nothing_to_cancel'> {
      const waiting = waitingChargeRef(await latestCharge(db, orderId));
      if (!waiting) return 'nothing_to_cancel';
      await callProvider('charge', (signal) =>
        provider.cancelCharge(waiting, cancelKey(orderId), { signal }),
      );
      // What the provider holds now settles, not what was asked: the customer may have paid in
      // the meantime (then the late-payment rules or a refund apply).
      await syncCharge(waiting, 'cancel');
      return 'canceled';
    },

    /** Refunds the order's successful charge once (provider idempotency key + unique payments row). */
    async processRefund(orderId: string): Promise<'refunded' | 'nothing_to_refund'> {
      const charged = await db('payments')
        .where({ order_id: orderId, kind: 'charge', state: 'succeeded' })
        .first();
      if (!charged) return 'nothing_to_refund';
      // What is already on its way back (refunds made here or in the provider's dashboard): only
      // the rest is refunded, so a partial refund there never blocks the real one.
      const { refunded, failed } = await refundTotals(db, orderId);
      const remaining = charged.amount_cents - refunded;
      if (remaining <= 0) return 'refunded';
      // A refund that failed at the provider is tried again under a key of its own.
      const key = failed ? `${refundKey(orderId)}:${failed}` : refundKey(orderId);
      const refund = await callProvider('refund', (signal) =>
        provider.refund(
          { chargeRef: charged.provider_ref, amountCents: remaining, idempotencyKey: key },
          { signal },
        ),
      );
      await recordRefund(db, {
        orderId,
        provider: provider.name,
        ref: refund.ref,
        state: refundState(refund.status ?? 'succeeded'),
        amountCents: remaining,
        key,
      });
      return 'refunded';
    },
  };
}

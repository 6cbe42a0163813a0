import pLimit from 'p-limit';
import type { Db } from '../db/index.js';
import type { SettlementOutcome } from '../settlement/plan.js';
import type { SettlementService } from '../settlement/service.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  ProviderUnavailable,
} from './provider.js';
import { refundKey, startCharges } from './queries.js';

export { chargeKey, refundKey } from './queries.js';

export type PaymentService = ReturnType<typeof createPaymentService>;

export interface PaymentOptions {
  /** Provider calls in flight at once in this process. */
  concurrency: number;
  /** A call with no answer by then is abandoned and retried later with the same key. */
  timeoutMs: number;
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
  settlement: SettlementService;
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

  return {
    chargeOrders,

    /** Records one order's charge attempt (the first step of chargeOrders); null when there is nothing to charge. */
    startCharge: async (orderId: string) => (await startCharges(db, provider.name, [orderId]))[0] ?? null,

    /** One order's charge, start to settlement (shopctl, tests); rejects when the provider could not answer. */
    async processCharge(orderId: string): Promise<SettlementOutcome> {
      const outcome = await chargeOrders([orderId])[0]!;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },

    /** Applies a provider's answer that arrived on its own (a webhook, a re-fetch), batched as the worker's are. */
    completeCharge: (orderId: string, result: ChargeResult) =>
      settlement.settle({ kind: 'charge', orderId, result }),

    /** Refunds the order's successful charge once (provider idempotency key + unique payments row). */
    async processRefund(orderId: string): Promise<'refunded' | 'nothing_to_refund'> {
      const charged = await db('payments')
        .where({ order_id: orderId, kind: 'charge', state: 'succeeded' })
        .first();
      if (!charged) return 'nothing_to_refund';
      const done = await db('payments')
        .where({ idempotency_key: refundKey(orderId) })
        .first();
      if (done) return 'refunded';
      const refund = await callProvider('refund', (signal) =>
        provider.refund(
          {
            chargeRef: charged.provider_ref,
            amountCents: charged.amount_cents,
            idempotencyKey: refundKey(orderId),
          },
          { signal },
        ),
      );
      await db('payments')
        .insert({
          order_id: orderId,
          provider: provider.name,
          provider_ref: refund.ref,
          kind: 'refund',
          state: 'succeeded',
          amount_cents: charged.amount_cents,
          idempotency_key: refundKey(orderId),
        })
        .onConflict('idempotency_key')
        .ignore();
      return 'refunded';
    },
  };
}

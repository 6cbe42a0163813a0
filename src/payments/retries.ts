import type { RetryPolicy } from '../outbox/index.js';
import { type BatchHandler, eachEvent } from '../outbox/index.js';
import type { PaymentOptions, PaymentService } from './service.js';

/**
 * A payment job that fails (mostly a provider that gave no answer: timeout, outage, rate limit) runs again
 * after 2, 4, 8 … seconds, at most 5 minutes apart, always with the same idempotency key, so a
 * retried charge is never a second charge. After 10 attempts it is parked for on-call
 * (`shopctl payments retry <order>` charges it again and makes the job due now).
 */
export const PAYMENT_RETRY: RetryPolicy = {
  maxAttempts: 10,
  delaySeconds: (attempts) => Math.min(2 ** attempts, 300),
};

/**
 * What the outbox worker runs for payments: a handler per payment topic, how far ahead it claims,
 * and how failures are retried. Charges are handled a claimed set at a time (one statement records
 * all their attempts); refunds and provider-side cancels one by one.
 */
export function paymentJobs(payments: PaymentService, options: PaymentOptions) {
  const handlers: Record<string, BatchHandler> = {
    'payment.requested': (events) => payments.chargeOrders(events.map((e) => e.aggregate_id)),
    'payment.refund': eachEvent((e) => payments.processRefund(e.aggregate_id)),
    'payment.cancel': eachEvent((e) => payments.processChargeCancel(e.aggregate_id)),
  };
  return {
    handlers,
    // Every claimed charge is a provider call in flight: the claim stops where the calls would queue.
    maxInFlight: options.concurrency,
    retry: PAYMENT_RETRY,
  };
}

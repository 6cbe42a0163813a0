import type { CatalogService } from '../catalog/service.js';
import type { Db } from '../db/index.js';
import { confirmReservations, releaseReservations, reReserveAndSell } from '../inventory/reservations.js';
import { lockOrder } from '../orders/queries.js';
import { recordTransitions } from '../orders/state-machine.js';
import { enqueue } from '../outbox/outbox.js';
import type { Metrics } from '../shared/metrics.js';
import type { ChargeResult, PaymentProvider } from './provider.js';

export type PaymentService = ReturnType<typeof createPaymentService>;

const ACTOR = 'payments';
export const chargeKey = (orderId: string) => `order:${orderId}:charge`;
export const refundKey = (orderId: string) => `order:${orderId}:refund`;

export type ChargeOutcome =
  | 'paid'
  | 'payment_failed'
  | 'requires_action'
  | 'late_paid'
  | 'late_refunded'
  | 'refunded_cancelled'
  | 'ignored';

export function createPaymentService({
  db,
  provider,
  catalog,
  metrics,
}: {
  db: Db;
  provider: PaymentProvider;
  catalog: CatalogService;
  metrics: Metrics;
}) {
  /**
   * Step 1: record the attempt (once per order) if the order is still waiting for payment.
   * Returns null when there is nothing to charge (cancelled or expired before payment began).
   */
  async function startCharge(orderId: string) {
    return db.transaction(async (trx) => {
      const order = await lockOrder(trx, orderId);
      if (!order) return null;
      const existing = await trx('payments').where({ order_id: orderId, kind: 'charge' }).first();
      if (!existing && order.status !== 'PENDING') return null;
      if (existing && existing.state !== 'pending') return null;
      if (!existing) {
        await trx('payments').insert({
          order_id: orderId,
          provider: provider.name,
          kind: 'charge',
          state: 'pending',
          amount_cents: order.total_cents,
          idempotency_key: chargeKey(orderId),
        });
      }
      return {
        orderId,
        amountCents: order.total_cents,
        currency: order.currency,
        paymentMethod: order.payment_method,
        idempotencyKey: chargeKey(orderId),
      };
    });
  }

  /**
   * Step 3: apply what the provider said, under the order lock. A success on an order that expired
   * meanwhile re-reserves if stock allows, else refunds and cancels; never oversells.
   */
  async function completeCharge(orderId: string, result: ChargeResult): Promise<ChargeOutcome> {
    const outcome = await db.transaction(
      async (trx): Promise<{ outcome: ChargeOutcome; products: number[] }> => {
        const order = await lockOrder(trx, orderId);
        if (!order) return { outcome: 'ignored', products: [] };
        // A capture is final. Results are redelivered and can arrive out of order (webhook
        // retries): a stale decline must not overwrite it, or a later cancel finds no succeeded
        // charge and refunds nothing.
        const charge = await trx('payments').where({ order_id: orderId, kind: 'charge' }).first('state');
        if (charge?.state === 'succeeded' && result.status !== 'succeeded') {
          return { outcome: 'ignored', products: [] };
        }
        const state = result.status === 'requires_action' ? 'requires_action' : result.status;
        await trx('payments')
          .where({ order_id: orderId, kind: 'charge' })
          .update({
            state,
            provider_ref: result.ref,
            failure_code: result.failureCode ?? null,
            next_action: result.nextAction ? JSON.stringify(result.nextAction) : null,
            updated_at: trx.fn.now(),
          });

        if (result.status === 'requires_action') return { outcome: 'requires_action', products: [] };
        if (result.status === 'failed') {
          if (order.status !== 'PENDING') return { outcome: 'ignored', products: [] };
          const released = await releaseReservations(
            trx,
            [orderId],
            `payment declined: ${result.failureCode}`,
            ACTOR,
          );
          await recordTransitions(
            trx,
            [{ orderId, from: 'PENDING', to: 'PAYMENT_FAILED', reason: result.failureCode ?? 'declined' }],
            ACTOR,
          );
          return { outcome: 'payment_failed', products: released.map((r) => r.product_id) };
        }

        switch (order.status) {
          case 'PENDING': {
            const sold = await confirmReservations(trx, [orderId], ACTOR);
            await recordTransitions(
              trx,
              [{ orderId, from: 'PENDING', to: 'PAID', reason: 'payment captured' }],
              ACTOR,
            );
            return { outcome: 'paid', products: sold.map((r) => r.product_id) };
          }
          case 'EXPIRED': {
            if (await reReserveAndSell(trx, orderId, ACTOR)) {
              await recordTransitions(
                trx,
                [{ orderId, from: 'EXPIRED', to: 'PAID', reason: 'late payment; stock re-reserved' }],
                ACTOR,
              );
              return { outcome: 'late_paid', products: [] };
            }
            await recordTransitions(
              trx,
              [{ orderId, from: 'EXPIRED', to: 'CANCELLED', reason: 'late payment; out of stock, refunded' }],
              ACTOR,
            );
            await enqueue(trx, [
              {
                topic: 'payment.refund',
                aggregate_id: orderId,
                payload: { reason: 'late payment, out of stock' },
              },
            ]);
            return { outcome: 'late_refunded', products: [] };
          }
          case 'PAYMENT_FAILED':
          case 'CANCELLED': {
            // Declined before (a retried payment now succeeded) or cancelled while the charge was
            // in flight: the order is final, so the money goes back.
            await enqueue(trx, [
              {
                topic: 'payment.refund',
                aggregate_id: orderId,
                payload: {
                  reason:
                    order.status === 'CANCELLED'
                      ? 'cancelled during payment'
                      : 'paid after the payment failed',
                },
              },
            ]);
            return { outcome: 'refunded_cancelled', products: [] };
          }
          default:
            return { outcome: 'ignored', products: [] };
        }
      },
    );
    await catalog.invalidateProducts(outcome.products);
    return outcome.outcome;
  }

  return {
    startCharge,
    completeCharge,

    /** The worker's whole job for one payment.requested event. */
    async processCharge(orderId: string): Promise<ChargeOutcome> {
      const attempt = await startCharge(orderId);
      if (!attempt) return 'ignored';
      metrics.paymentsAttempted.inc();
      const result = await provider.charge(attempt);
      if (result.status === 'failed') metrics.paymentsFailed.inc({ code: result.failureCode ?? 'unknown' });
      return completeCharge(orderId, result);
    },

    /** Refunds the order's successful charge once (provider idempotency key + unique payments row). */
    async processRefund(orderId: string): Promise<'refunded' | 'nothing_to_refund'> {
      const charge = await db('payments')
        .where({ order_id: orderId, kind: 'charge', state: 'succeeded' })
        .first();
      if (!charge) return 'nothing_to_refund';
      const done = await db('payments')
        .where({ idempotency_key: refundKey(orderId) })
        .first();
      if (done) return 'refunded';
      const refund = await provider.refund({
        chargeRef: charge.provider_ref,
        amountCents: charge.amount_cents,
        idempotencyKey: refundKey(orderId),
      });
      await db('payments')
        .insert({
          order_id: orderId,
          provider: provider.name,
          provider_ref: refund.ref,
          kind: 'refund',
          state: 'succeeded',
          amount_cents: charge.amount_cents,
          idempotency_key: refundKey(orderId),
        })
        .onConflict('idempotency_key')
        .ignore();
      return 'refunded';
    },
  };
}

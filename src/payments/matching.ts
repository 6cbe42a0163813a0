import type { Db } from '../db/index.js';
import { findOrder, latestCharge } from '../orders/index.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { ChargeState, PaymentProvider } from './provider.js';
import { unansweredCharge } from './queries.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One provider call as the payment service makes it: bounded, timed out, counted. */
export type CallProvider = <T>(
  kind: 'charge' | 'refund',
  call: (signal: AbortSignal) => Promise<T>,
) => Promise<T>;

/**
 * Which order a provider's charge may settle (a webhook's, a confirm's, a cancel's, a refund's):
 * the order its metadata names, only when the charge is that order's own and for its exact total.
 * The body of an event is never enough, however validly signed.
 */
export function createChargeMatcher({
  db,
  provider,
  callProvider,
  metrics,
  logger,
}: {
  db: Db;
  provider: PaymentProvider;
  callProvider: CallProvider;
  metrics: Metrics;
  logger: Logger;
}) {
  /** The order a provider's charge belongs to, when it is that order's own charge, for its total. */
  async function orderOfCharge(state: ChargeState, source: string) {
    const order = state.orderId && UUID.test(state.orderId) ? await findOrder(db, state.orderId) : undefined;
    if (!order) {
      metrics.webhookFailures.inc({ provider: provider.name, reason: 'unknown_order' });
      logger.error({ ref: state.ref, order: state.orderId, source }, 'a charge names no order of this shop');
      return null;
    }
    if (
      state.amountCents !== order.total_cents ||
      state.currency.toUpperCase() !== order.currency.toUpperCase()
    ) {
      // Never fulfil on a body's word: the charge the provider holds must be for this order's total.
      metrics.webhookFailures.inc({ provider: provider.name, reason: 'amount_mismatch' });
      logger.error(
        {
          ref: state.ref,
          order: order.id,
          charged: { amount_cents: state.amountCents, currency: state.currency },
          expected: { amount_cents: order.total_cents, currency: order.currency },
          source,
        },
        'charge amount or currency does not match its order: not fulfilled',
      );
      return null;
    }
    if (!(await isOwnCharge(state.ref, order.id, source))) return null;
    return order;
  }

  /**
   * The provider's reference of the order's own charge: the one recorded or, while the answer to
   * it is missing, the one the same request (same key and parameters: a replay, not a second
   * charge) names. Null when the order has no charge at the provider.
   */
  async function ownChargeRef(orderId: string): Promise<string | null> {
    const recorded = await latestCharge(db, orderId);
    if (recorded?.provider_ref) return recorded.provider_ref;
    const sent = await unansweredCharge(db, provider.name, orderId);
    if (!sent) return null;
    return (await callProvider('charge', (signal) => provider.charge(sent, { signal }))).ref;
  }

  /**
   * Only the order's own charge may pay, fail or refund it: another one naming the order (made by
   * anyone holding a key to the provider account, with the order's id in its metadata and its exact
   * total) settles nothing, however validly its event is signed.
   */
  async function isOwnCharge(ref: string, orderId: string, source: string) {
    const own = await ownChargeRef(orderId);
    if (ref === own) return true;
    metrics.webhookFailures.inc({ provider: provider.name, reason: 'charge_mismatch' });
    logger.error({ ref, order: orderId, own, source }, "a charge that is not its order's own: ignored");
    return false;
  }

  return { orderOfCharge };
}

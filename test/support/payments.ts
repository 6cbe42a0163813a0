import type { Container } from '../../src/container.js';
import type { SettlementOutcome } from '../../src/orders/index.js';
import type { ChargeResult } from '../../src/payments/provider.js';
import { startCharges } from '../../src/payments/queries.js';

/**
 * Payment steps a test drives one at a time, each through what production runs: the charge
 * attempt is recorded as the worker records it (`startCharges`), a provider's answer settles as a
 * webhook's does (`settlement.settle`), and a whole charge runs as the payment job runs it.
 */

/** Records one order's charge attempt and answers its request; null when there is nothing to charge. */
export const startCharge = async (c: Container, orderId: string) =>
  (await startCharges(c.db, c.config.payments.provider, [orderId]))[0] ?? null;

/** Applies a provider's answer for the order, batched with the settlement's other inputs. */
export const completeCharge = (c: Container, orderId: string, result: ChargeResult) =>
  c.settlement.settle({ kind: 'charge', orderId, result });

/** One order's charge, start to settlement, as the payment job runs it; rejects when the provider did not answer. */
export async function processCharge(c: Container, orderId: string): Promise<SettlementOutcome> {
  const outcome = await c.payments.chargeOrders([orderId])[0]!;
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

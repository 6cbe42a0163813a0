import { createHash } from 'node:crypto';
import type { ChargeResult, PaymentProvider } from './provider.js';

/**
 * A local, deterministic provider with Stripe's test payment-method semantics. The same
 * idempotency key always yields the same reference, as Stripe replays a request with the same key.
 */
const DECLINES: Record<string, string> = {
  pm_card_chargeDeclined: 'card_declined',
  pm_card_visa_chargeDeclined: 'card_declined',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_visa_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_chargeDeclinedLostCard: 'lost_card',
  pm_card_chargeDeclinedStolenCard: 'stolen_card',
  pm_card_chargeDeclinedExpiredCard: 'expired_card',
  pm_card_chargeDeclinedIncorrectCvc: 'incorrect_cvc',
  pm_card_chargeDeclinedProcessingError: 'processing_error',
  pm_card_chargeDeclinedFraudulent: 'fraudulent',
};

const SUCCEEDS = new Set([
  'pm_card_visa',
  'pm_card_visa_debit',
  'pm_card_mastercard',
  'pm_card_mastercard_debit',
  'pm_card_amex',
  'pm_card_discover',
  'pm_card_diners',
  'pm_card_jcb',
  'pm_card_unionpay',
]);

const ref = (prefix: string, key: string) =>
  `${prefix}_sandbox_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

export function createSandboxProvider(): PaymentProvider {
  return {
    name: 'sandbox',
    async charge(request): Promise<ChargeResult> {
      const id = ref('pi', request.idempotencyKey);
      if (SUCCEEDS.has(request.paymentMethod)) return { status: 'succeeded', ref: id };
      if (
        request.paymentMethod === 'pm_card_authenticationRequired' ||
        request.paymentMethod === 'pm_card_threeDSecure2Required'
      ) {
        return {
          status: 'requires_action',
          ref: id,
          nextAction: { type: 'use_stripe_sdk', client_secret: `${id}_secret` },
        };
      }
      return {
        status: 'failed',
        ref: id,
        failureCode: DECLINES[request.paymentMethod] ?? 'invalid_payment_method',
      };
    },
    async refund(request) {
      return { ref: ref('re', request.idempotencyKey) };
    },
  };
}

import Stripe from 'stripe';
import {
  type CallOptions,
  type ChargeResult,
  type ChargeState,
  type PaymentProvider,
  ProviderUnavailable,
  type RefundState,
} from './provider.js';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** A stand-in for api.stripe.com (tests, a mock server). */
  apiBase: string | null;
}

type Intent = Stripe.PaymentIntent;

/** The order's money in Stripe's words: amounts in minor units, currencies in lower case. */
const currencyOf = (code: string) => code.toLowerCase();

/** A PaymentIntent's state as the shop reads it. */
export function intentResult(intent: Intent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', ref: intent.id };
    case 'requires_action':
      return {
        status: 'requires_action',
        ref: intent.id,
        // What Stripe.js needs to finish 3-D Secure in the customer's browser.
        nextAction: {
          type: intent.next_action?.type ?? 'use_stripe_sdk',
          client_secret: intent.client_secret,
        },
      };
    case 'processing':
    case 'requires_capture':
    case 'requires_confirmation':
      return { status: 'processing', ref: intent.id };
    default: {
      // requires_payment_method (declined, or 3-D Secure failed) and canceled.
      const error = intent.last_payment_error;
      return {
        status: 'failed',
        ref: intent.id,
        failureCode:
          error?.decline_code ?? error?.code ?? (intent.status === 'canceled' ? 'canceled' : 'declined'),
      };
    }
  }
}

/**
 * Stripe's errors in the shop's terms: a card error is an answer (a decline, kept with its code),
 * and so is a charge Stripe refuses as an invalid request (see `charge`); rate limits, 5xx,
 * conflicts and network failures mean "no answer", retried later with the same key; anything else
 * (bad credentials, a missing permission) is a fault for an operator.
 */
function unavailable(err: unknown): ProviderUnavailable | null {
  if (!(err instanceof Stripe.errors.StripeError)) return null;
  if (err instanceof Stripe.errors.StripeRateLimitError)
    return new ProviderUnavailable(err.message, 'rate_limited');
  if (err instanceof Stripe.errors.StripeConnectionError)
    return new ProviderUnavailable(err.message, 'network');
  if (err.statusCode === 409) return new ProviderUnavailable(err.message, 'conflict');
  if (err instanceof Stripe.errors.StripeAPIError || (err.statusCode ?? 0) >= 500) {
    return new ProviderUnavailable(err.message, 'server_error');
  }
  return null;
}

/** A charge Stripe answered with an error: failed, under its intent when it made one. */
function refusedCharge(err: Stripe.errors.StripeError, key: string, failureCode: string): ChargeResult {
  const raw = err.raw as { payment_intent?: Intent } | undefined;
  return { status: 'failed', ref: raw?.payment_intent?.id ?? `declined:${key}`, failureCode };
}

/** Runs one API call; an abort of the caller's signal ends the wait as a timeout. */
async function request<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw new ProviderUnavailable('stripe: no answer in time', 'timeout');
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ProviderUnavailable('stripe: no answer in time', 'timeout'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(), aborted]);
  } catch (err) {
    throw unavailable(err) ?? err;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

export type StripeProvider = PaymentProvider & {
  /** Verifies a webhook's signature over its raw body (300 s tolerance); throws when it does not hold. */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): Stripe.Event;
};

export function createStripeProvider(settings: StripeSettings, timeoutMs: number): StripeProvider {
  const base = settings.apiBase ? new URL(settings.apiBase) : null;
  const stripe = new Stripe(settings.secretKey, {
    // The outbox retries with backoff and the same key; the SDK must not retry on its own.
    maxNetworkRetries: 0,
    timeout: timeoutMs,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });

  const opts = (o: CallOptions | undefined, idempotencyKey?: string) => ({
    ...(idempotencyKey ? { idempotencyKey } : {}),
    ...(o?.signal ? { signal: o.signal } : {}),
  });

  return {
    name: 'stripe',

    async charge(req, o) {
      try {
        const intent = await request(o?.signal, () =>
          stripe.paymentIntents.create(
            {
              amount: req.amountCents,
              currency: currencyOf(req.currency),
              payment_method: req.paymentMethod,
              // Confirmed server-side with no return_url: only methods that need no redirect.
              automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
              confirm: true,
              metadata: { order_id: req.orderId },
            },
            { idempotencyKey: req.idempotencyKey },
          ),
        );
        return intentResult(intent);
      } catch (err) {
        // A decline is an answer: the intent exists, declined, with the card's code.
        if (err instanceof Stripe.errors.StripeCardError) {
          return refusedCharge(err, req.idempotencyKey, err.decline_code ?? err.code ?? 'card_declined');
        }
        // So is a request Stripe refuses (an unknown payment method, an amount over its ceiling): a
        // retry is refused alike, so the order fails now and its stock goes back on sale. The reason
        // stays generic: which check failed (does this payment method exist?) is for Stripe's logs.
        if (err instanceof Stripe.errors.StripeInvalidRequestError) {
          return refusedCharge(err, req.idempotencyKey, 'invalid_request');
        }
        throw err;
      }
    },

    async retrieveCharge(ref, o): Promise<ChargeState> {
      const intent = await request(o?.signal, () => stripe.paymentIntents.retrieve(ref));
      return {
        ...intentResult(intent),
        amountCents: intent.amount,
        currency: intent.currency.toUpperCase(),
        orderId: intent.metadata?.order_id ?? null,
      };
    },

    async cancelCharge(ref, idempotencyKey, o) {
      try {
        await request(o?.signal, () =>
          stripe.paymentIntents.cancel(ref, {}, opts(undefined, idempotencyKey)),
        );
      } catch (err) {
        // Already succeeded or canceled: its webhook (or nothing) settles it.
        if (err instanceof Stripe.errors.StripeInvalidRequestError) return;
        throw err;
      }
    },

    async refund(req, o) {
      const refund = await request(o?.signal, () =>
        stripe.refunds.create(
          { payment_intent: req.chargeRef, amount: req.amountCents },
          { idempotencyKey: req.idempotencyKey },
        ),
      );
      return { ref: refund.id, status: (refund.status ?? 'pending') as RefundState['status'] };
    },

    async retrieveRefund(ref, o): Promise<RefundState> {
      const refund = await request(o?.signal, () => stripe.refunds.retrieve(ref));
      const intent = refund.payment_intent;
      return {
        ref: refund.id,
        chargeRef: typeof intent === 'string' ? intent : (intent?.id ?? ''),
        amountCents: refund.amount,
        currency: refund.currency.toUpperCase(),
        status: (refund.status ?? 'pending') as RefundState['status'],
      };
    },

    verifyWebhook(rawBody, signature) {
      return stripe.webhooks.constructEvent(rawBody, signature ?? '', settings.webhookSecret, 300);
    },
  };
}

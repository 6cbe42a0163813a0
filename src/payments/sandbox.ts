import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  type CallOptions,
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  ProviderUnavailable,
  type RefundState,
} from './provider.js';

/**
 * A local provider with Stripe's test payment-method semantics, a card network's latency and
 * injectable faults. The same idempotency key always yields the same result, as Stripe replays a
 * request with the same key: a retry after a lost answer never charges twice. A charge's outcome is
 * a function of its key and payment method, and its reference carries its terms, so a process
 * answers for charges an earlier one made (a restart while a customer is in 3-D Secure).
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

/** Stripe's test payment methods that are charged at once (the Stripe stand-in in tests uses them too). */
export const SUCCEEDS: ReadonlySet<string> = new Set([
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

/** Stripe's test payment methods that wait for the customer's 3-D Secure. */
export const REQUIRES_ACTION: ReadonlySet<string> = new Set([
  'pm_card_authenticationRequired',
  'pm_card_threeDSecure2Required',
]);

const ref = (prefix: string, key: string) =>
  `${prefix}_sandbox_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

const CHARGE_PREFIX = 'pi_sandbox_';
const chargeTerms = z.tuple([z.string(), z.string(), z.number().int(), z.string(), z.string()]);

/** A charge's reference: its request, encoded, so it can be rebuilt from the reference alone. */
const chargeRef = (r: ChargeRequest) =>
  CHARGE_PREFIX +
  Buffer.from(
    JSON.stringify([r.idempotencyKey, r.orderId, r.amountCents, r.currency, r.paymentMethod]),
  ).toString('base64url');

/** The request a charge reference was made for; undefined for anything this sandbox never made. */
function requestOf(reference: string): ChargeRequest | undefined {
  if (!reference.startsWith(CHARGE_PREFIX)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(reference.slice(CHARGE_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const terms = chargeTerms.safeParse(decoded);
  if (!terms.success) return undefined;
  const [idempotencyKey, orderId, amountCents, currency, paymentMethod] = terms.data;
  return { idempotencyKey, orderId, amountCents, currency, paymentMethod };
}

/** A charge's outcome: its payment method's, under a reference made from its request. */
function decide(request: ChargeRequest): ChargeResult {
  const { paymentMethod } = request;
  const id = chargeRef(request);
  if (SUCCEEDS.has(paymentMethod)) return { status: 'succeeded', ref: id };
  if (REQUIRES_ACTION.has(paymentMethod)) {
    return {
      status: 'requires_action',
      ref: id,
      nextAction: { type: 'use_stripe_sdk', client_secret: `${id}_secret` },
    };
  }
  return { status: 'failed', ref: id, failureCode: DECLINES[paymentMethod] ?? 'invalid_payment_method' };
}

/**
 * What a call suffers: `server_error` fails before anything is charged (a 500); `timeout` charges,
 * then never answers (the response is lost), so only the caller's timeout ends it.
 */
export type SandboxFault = 'server_error' | 'timeout' | undefined;

export interface SandboxOptions {
  /** Each call takes a uniformly drawn time in [min, max] ms before it answers. */
  latencyMs?: { min: number; max: number };
  /** Fractions of calls that fail with a 500, or whose answer is lost (a timeout). */
  serverErrorRate?: number;
  timeoutRate?: number;
  /** Decides each call's fault; defaults to drawing from the rates above. */
  fault?: (kind: 'charge' | 'refund', key: string) => SandboxFault;
  random?: () => number;
}

interface SandboxCharge {
  request: ChargeRequest;
  result: ChargeResult;
  calls: number;
}

export type SandboxProvider = PaymentProvider & {
  /**
   * Charges this process knows, by idempotency key (a replayed key adds none), with the calls each
   * took here (none for one an earlier process made, known from its reference).
   */
  readonly charges: ReadonlyMap<string, SandboxCharge>;
  readonly refunds: ReadonlyMap<string, RefundState>;
  /** The customer completes 3-D Secure for a charge waiting on it: it succeeds. */
  authenticate(ref: string): void;
  /** The customer fails 3-D Secure (or abandons it): the charge fails, as Stripe's does. */
  failAuthentication(ref: string): void;
  /** The order a charge reference was made for; undefined for one this sandbox never made. */
  orderOf(ref: string): string | undefined;
};

export const isSandbox = (provider: PaymentProvider): provider is SandboxProvider =>
  provider.name === 'sandbox' && 'failAuthentication' in provider;

export function createSandboxProvider(options: SandboxOptions = {}): SandboxProvider {
  const random = options.random ?? Math.random;
  const latency = options.latencyMs ?? { min: 0, max: 0 };
  const drawFault =
    options.fault ??
    (() => {
      const roll = random();
      if (roll < (options.serverErrorRate ?? 0)) return 'server_error';
      if (roll < (options.serverErrorRate ?? 0) + (options.timeoutRate ?? 0)) return 'timeout';
      return undefined;
    });
  const charges = new Map<string, SandboxCharge>();
  const refunds = new Map<string, RefundState>();
  const remember = (request: ChargeRequest, calls: number) => {
    const made = { request, result: decide(request), calls };
    charges.set(request.idempotencyKey, made);
    return made;
  };
  /** A charge by reference: this process's, or one an earlier process made, rebuilt from its terms. */
  const chargeOf = (reference: string) => {
    const request = requestOf(reference);
    if (!request) return undefined;
    return charges.get(request.idempotencyKey) ?? remember(request, 0);
  };

  /** The network's share of a call: latency, then the fault's effect around `act`. */
  async function call<T>(kind: 'charge' | 'refund', key: string, act: () => T, opts: CallOptions = {}) {
    const wait = latency.min + random() * (latency.max - latency.min);
    if (wait > 0) await sleep(wait, undefined, { signal: opts.signal });
    const fault = drawFault(kind, key);
    if (fault === 'server_error')
      throw new ProviderUnavailable('sandbox: 500 Internal Server Error', 'server_error');
    const answer = act();
    if (fault === 'timeout') {
      // Done at the provider, lost on the way back: only the caller's signal ends the wait.
      await new Promise((_, reject) => {
        const lost = () => reject(new ProviderUnavailable('sandbox: no answer (timed out)', 'timeout'));
        if (opts.signal?.aborted) lost();
        opts.signal?.addEventListener('abort', lost, { once: true });
        if (!opts.signal) setTimeout(lost, 30_000).unref();
      });
    }
    return answer;
  }

  return {
    name: 'sandbox',
    charges,
    refunds,
    charge: (request, opts) =>
      call(
        'charge',
        request.idempotencyKey,
        () => {
          const seen = charges.get(request.idempotencyKey);
          if (!seen) return remember(request, 1).result;
          seen.calls++;
          return seen.result;
        },
        opts,
      ),
    retrieveCharge: (ref, opts) =>
      call(
        'charge',
        ref,
        () => {
          const found = chargeOf(ref);
          if (!found) throw new Error(`sandbox: no charge ${ref}`);
          return {
            ...found.result,
            amountCents: found.request.amountCents,
            currency: found.request.currency,
            orderId: found.request.orderId,
          };
        },
        opts,
      ),
    cancelCharge: (ref, key, opts) =>
      call(
        'charge',
        key,
        () => {
          const found = chargeOf(ref);
          if (found && found.result.status !== 'succeeded') {
            found.result = { status: 'failed', ref, failureCode: 'canceled' };
          }
        },
        opts,
      ),
    refund: (request, opts) =>
      call(
        'refund',
        request.idempotencyKey,
        () => {
          const id = ref('re', request.idempotencyKey);
          const charged = chargeOf(request.chargeRef);
          refunds.set(id, {
            ref: id,
            chargeRef: request.chargeRef,
            amountCents: request.amountCents,
            currency: charged?.request.currency ?? 'USD',
            status: 'succeeded',
          });
          return { ref: id };
        },
        opts,
      ),
    retrieveRefund: (id, opts) =>
      call(
        'refund',
        id,
        () => {
          const found = refunds.get(id);
          if (!found) throw new Error(`sandbox: no refund ${id}`);
          return found;
        },
        opts,
      ),
    authenticate(chargeRef) {
      const found = chargeOf(chargeRef);
      if (found?.result.status === 'requires_action') found.result = { status: 'succeeded', ref: chargeRef };
    },
    failAuthentication(chargeRef) {
      const found = chargeOf(chargeRef);
      if (found?.result.status === 'requires_action') {
        found.result = {
          status: 'failed',
          ref: chargeRef,
          failureCode: 'payment_intent_authentication_failure',
        };
      }
    },
    orderOf: (chargeRef) => requestOf(chargeRef)?.orderId,
  };
}

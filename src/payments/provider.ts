/**
 * What a charge came to: paid, declined, waiting for the customer (3-D Secure), or still being
 * processed by the provider (its webhook will tell).
 */
export type ChargeStatus = 'succeeded' | 'failed' | 'requires_action' | 'processing';

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
  /** Derived from the order: a retried or crashed worker never charges twice. */
  idempotencyKey: string;
}

export interface ChargeResult {
  status: ChargeStatus;
  ref: string;
  failureCode?: string;
  nextAction?: Record<string, unknown>;
}

/** A charge as the provider holds it now: the truth a webhook or a confirm is checked against. */
export interface ChargeState extends ChargeResult {
  amountCents: number;
  currency: string;
  /** The order it was created for (Stripe: metadata.order_id). */
  orderId: string | null;
}

export interface RefundState {
  ref: string;
  chargeRef: string;
  amountCents: number;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
}

export interface RefundRequest {
  chargeRef: string;
  amountCents: number;
  idempotencyKey: string;
}

/** Per call: the caller gives up (and retries later with the same key) when the signal aborts. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * The provider could not answer: a 5xx, a rate limit, a network error or a timeout. The charge may
 * or may not have happened, so it is retried later with the same idempotency key, never a new one.
 * A decline is an answer (a ChargeResult), not this.
 */
export class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
  constructor(
    message: string,
    readonly reason: 'timeout' | 'server_error' | 'rate_limited' | 'network' | 'conflict',
  ) {
    super(message);
  }
}

export interface PaymentProvider {
  readonly name: string;
  /** Creates and confirms the charge (idempotent by the request's key). */
  charge(request: ChargeRequest, options?: CallOptions): Promise<ChargeResult>;
  /** The charge as it is now, e.g. after the customer authenticated it. */
  retrieveCharge(ref: string, options?: CallOptions): Promise<ChargeState>;
  /** Cancels a charge that has not succeeded (an order cancelled or expired while it waited). */
  cancelCharge(ref: string, idempotencyKey: string, options?: CallOptions): Promise<void>;
  /** Creates a refund; its status when the provider knows it at once (else it is taken as succeeded). */
  refund(
    request: RefundRequest,
    options?: CallOptions,
  ): Promise<{ ref: string; status?: RefundState['status'] }>;
  retrieveRefund(ref: string, options?: CallOptions): Promise<RefundState>;
}

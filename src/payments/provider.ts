export type ChargeStatus = 'succeeded' | 'failed' | 'requires_action';

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
    readonly reason: 'timeout' | 'server_error' | 'rate_limited' | 'network',
  ) {
    super(message);
  }
}

export interface PaymentProvider {
  readonly name: string;
  charge(request: ChargeRequest, options?: CallOptions): Promise<ChargeResult>;
  refund(request: RefundRequest, options?: CallOptions): Promise<{ ref: string }>;
}

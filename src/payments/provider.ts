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

export interface PaymentProvider {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ ref: string }>;
}

/** Who acts on an order: a customer may only touch their own; an admin any. */
export interface Actor {
  userId: string;
  role: 'customer' | 'admin';
}

/** How an actor is recorded in the status history and the admin audit log. */
export const actorName = (a: Actor) => `${a.role}:${a.userId}`;

/** A cancel asked for by an actor (orders' routes and shopctl, or payments for a refund made at the provider). */
export interface CancelInput {
  kind: 'cancel';
  orderId: string;
  actor: Actor;
  reason: string;
}

/** What settling a charge result, a cancel or an expiry did to its order. */
export type SettlementOutcome =
  | 'paid'
  | 'payment_failed'
  | 'requires_action'
  | 'processing'
  | 'late_paid'
  | 'late_refunded'
  | 'refunded_cancelled'
  | 'cancelled'
  | 'expired'
  | 'ignored';

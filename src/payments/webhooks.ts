import type { Db } from '../db/index.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { PaymentService } from './service.js';
import type { StripeProvider } from './stripe.js';

export type StripeWebhooks = ReturnType<typeof createStripeWebhooks>;

interface StripeEventLike {
  id: string;
  type: string;
  created?: number;
  livemode?: boolean;
  data: { object: unknown };
}

const OBJECT_FIELDS = [
  'id',
  'object',
  'status',
  'amount',
  'amount_received',
  'amount_refunded',
  'currency',
  'payment_intent',
] as const;

/**
 * What webhook_events keeps of an event: its id, type and time, and its object's id, kind, status
 * and amounts. Stripe's whole event holds a PaymentIntent's `client_secret` (enough to confirm the
 * payment from a browser), billing details and metadata, none of which the shop reads: every
 * webhook's object is fetched again before it counts. The migration 20261223000001 trimmed the
 * rows stored before to the same shape.
 */
export function trimStripeEvent(event: StripeEventLike) {
  const object = (event.data.object ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const field of OBJECT_FIELDS) {
    if (object[field] !== undefined && object[field] !== null) kept[field] = object[field];
  }
  return {
    id: event.id,
    type: event.type,
    ...(event.created !== undefined && { created: event.created }),
    ...(event.livemode !== undefined && { livemode: event.livemode }),
    object: kept,
  };
}

/**
 * `POST /webhooks/stripe`: the signature is checked over the raw body, each event id is handled
 * once, and the body is never trusted: the PaymentIntent or Refund it names is re-fetched, and it
 * must be the order's own charge for the order's amount and currency (`matching.ts`), before
 * anything settles (through the same batched settlement as the worker's). Any other is
 * acknowledged, so Stripe stops sending it, and recorded as a `mismatch`.
 */
export function createStripeWebhooks({
  db,
  provider,
  payments,
  metrics,
  logger,
}: {
  db: Db;
  provider: StripeProvider;
  payments: PaymentService;
  metrics: Metrics;
  logger: Logger;
}) {
  /**
   * Records a delivery and claims the event for a minute: false when it was handled already, or
   * another delivery of it is being handled right now (a duplicate either way).
   */
  async function claim(event: { id: string; type: string }, objectId: string, payload: unknown) {
    await db.raw(
      `INSERT INTO webhook_events (id, provider, type, payload, object_id) VALUES (?, 'stripe', ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET deliveries = webhook_events.deliveries + 1`,
      [event.id, event.type, JSON.stringify(payload), objectId],
    );
    // The row lock orders concurrent deliveries; a later one re-reads the claim and finds it taken.
    const { rows } = await db.raw<{ rows: unknown[] }>(
      `UPDATE webhook_events SET claimed_until = now() + interval '1 minute'
        WHERE id = ? AND processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
        RETURNING id`,
      [event.id],
    );
    return rows.length === 1;
  }

  async function dispatch(type: string, objectId: string): Promise<string> {
    if (type.startsWith('payment_intent.')) return payments.syncCharge(objectId, `webhook ${type}`);
    if (type.startsWith('refund.') || type === 'charge.refund.updated') return payments.syncRefund(objectId);
    return 'ignored';
  }

  return {
    async handle(rawBody: Buffer, signature: string | undefined) {
      let event: ReturnType<StripeProvider['verifyWebhook']>;
      try {
        event = provider.verifyWebhook(rawBody, signature);
      } catch (err) {
        metrics.webhookFailures.inc({ provider: 'stripe', reason: 'signature' });
        logger.warn({ err: (err as Error).message }, 'webhook refused: signature did not verify');
        throw new DomainError('bad_request', 'Webhook signature verification failed');
      }
      const object = event.data.object as { id?: string };
      const objectId = String(object.id ?? '');
      if (!(await claim(event, objectId, trimStripeEvent(event)))) {
        metrics.webhookEvents.inc({ provider: 'stripe', type: event.type, outcome: 'duplicate' });
        return { received: true, duplicate: true };
      }
      let outcome: string;
      try {
        outcome = await dispatch(event.type, objectId);
      } catch (err) {
        // Unhandled: Stripe delivers it again (non-2xx), and the released claim lets that delivery run.
        await db('webhook_events').where({ id: event.id }).update({ claimed_until: null });
        metrics.webhookFailures.inc({ provider: 'stripe', reason: 'error' });
        logger.error(
          { err, event: event.id, type: event.type },
          'webhook could not be handled; Stripe retries it',
        );
        throw new DomainError('service_unavailable', 'The webhook could not be handled now; retry later');
      }
      await db('webhook_events').where({ id: event.id }).update({ processed_at: db.fn.now(), outcome });
      metrics.webhookEvents.inc({ provider: 'stripe', type: event.type, outcome });
      return { received: true };
    },
  };
}

import type { Knex } from 'knex';

/**
 * webhook_events kept Stripe's whole event: a PaymentIntent's `client_secret` (enough to confirm
 * the payment from a browser), the customer's billing details, metadata. The shop reads none of
 * it (a webhook's object is always fetched again from Stripe) and keeps the rows 90 days for
 * on-call: the id, type, creation time and the object's id, kind, status and amounts are all a
 * person needs to follow a payment. Existing rows are trimmed to that, as `trimStripeEvent`
 * (src/payments/webhooks.ts) trims new ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE webhook_events SET payload = jsonb_strip_nulls(jsonb_build_object(
      'id', payload->'id',
      'type', payload->'type',
      'created', payload->'created',
      'livemode', payload->'livemode',
      'object', jsonb_build_object(
        'id', payload#>'{data,object,id}',
        'object', payload#>'{data,object,object}',
        'status', payload#>'{data,object,status}',
        'amount', payload#>'{data,object,amount}',
        'amount_received', payload#>'{data,object,amount_received}',
        'amount_refunded', payload#>'{data,object,amount_refunded}',
        'currency', payload#>'{data,object,currency}',
        'payment_intent', payload#>'{data,object,payment_intent}')))
     WHERE payload->'data' IS NOT NULL`);
}

/** The fields trimmed away are gone: there is nothing to restore. */
export async function down(): Promise<void> {}

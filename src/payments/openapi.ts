import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defineOperation, errors, json, security } from '../shared/openapi.js';
import { webhookReceiptSchema } from './schemas.js';

export function registerPaymentApi(registry: OpenAPIRegistry) {
  defineOperation(
    registry,
    {
      method: 'post',
      path: '/webhooks/stripe',
      operationId: 'stripeWebhook',
      tags: ['Webhooks'],
      summary: 'Stripe events (PaymentIntents and refunds)',
      description:
        'Mounted only with PAYMENT_PROVIDER=stripe (else a 404). The signature is checked over the raw body; each event id is handled once; the PaymentIntent or Refund it names is re-fetched from Stripe and checked against the order before anything settles. A non-2xx answer makes Stripe deliver it again.',
      security: security.none,
      request: {
        headers: z.object({
          'Stripe-Signature': z.string().meta({ description: "Stripe's signature over the raw body" }),
        }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.looseObject({
                id: z.string(),
                type: z.string(),
                data: z.looseObject({ object: z.looseObject({}) }),
              }),
            },
          },
        },
      },
      responses: {
        200: json('Handled, or a duplicate of a handled event', webhookReceiptSchema),
        400: { ...errors(400)['400']!, description: 'The signature did not verify' },
        ...errors(404, 413, 503),
      },
    },
    { rawBody: true },
  );
}

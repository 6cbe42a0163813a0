import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { exampleAddress } from '../orders/index.js';
import { body, defineOperation, errors, header, json, security } from '../shared/openapi.js';
import { checkoutResultSchema, checkoutSchema, idempotencyKeySchema } from './schemas.js';

const idempotencyKey = idempotencyKeySchema.meta({
  description:
    'One key, one order: a retry with the same key and body replays the first answer (status and body); the same key with another body is a 422.',
  example: '7d4c1a9e-checkout-1',
});

export function registerCheckoutApi(registry: OpenAPIRegistry) {
  defineOperation(registry, {
    method: 'post',
    path: '/checkout',
    operationId: 'checkout',
    tags: ['Checkout'],
    summary: 'Place an order from the cart',
    description:
      'Reserves the stock of every line (all or none) for the reservation TTL and answers at once with a PENDING order; the payment runs in the background and moves it to PAID or PAYMENT_FAILED (see GET /orders/{id}). Refusals of the order itself (out_of_stock, purchase_limit, cart_empty, cart_converted, cart_not_found) are stored with the key and replayed like a success.',
    security: security.customer,
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKey }),
      body: body(checkoutSchema, {
        cart_id: '0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b',
        shipping_address: exampleAddress,
        payment_method: 'pm_card_visa',
      }),
    },
    responses: {
      201: json('The order, PENDING with its stock reserved', checkoutResultSchema, {
        headers: { 'Idempotency-Key': header('The key the order was placed under') },
        example: { order_id: '5f3e2d1c-0b9a-4877-a665-544332211000', status: 'PENDING', total_cents: 6998 },
      }),
      400: {
        ...errors(400)['400']!,
        description: 'A malformed body, or the Idempotency-Key header missing or malformed',
      },
      ...errors(401, 404, 409, 422, 429),
    },
  });
}

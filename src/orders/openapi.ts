import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { uuidParam } from '../shared/input.js';
import { body, defineOperation, errors, json, security } from '../shared/openapi.js';
import { cancelSchema, orderListQuerySchema, orderListSchema, orderSchema, shipSchema } from './schemas.js';

export const orderParams = z.object({
  id: uuidParam.meta({ example: '5f3e2d1c-0b9a-4877-a665-544332211000' }),
});

/** The shipping address the examples use (an order's, and checkout's body). */
export const exampleAddress = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postal_code: 'SW1Y 4JH',
  country: 'GB',
};

const exampleOrder = {
  order_id: '5f3e2d1c-0b9a-4877-a665-544332211000',
  status: 'PAID',
  status_reason: null,
  total_cents: 6998,
  currency: 'USD',
  items: [
    {
      product_id: 42,
      sku: 'KIT-0042',
      name: 'Cast iron skillet',
      quantity: 2,
      price_at_purchase_cents: 3499,
      line_total_cents: 6998,
    },
  ],
  status_history: [
    { from: null, to: 'PENDING', reason: 'checkout', actor: 'customer', at: '2026-12-02T10:00:00.000Z' },
    {
      from: 'PENDING',
      to: 'PAID',
      reason: 'payment succeeded',
      actor: 'payments',
      at: '2026-12-02T10:00:01.000Z',
    },
  ],
  shipping_address: exampleAddress,
  payment: { state: 'succeeded', failure_code: null },
  carrier: null,
  tracking_number: null,
  tracking_url: null,
  created_at: '2026-12-02T10:00:00.000Z',
  updated_at: '2026-12-02T10:00:01.000Z',
};

const order = (description: string) => json(description, orderSchema, { example: exampleOrder });

export function registerOrderApi(registry: OpenAPIRegistry) {
  const tags = ['Orders'];

  defineOperation(registry, {
    method: 'get',
    path: '/orders',
    operationId: 'listOrders',
    tags,
    summary: "The customer's orders, newest first",
    description: 'Paged by `page` and `limit`; `next_page` is null on the last page.',
    security: security.customer,
    request: { query: orderListQuerySchema },
    responses: {
      200: json('A page of orders', orderListSchema),
      ...errors(400, 401),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/orders/{id}',
    operationId: 'getOrder',
    tags,
    summary: 'One of the customer’s orders, with its items, history, payment and tracking',
    description:
      "Another customer's order is a 404, also for an admin (whose view is GET /admin/orders/{id}).",
    security: security.customer,
    request: { params: orderParams },
    responses: {
      200: order('The order'),
      ...errors(400, 401, 404),
    },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/orders/{id}/cancel',
    operationId: 'cancelOrder',
    tags,
    summary: 'Cancel an order',
    description:
      'A PENDING order releases its reservation; a PAID one is restocked and refunded. Any other status is a 409.',
    security: security.customer,
    request: {
      params: orderParams,
      body: { ...body(cancelSchema, { reason: 'ordered twice' }), required: false },
    },
    responses: {
      200: order('The cancelled order'),
      ...errors(401, 404, 409),
    },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/orders/{id}/payment/confirm',
    operationId: 'confirmPayment',
    tags,
    summary: 'Back from 3-D Secure: settle the payment now',
    description:
      'While the charge still waits (3-D Secure, processing), re-fetches it from the provider and settles the order at once instead of waiting for the webhook; otherwise answers the order as PostgreSQL has it. Limited per user (`RATE_LIMIT_PAYMENT_CONFIRM_USER`).',
    security: security.customer,
    request: { params: orderParams },
    responses: {
      200: order('The order after the charge was re-read'),
      ...errors(400, 401, 404, 409, 429, 503),
    },
  });
}

/** The order routes under /admin/orders (mounted by the admin router). */
export function registerAdminOrderApi(registry: OpenAPIRegistry) {
  const base = { tags: ['Admin'], security: security.admin };

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/orders/{id}',
    operationId: 'adminGetOrder',
    summary: "Any customer's order, with the full actor of each move",
    description: "As GET /orders/{id}, for any customer's order.",
    request: { params: orderParams },
    responses: { 200: order('The order'), ...errors(400, 401, 403, 404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/orders/{id}/ship',
    operationId: 'adminShipOrder',
    summary: 'PAID → SHIPPED, with carrier and tracking number',
    description:
      "The order's `tracking_url` is built from them. An order in any other status than PAID is a 409.",
    request: {
      params: orderParams,
      body: body(shipSchema, { carrier: 'ups', tracking_number: '1Z999AA10123456784' }),
    },
    responses: { 200: order('The shipped order'), ...errors(401, 403, 404, 409) },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/orders/{id}/deliver',
    operationId: 'adminDeliverOrder',
    summary: 'SHIPPED → DELIVERED',
    description: 'An order in any other status than SHIPPED is a 409.',
    request: { params: orderParams },
    responses: { 200: order('The delivered order'), ...errors(400, 401, 403, 404, 409) },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/orders/{id}/cancel',
    operationId: 'adminCancelOrder',
    summary: 'Cancel any order (PAID: restock and refund)',
    description:
      'A PENDING order releases its reservation; a PAID one is restocked and its refund queued (POST /admin/orders/{id}/refund refunds at once). An order that can no longer be cancelled (shipped, delivered, already cancelled) is a 409.',
    request: {
      params: orderParams,
      body: { ...body(cancelSchema, { reason: 'fraud review' }), required: false },
    },
    responses: { 200: order('The cancelled order'), ...errors(401, 403, 404, 409) },
  });
}

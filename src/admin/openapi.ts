import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  adminProductSchema,
  productInputSchema,
  productPatchSchema,
  purchaseLimitSchema,
} from '../catalog/index.js';
import { adminOrderSummarySchema, orderParams, orderSchema, registerAdminOrderApi } from '../orders/index.js';
import { body, defineOperation, errors, json, security } from '../shared/openapi.js';
import { userListSchema } from '../users/index.js';
import {
  adminOrderListQuerySchema,
  auditLogQuerySchema,
  auditLogSchema,
  auditReportSchema,
  inventorySchema,
  priceSchema,
  refundSchema,
  skuParam,
  stockAdjustSchema,
  stockSetSchema,
} from './schemas.js';

const skuParams = z.object({ sku: skuParam.meta({ example: 'KIT-0042' }) });

const exampleProduct = {
  id: 42,
  sku: 'KIT-0042',
  name: 'Cast iron skillet',
  description: 'Pre-seasoned, 26 cm',
  category: 'kitchen',
  price_cents: 3499,
  active: true,
  max_per_customer: null,
};

export function registerAdminApi(registry: OpenAPIRegistry) {
  // Every admin route answers a missing token 401 and a customer's token 403.
  const base = { tags: ['Admin'], security: security.admin };
  const denied = errors(401, 403);

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/users',
    operationId: 'adminListUsers',
    summary: 'Every user',
    description: 'Customers and admins, with their roles; never a password hash or a token.',
    responses: { 200: json('The users, oldest first', userListSchema), ...denied },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/products',
    operationId: 'adminCreateProduct',
    summary: 'Create a product, with its initial stock received through the ledger',
    description: 'A SKU already in use is a 409. The creation is written to the audit log.',
    request: {
      body: body(productInputSchema, {
        sku: 'KIT-0042',
        name: 'Cast iron skillet',
        description: 'Pre-seasoned, 26 cm',
        category: 'kitchen',
        price_cents: 3499,
        stock: 100,
      }),
    },
    responses: {
      201: json('The new product', adminProductSchema, { example: exampleProduct }),
      ...denied,
      ...errors(409),
    },
  });

  defineOperation(registry, {
    ...base,
    method: 'patch',
    path: '/admin/products/{sku}',
    operationId: 'adminUpdateProduct',
    summary: 'Change name, description, category, price or active',
    description: 'Only the fields sent change. Browse shows the change at once.',
    request: { params: skuParams, body: body(productPatchSchema, { name: 'Cast iron skillet, 28 cm' }) },
    responses: { 200: json('The product', adminProductSchema), ...denied, ...errors(404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'put',
    path: '/admin/products/{sku}/price',
    operationId: 'adminSetPrice',
    summary: 'Set the price',
    description: 'Past orders keep their price at purchase; carts show the new price and flag the change.',
    request: { params: skuParams, body: body(priceSchema, { price_cents: 2999, reason: 'winter sale' }) },
    responses: { 200: json('The product', adminProductSchema), ...denied, ...errors(404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'put',
    path: '/admin/products/{sku}/purchase-limit',
    operationId: 'adminSetPurchaseLimit',
    summary: "Set (or lift, with null) a product's limit per customer",
    description:
      "Counts the customer's units across PENDING, PAID, SHIPPED and DELIVERED orders; checked by every checkout.",
    request: {
      params: skuParams,
      body: body(purchaseLimitSchema, { max_per_customer: 2, reason: 'flash sale' }),
    },
    responses: { 200: json('The product', adminProductSchema), ...denied, ...errors(404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/inventory/{sku}',
    operationId: 'adminGetInventory',
    summary: "A product's stock counters and active reservations",
    description: 'Available, reserved and sold units, with the reservations that pending orders hold.',
    request: { params: skuParams },
    responses: { 200: json('The stock', inventorySchema), ...denied, ...errors(400, 404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'put',
    path: '/admin/inventory/{sku}',
    operationId: 'adminSetStock',
    summary: 'Set the available count',
    description:
      'Reserved and sold units are untouched; the change is an adjusted ledger line with the reason.',
    request: { params: skuParams, body: body(stockSetSchema, { quantity: 250, reason: 'stock take' }) },
    responses: { 200: json('The stock', inventorySchema), ...denied, ...errors(404) },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/inventory/{sku}/adjust',
    operationId: 'adminAdjustStock',
    summary: 'Add to or take from the available count',
    description:
      'Taking more than is available is a 409 (`insufficient_stock`); reserved and sold units are untouched. The change is an adjusted ledger line with the reason.',
    request: {
      params: skuParams,
      body: body(stockAdjustSchema, { delta: -3, reason: 'damaged in storage' }),
    },
    responses: { 200: json('The stock', inventorySchema), ...denied, ...errors(404, 409) },
  });

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/orders',
    operationId: 'adminListOrders',
    summary: "Every customer's orders, newest first",
    description: 'Optionally of one status only; at most `limit` orders.',
    request: { query: adminOrderListQuerySchema },
    responses: {
      200: json('The orders', z.strictObject({ orders: z.array(adminOrderSummarySchema) })),
      ...denied,
      ...errors(400),
    },
  });

  defineOperation(registry, {
    ...base,
    method: 'post',
    path: '/admin/orders/{id}/refund',
    operationId: 'adminRefundOrder',
    summary: 'Cancel a PAID order and refund it now',
    description: 'On a CANCELLED order it only retries the refund, so running it again is safe.',
    request: {
      params: orderParams,
      body: { ...body(refundSchema, { reason: 'damaged in transit' }), required: false },
    },
    responses: {
      200: json(
        'The order, with what happened to the money',
        orderSchema
          .extend({ refund: z.enum(['refunded', 'nothing_to_refund']) })
          .meta({ id: 'RefundedOrder' }),
      ),
      ...denied,
      ...errors(404, 409, 503),
    },
  });

  registerAdminOrderApi(registry);

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/audit',
    operationId: 'adminAudit',
    summary: "Check the store's invariants",
    description: 'A report, not a failure: 200 either way, with `ok` saying whether every invariant holds.',
    responses: { 200: json('The report', auditReportSchema), ...denied },
  });

  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/admin/audit-log',
    operationId: 'adminAuditLog',
    summary: 'Who changed what, newest first',
    description:
      'Every admin change to products, stock, prices, orders and users, with its actor, reason and the state before and after; filtered by subject type and id.',
    request: { query: auditLogQuerySchema },
    responses: { 200: json('The entries', auditLogSchema), ...denied, ...errors(400) },
  });
}

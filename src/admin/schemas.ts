import { z } from 'zod';
import { productInputSchema } from '../catalog/index.js';
import { ORDER_STATUSES } from '../orders/index.js';
import { queryInteger } from '../shared/zod.js';

export const skuParam = productInputSchema.shape.sku;

const reason = z
  .string()
  .trim()
  .min(1, 'reason is required')
  .max(500, 'reason must be at most 500 characters');
const MAX_STOCK = 10_000_000;

export const stockSetSchema = z
  .object({
    quantity: z
      .number({ message: 'quantity must be a number' })
      .int('quantity must be a whole number')
      .min(0, 'quantity must not be negative')
      .max(MAX_STOCK, `quantity must be at most ${MAX_STOCK}`),
    reason,
  })
  .strict();

export const stockAdjustSchema = z
  .object({
    delta: z
      .number({ message: 'delta must be a number' })
      .int('delta must be a whole number')
      .min(-MAX_STOCK)
      .max(MAX_STOCK)
      .refine((n) => n !== 0, 'delta must not be zero'),
    reason,
  })
  .strict();

export const priceSchema = z
  .object({ price_cents: productInputSchema.shape.price_cents, reason: reason.optional() })
  .strict();

export const refundSchema = z.object({ reason: reason.optional() }).strict();

const limit = (max: number, fallback: number) =>
  queryInteger(z.number().int().min(1, 'limit must be at least 1').max(max, `limit must be at most ${max}`), {
    message: 'limit must be a positive integer',
    digits: 6,
  }).default(fallback);

export const auditLogQuerySchema = z
  .object({
    subject: z.string().trim().min(1).max(200).optional(),
    type: z.enum(['product', 'inventory', 'price', 'order', 'user']).optional(),
    limit: limit(500, 50),
  })
  .strict();

export const orderStatusSchema = z.enum(ORDER_STATUSES, {
  message: `status must be one of ${ORDER_STATUSES.join(', ')}`,
});

export const adminOrderListQuerySchema = z
  .object({ status: orderStatusSchema.optional(), limit: limit(500, 50) })
  .strict();

const timestamp = z.iso.datetime({ offset: true });

export const inventorySchema = z
  .strictObject({
    id: z.number().int().positive(),
    sku: z.string(),
    name: z.string(),
    available: z.number().int().min(0),
    reserved: z.number().int().min(0).meta({ description: "Held by pending orders' reservations" }),
    sold: z.number().int().min(0),
    updated_at: timestamp,
    active_reservations: z
      .array(
        z.strictObject({
          id: z.number().int().positive(),
          order_id: z.uuid(),
          quantity: z.number().int().positive(),
          expires_at: timestamp,
          order_status: orderStatusSchema.meta({ description: 'PENDING while the reservation is active' }),
        }),
      )
      .meta({ description: 'Soonest expiry first, at most 100' }),
  })
  .meta({ id: 'Inventory' });

export const auditReportSchema = z
  .strictObject({
    ok: z.boolean().meta({ description: 'Every invariant holds' }),
    checked: z.strictObject({ products: z.number().int().min(0), orders: z.number().int().min(0) }),
    violations: z.array(
      z.strictObject({
        invariant: z.number().int().meta({ description: "The invariant's number in DESIGN.md" }),
        name: z.string(),
        subject: z.string(),
        message: z.string(),
        details: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .meta({ id: 'AuditReport' });

export const auditLogSchema = z
  .strictObject({
    entries: z.array(
      z.strictObject({
        id: z.number().int().positive(),
        actor: z.string(),
        action: z.string(),
        subject_type: auditLogQuerySchema.shape.type.unwrap(),
        subject_id: z.string(),
        before: z.unknown().meta({ description: 'The state before, as JSON; null for a creation' }),
        after: z.unknown(),
        reason: z.string().nullable(),
        created_at: timestamp,
      }),
    ),
  })
  .meta({ id: 'AuditLog' });

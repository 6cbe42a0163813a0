import { z } from 'zod';
import { queryInteger } from '../shared/zod.js';
import { ORDER_STATUSES } from './state-machine.js';

/** Where an order goes: checked at checkout, kept on the order (`orders.shipping_address`). */
const text = (max: number) => z.string().trim().min(1).max(max);

export const shippingAddressSchema = z
  .object({
    name: text(200),
    line1: text(200),
    line2: z.string().trim().max(200).optional(),
    city: text(100),
    region: z.string().trim().max(100).optional(),
    postal_code: text(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code such as US or DE'),
  })
  .strict();
export type ShippingAddress = z.infer<typeof shippingAddressSchema>;

const positiveInt = (name: string, max: number) =>
  queryInteger(
    z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`),
    { message: `${name} must be a positive integer`, digits: 6 },
  );

export const orderListQuerySchema = z
  .object({ page: positiveInt('page', 100_000).default(1), limit: positiveInt('limit', 100).default(20) })
  .strict();

export const CARRIERS = {
  ups: 'https://www.ups.com/track?tracknum=',
  fedex: 'https://www.fedex.com/fedextrack/?trknbr=',
  usps: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=',
  dhl: 'https://www.dhl.com/en/express/tracking.html?AWB=',
} as const;

export const shipSchema = z
  .object({
    carrier: z.enum(Object.keys(CARRIERS) as [keyof typeof CARRIERS, ...(keyof typeof CARRIERS)[]], {
      message: `carrier must be one of ${Object.keys(CARRIERS).join(', ')}`,
    }),
    tracking_number: z
      .string()
      .regex(/^[A-Za-z0-9-]{4,40}$/, 'tracking_number must be 4-40 letters, digits or dashes'),
  })
  .strict();

export const cancelSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

export const trackingUrl = (carrier: string | null, tracking: string | null) =>
  carrier && tracking && carrier in CARRIERS
    ? CARRIERS[carrier as keyof typeof CARRIERS] + encodeURIComponent(tracking)
    : null;

const timestamp = z.iso.datetime({ offset: true });
export const orderStatusSchema = z.enum(ORDER_STATUSES).meta({ id: 'OrderStatus' });

export const orderSummarySchema = z
  .strictObject({
    order_id: z.uuid(),
    status: orderStatusSchema,
    total_cents: z.number().int().min(0),
    currency: z.string().length(3),
    created_at: timestamp,
    item_count: z.number().int().min(0).meta({ description: 'Units across the lines' }),
  })
  .meta({ id: 'OrderSummary' });

export const orderListSchema = z
  .strictObject({
    orders: z.array(orderSummarySchema).meta({ description: 'Newest first' }),
    total: z.number().int().min(0),
    page: z.number().int().positive(),
    next_page: z.number().int().positive().nullable(),
  })
  .meta({ id: 'OrderList' });

export const adminOrderSummarySchema = orderSummarySchema
  .extend({ user_id: z.uuid() })
  .meta({ id: 'AdminOrderSummary' });

export const orderSchema = z
  .strictObject({
    order_id: z.uuid(),
    status: orderStatusSchema,
    status_reason: z.string().nullable(),
    total_cents: z.number().int().min(0),
    currency: z.string().length(3),
    items: z.array(
      z.strictObject({
        product_id: z.number().int().positive(),
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int().positive(),
        price_at_purchase_cents: z.number().int().min(0),
        line_total_cents: z.number().int().min(0),
      }),
    ),
    status_history: z.array(
      z.strictObject({
        from: orderStatusSchema.nullable().meta({ description: 'null: the order was created' }),
        to: orderStatusSchema,
        reason: z.string().nullable(),
        actor: z.string().meta({
          description:
            'Who moved it (`admin:<id>`, `payments`, `sweeper`, …); a customer sees the role alone',
        }),
        at: timestamp,
      }),
    ),
    shipping_address: shippingAddressSchema,
    payment: z
      .strictObject({
        state: z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'canceled']),
        failure_code: z.string().nullable(),
        next_action: z
          .looseObject({ type: z.string(), client_secret: z.string().nullable().optional() })
          .optional()
          .meta({
            description: "What the customer's browser needs to finish 3-D Secure: shown to the owner alone",
          }),
      })
      .nullable()
      .meta({ description: 'The latest charge; null before the first attempt' }),
    carrier: z.string().nullable(),
    tracking_number: z.string().nullable(),
    tracking_url: z.url().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Order' });

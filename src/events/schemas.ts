import { z } from 'zod';
import type { EventEnvelope } from './envelope.js';

const productId = z.number().int().positive();

const stock = z.object({
  product_id: productId,
  sku: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  previous_available: z.number().int(),
  threshold: z.number().int(),
});

/**
 * The data of each event about a product, as its trigger writes it (migrations 20261202000007,
 * 20261202000010, 20261209000001). Not strict: a field a newer writer adds is dropped, so an older
 * consumer keeps reading (the envelope's rule); a change that breaks a reader bumps schema_version.
 */
export const PRODUCT_EVENT_DATA = {
  'product.created': z.object({
    product_id: productId,
    sku: z.string(),
    category: z.string(),
    price_cents: z.number().int(),
    currency: z.string(),
    active: z.boolean(),
  }),
  'product.updated': z.object({
    product_id: productId,
    sku: z.string(),
    changed: z.array(z.enum(['name', 'description', 'category', 'currency', 'active'])).min(1),
    active: z.boolean(),
  }),
  'price.changed': z.object({
    product_id: productId,
    sku: z.string(),
    old_price_cents: z.number().int(),
    price_cents: z.number().int(),
    currency: z.string(),
  }),
  'inventory.changed': stock,
  'inventory.low': stock,
} as const;

export type ProductEventType = keyof typeof PRODUCT_EVENT_DATA;
export type ProductEventData<T extends ProductEventType> = z.infer<(typeof PRODUCT_EVENT_DATA)[T]>;

export const isProductEvent = (type: string): type is ProductEventType =>
  Object.hasOwn(PRODUCT_EVENT_DATA, type);

/**
 * A product event's data, checked against its type's schema and its envelope: the product it names
 * is the event's aggregate. Throws on anything else (the consumer retries, then dead-letters it).
 */
export function productEventData<T extends ProductEventType>(
  event: EventEnvelope & { type: T },
): ProductEventData<T> {
  const data = PRODUCT_EVENT_DATA[event.type].parse(event.data) as ProductEventData<T>;
  if (event.aggregate.type !== 'product' || event.aggregate.id !== String(data.product_id)) {
    throw new Error(
      `${event.type} ${event.id}: data names product ${data.product_id}, the aggregate is ${event.aggregate.type} ${event.aggregate.id}`,
    );
  }
  return data;
}

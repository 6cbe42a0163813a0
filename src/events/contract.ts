import { z } from 'zod';
import { ORDER_STATUSES, type OrderStatus, TRANSITIONS } from '../orders/index.js';
import type { EventEnvelope } from './envelope.js';

/**
 * The domain-event contract: every event type and the data its trigger writes, in one place. The
 * writers are PL/pgSQL (the latest definition of each function): order_status_events
 * (20261202000007), price_change_events (20261202000007), inventory_events (20261202000010),
 * product_created_events and product_updated_events (20261209000001). The relay sends nothing that
 * breaks it, the topology binds only its types, and consumers get their events parsed by it;
 * test/integration/event-contract.test.ts makes every trigger write every type and holds the rows
 * to it exactly, so a migration that changes a payload fails there first.
 */

const orderId = z.uuid();
const productId = z.number().int().positive();
const count = z.number().int();

/** The statuses an order reaches `to` from (the state machine's moves). */
const sourcesOf = (to: OrderStatus) => ORDER_STATUSES.filter((from) => TRANSITIONS[from].includes(to));

/**
 * An order event, from the order_status_history line of its transition joined to the order as it
 * is after the statement: `status` is the type's, `from_status` a status that may move there (null
 * for a new order). total_cents is bigint in PostgreSQL and a JSON number here.
 */
const orderEvent = <S extends OrderStatus>(to: S) =>
  z.object({
    order_id: orderId,
    user_id: z.uuid(),
    from_status: to === 'PENDING' ? z.null() : z.enum(sourcesOf(to)),
    status: z.literal(to),
    reason: z.string().nullable(),
    actor: z.string(),
    total_cents: z.number().int().nonnegative(),
    currency: z.string(),
    carrier: z.string().nullable(),
    tracking_number: z.string().nullable(),
  });

/** inventory.changed and inventory.low: the product's counts after the statement, and before. */
const stockEvent = z.object({
  product_id: productId,
  sku: z.string(),
  available: count,
  reserved: count,
  sold: count,
  previous_available: count,
  /** The product's low-stock threshold, else the store's. */
  threshold: count,
});

/** The catalog fields whose change is a product.updated (a price alone is price.changed). */
export const CATALOG_FIELDS = ['name', 'description', 'category', 'currency', 'active'] as const;

/** The data of each event type, as its trigger writes it. */
export const EVENT_DATA = {
  'order.created': orderEvent('PENDING'),
  'order.paid': orderEvent('PAID'),
  'order.payment_failed': orderEvent('PAYMENT_FAILED'),
  'order.expired': orderEvent('EXPIRED'),
  'order.cancelled': orderEvent('CANCELLED'),
  'order.shipped': orderEvent('SHIPPED'),
  'order.delivered': orderEvent('DELIVERED'),
  'inventory.changed': stockEvent,
  /** The statement took the available count below the threshold (it was at or above it). */
  'inventory.low': stockEvent,
  'product.created': z.object({
    product_id: productId,
    sku: z.string(),
    category: z.string(),
    price_cents: count,
    currency: z.string(),
    active: z.boolean(),
  }),
  'product.updated': z.object({
    product_id: productId,
    sku: z.string(),
    changed: z.array(z.enum(CATALOG_FIELDS)).min(1),
    active: z.boolean(),
  }),
  'price.changed': z.object({
    product_id: productId,
    sku: z.string(),
    old_price_cents: count,
    price_cents: count,
    currency: z.string(),
  }),
} as const;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

export const isEventType = (type: string): type is EventType => Object.hasOwn(EVENT_DATA, type);

/**
 * An event of the contract: its envelope with `type` narrowed and `data` typed; a union over the
 * types, so `switch (event.type)` narrows `event.data`.
 */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: Omit<EventEnvelope, 'type' | 'data'> & { type: K; data: EventData<K> };
}[T];

/** A type and its data, as `parseEvent` answers: a union over the types, like DomainEvent. */
export type EventPayload<T extends EventType = EventType> = {
  [K in T]: { type: K; data: EventData<K> };
}[T];

/** Each event's aggregate: an order's events are the order's, the others the product's. */
const aggregateOf = (event: EventPayload) =>
  'order_id' in event.data
    ? { type: 'order', id: event.data.order_id }
    : { type: 'product', id: String(event.data.product_id) };

/** An event that breaks the contract; `reason` says how (for a log line or last_error). */
export class EventContractError extends Error {
  constructor(readonly reason: string) {
    super(`breaks the event contract: ${reason}`);
    this.name = 'EventContractError';
  }
}

const issues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'data'}: ${i.message}`).join('; ');

/**
 * Exact: the data is what the trigger writes, no field more (the contract test's check).
 * Otherwise, as a reader: a field it does not know is dropped, so a migration that adds one does
 * not stop an older relay or consumer (the envelope's rule); a field renamed, dropped or retyped
 * does, and bumps schema_version.
 */
const EXACT = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, EVENT_DATA[type].strict()]),
) as unknown as typeof EVENT_DATA;

/** `data` as an event of `type`, parsed by the contract; throws EventContractError. */
export function parseEvent(
  type: string,
  data: unknown,
  { exact = false }: { exact?: boolean } = {},
): EventPayload {
  if (!isEventType(type)) throw new EventContractError(`no event type ${JSON.stringify(type)}`);
  const parsed = (exact ? EXACT : EVENT_DATA)[type].safeParse(data);
  if (!parsed.success) throw new EventContractError(`${type}: ${issues(parsed.error)}`);
  return { type, data: parsed.data } as EventPayload;
}

/**
 * An envelope as a DomainEvent: its data parsed by the contract, and its aggregate the one the
 * data names (an order's events carry the order, a product's the product). Throws
 * EventContractError.
 */
export function readEvent(envelope: EventEnvelope): DomainEvent {
  const payload = parseEvent(envelope.type, envelope.data);
  const aggregate = aggregateOf(payload);
  if (envelope.aggregate.type !== aggregate.type || envelope.aggregate.id !== aggregate.id) {
    throw new EventContractError(
      `${payload.type}: data names ${aggregate.type} ${aggregate.id}, the aggregate is ${envelope.aggregate.type} ${envelope.aggregate.id}`,
    );
  }
  return { ...envelope, ...payload } as DomainEvent;
}

/** Why an envelope breaks the contract, or null when it keeps it. */
export function contractBreach(envelope: EventEnvelope): string | null {
  try {
    readEvent(envelope);
    return null;
  } catch (err) {
    if (err instanceof EventContractError) return err.reason;
    throw err;
  }
}

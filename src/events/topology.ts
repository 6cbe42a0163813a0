import type { Channel } from 'amqplib';
import type { EventType } from './contract.js';

/** Every domain event is published here, with its type as the routing key ("order.paid"). */
export const EVENTS_EXCHANGE = 'shop.events';
/** Where a consumer queue sends a message it gave up on (rejected, or past the delivery limit). */
export const DEAD_LETTER_EXCHANGE = 'shop.events.dead';
export const DEAD_LETTER_QUEUE = 'shop.dead-letters';
/** Deliveries of one message before a consumer queue dead-letters it. */
export const DELIVERY_LIMIT = 5;

/**
 * Each consumer's queue and the event types (of the contract, `contract.ts`) it takes. A queue
 * exists only for a consumer that exists: one nobody reads would grow without bound.
 */
export const CONSUMER_QUEUES = {
  fulfillment: { queue: 'shop.fulfillment', bindings: ['order.paid', 'order.cancelled'] },
  'low-stock': { queue: 'shop.low-stock', bindings: ['inventory.low'] },
  notifications: {
    queue: 'shop.notifications',
    bindings: ['order.paid', 'order.shipped', 'order.payment_failed', 'order.expired'],
  },
  // Exists only where search runs on an engine (SEARCH_BACKEND=opensearch): see config.events.deployed.
  'search-index': {
    queue: 'shop.search-index',
    bindings: ['product.created', 'product.updated', 'price.changed', 'inventory.changed'],
  },
} as const satisfies Record<string, { queue: string; bindings: readonly EventType[] }>;

export type ConsumerName = keyof typeof CONSUMER_QUEUES;

/** The event types a consumer's queue is bound to: all its handler is given. */
export type BoundTo<C extends ConsumerName> = (typeof CONSUMER_QUEUES)[C]['bindings'][number];

export const CONSUMER_NAMES = Object.keys(CONSUMER_QUEUES) as ConsumerName[];

/** The exchanges, and the quorum queue that keeps every dead letter for an operator. */
export async function declareExchanges(channel: Channel) {
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
}

/**
 * Declares the topology from code, idempotently (every process does it at start-up): a durable
 * topic exchange, a quorum queue with a delivery limit and a dead-letter exchange for each
 * consumer the deployment has (`consumers`: every process of a deployment passes the same list),
 * and one quorum queue that keeps every dead letter for an operator.
 */
export async function declareTopology(channel: Channel, consumers: readonly ConsumerName[]) {
  await declareExchanges(channel);
  for (const { queue, bindings } of consumers.map((name) => CONSUMER_QUEUES[name])) {
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': DELIVERY_LIMIT,
        'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
      },
    });
    for (const key of bindings) await channel.bindQueue(queue, EVENTS_EXCHANGE, key);
  }
}

import type { Channel } from 'amqplib';

/** Every domain event is published here, with its type as the routing key ("order.paid"). */
export const EVENTS_EXCHANGE = 'shop.events';
/** Where a consumer queue sends a message it gave up on (rejected, or past the delivery limit). */
export const DEAD_LETTER_EXCHANGE = 'shop.events.dead';
export const DEAD_LETTER_QUEUE = 'shop.dead-letters';
/** Deliveries of one message before a consumer queue dead-letters it. */
export const DELIVERY_LIMIT = 5;

/**
 * Each consumer's queue and the event types it takes. A queue exists only for a consumer that
 * exists: one nobody reads would grow without bound.
 */
export const CONSUMER_QUEUES = {
  fulfillment: { queue: 'shop.fulfillment', bindings: ['order.paid', 'order.cancelled'] },
  'low-stock': { queue: 'shop.low-stock', bindings: ['inventory.low'] },
  notifications: {
    queue: 'shop.notifications',
    bindings: ['order.paid', 'order.shipped', 'order.payment_failed', 'order.expired'],
  },
} as const;

/**
 * Declares the topology from code, idempotently (every process does it at start-up): a durable
 * topic exchange, a quorum queue per consumer with a delivery limit and a dead-letter exchange,
 * and one quorum queue that keeps every dead letter for an operator.
 */
export async function declareTopology(channel: Channel) {
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
  for (const { queue, bindings } of Object.values(CONSUMER_QUEUES)) {
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

import { z } from 'zod';
import type { Db, Trx } from '../db/index.js';
import type { EventHandler } from '../events/consumer.js';
import type { EventEnvelope } from '../events/envelope.js';
import type { Logger } from '../shared/logger.js';

export interface Notification {
  audience: 'customer' | 'admins';
  user_id: string | null;
  kind: string;
  order_id: string | null;
  message: string;
  event_id: string;
}

/**
 * Where notifications go. The default records each one (a `notifications` row the customer reads
 * at GET /notifications) and logs it as a structured line; an e-mail or SMS sender implements the
 * same call, inside the consumer's transaction (so a failed send is retried, and a sent one is
 * never sent twice by a redelivery).
 */
export interface Notifier {
  notify(trx: Trx, notifications: Notification[]): Promise<void>;
}

export function createRecordingNotifier(logger: Logger): Notifier {
  return {
    async notify(trx, batch) {
      if (batch.length === 0) return;
      await trx('notifications').insert(batch);
      for (const n of batch) logger.info({ notification: { ...n } }, 'notification');
    },
  };
}

const money = (cents: unknown, currency: unknown) =>
  `${(Number(cents) / 100).toFixed(2)} ${typeof currency === 'string' ? currency : 'USD'}`;

const orderData = z.object({ order_id: z.uuid(), user_id: z.uuid() }).passthrough();

/** The message a customer gets for each order event the notifications queue carries. */
const MESSAGES: Record<string, (d: Record<string, unknown>) => string> = {
  'order.paid': (d) => `Payment received: your order of ${money(d.total_cents, d.currency)} is confirmed.`,
  'order.shipped': (d) =>
    `Your order is on its way${d.carrier ? ` with ${d.carrier}` : ''}${d.tracking_number ? ` (tracking ${d.tracking_number})` : ''}.`,
  'order.payment_failed': () =>
    'Your payment was declined; the order was not placed. You can try another card.',
  'order.expired': () => 'Your order expired before it was paid; its items went back on sale.',
};

/** The notifications consumer: one message per order event for the customer who placed it. */
export function notificationsHandler(notifier: Notifier): EventHandler {
  return (trx, events) =>
    notifier.notify(
      trx,
      events.flatMap((event: EventEnvelope): Notification[] => {
        const message = MESSAGES[event.type];
        if (!message) return []; // a type this consumer is not bound to: nothing to say
        // Malformed data throws: the message is retried, then dead-lettered for an operator.
        const data = orderData.parse(event.data);
        return [
          {
            audience: 'customer',
            user_id: data.user_id,
            kind: event.type,
            order_id: data.order_id,
            message: message(data),
            event_id: event.id,
          },
        ];
      }),
    );
}

/** A customer's notifications, newest first. */
export const listNotifications = (db: Db, userId: string, limit = 50) =>
  db('notifications')
    .where({ user_id: userId })
    .orderBy('id', 'desc')
    .limit(limit)
    .select('id', 'kind', 'order_id', 'message', 'created_at');

const stockData = z
  .object({ product_id: z.number(), sku: z.string(), available: z.number(), threshold: z.number() })
  .passthrough();

/** The low-stock consumer: the admins hear when a product's available count falls below its threshold. */
export function lowStockHandler(notifier: Notifier): EventHandler {
  return (trx, events) =>
    notifier.notify(
      trx,
      events
        .filter((event) => event.type === 'inventory.low')
        .map((event): Notification => {
          const d = stockData.parse(event.data);
          return {
            audience: 'admins',
            user_id: null,
            kind: event.type,
            order_id: null,
            message: `Low stock: ${d.sku} has ${d.available} left (threshold ${d.threshold}).`,
            event_id: event.id,
          };
        }),
    );
}

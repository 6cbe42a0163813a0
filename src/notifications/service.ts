import type { Db, Trx } from '../db/index.js';
import { ageRule, type RetentionRule } from '../db/retention.js';
import type { BoundTo, EventHandler } from '../events/index.js';
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

const money = (cents: number | string, currency: string) => `${(Number(cents) / 100).toFixed(2)} ${currency}`;

/** What a customer is told about an order, as its row has it (total_cents: bigint, maybe a string). */
interface OrderFacts {
  user_id: string;
  total_cents: number | string;
  currency: string;
  carrier: string | null;
  tracking_number: string | null;
}

type CustomerEvent = BoundTo<'notifications'>;

/** The message a customer gets for each order event the notifications queue carries. */
const MESSAGES: Record<CustomerEvent, (o: OrderFacts) => string> = {
  'order.paid': (o) => `Payment received: your order of ${money(o.total_cents, o.currency)} is confirmed.`,
  'order.shipped': (o) =>
    `Your order is on its way${o.carrier ? ` with ${o.carrier}` : ''}${o.tracking_number ? ` (tracking ${o.tracking_number})` : ''}.`,
  'order.payment_failed': () =>
    'Your payment was declined; the order was not placed. You can try another card.',
  'order.expired': () => 'Your order expired before it was paid; its items went back on sale.',
};

const ordersById = async (trx: Trx, ids: string[]) =>
  new Map(
    (ids.length === 0
      ? []
      : await trx('orders')
          .whereIn('id', ids)
          .select<(OrderFacts & { id: string })[]>(
            'id',
            'user_id',
            'total_cents',
            'currency',
            'carrier',
            'tracking_number',
          )
    ).map((o) => [o.id, o]),
  );

/**
 * The notifications consumer: one message per order event for the customer who placed it, with
 * the customer, amount and tracking number read from the order. An event naming an order this
 * store does not have (written by hand) can only have come from domain_events (the consumer
 * checked it there), so its data stands in.
 */
export function notificationsHandler(notifier: Notifier): EventHandler<CustomerEvent> {
  return async (trx, events) => {
    const orders = await ordersById(
      trx,
      events.map((e) => e.data.order_id),
    );
    await notifier.notify(
      trx,
      events.map(({ id, type, data }): Notification => {
        const facts: OrderFacts = orders.get(data.order_id) ?? data;
        return {
          audience: 'customer',
          user_id: facts.user_id,
          kind: type,
          order_id: data.order_id,
          message: MESSAGES[type](facts),
          event_id: id,
        };
      }),
    );
  };
}

/** Retention: a notification is read within days; a year covers any complaint about one. */
export const notificationsRetention: RetentionRule = ageRule(
  'notifications',
  'sent over a year ago; an archived order takes its own with it',
  "created_at < now() - interval '1 year'",
);

/** The notifications about orders leaving the live tables (the order archive, in its transaction). */
export const deleteOrderNotifications = (trx: Trx, orderIds: string[]) =>
  trx('notifications').whereRaw('order_id = ANY(?::uuid[])', [orderIds]).delete();

/** A customer's notifications, newest first. */
export const listNotifications = (db: Db, userId: string, limit = 50) =>
  db('notifications')
    .where({ user_id: userId })
    .orderBy('id', 'desc')
    .limit(limit)
    .select('id', 'kind', 'order_id', 'message', 'created_at');

/** The low-stock consumer: the admins hear when a product's available count falls below its threshold. */
export function lowStockHandler(notifier: Notifier): EventHandler<'inventory.low'> {
  return (trx, events) =>
    notifier.notify(
      trx,
      events.map(
        ({ id, type, data: d }): Notification => ({
          audience: 'admins',
          user_id: null,
          kind: type,
          order_id: null,
          message: `Low stock: ${d.sku} has ${d.available} left (threshold ${d.threshold}).`,
          event_id: id,
        }),
      ),
    );
}

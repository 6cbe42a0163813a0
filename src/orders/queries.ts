import type { Db, Trx } from '../db/index.js';
import type { OrderStatus } from './state-machine.js';

export interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: number;
  currency: string;
  shipping_address: Record<string, unknown>;
  payment_method: string;
  status_reason: string | null;
  carrier: string | null;
  tracking_number: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Every order change starts here: the order row lock serialises payment, expiry and cancellation. */
export const lockOrder = (trx: Trx, id: string) =>
  trx('orders').where({ id }).forUpdate().first<OrderRow | undefined>();

export const findOrder = (db: Db, id: string) => db('orders').where({ id }).first<OrderRow | undefined>();

export const orderItems = (db: Db, orderId: string) =>
  db('order_items')
    .where({ order_id: orderId })
    .orderBy('product_id')
    .select('product_id', 'sku', 'name', 'quantity', 'price_at_purchase_cents');

export const statusHistory = (db: Db, orderId: string) =>
  db('order_status_history')
    .where({ order_id: orderId })
    .orderBy('id')
    .select('from_status as from', 'to_status as to', 'reason', 'actor', 'created_at as at');

export const latestCharge = (db: Db | Trx, orderId: string) =>
  db('payments').where({ order_id: orderId, kind: 'charge' }).orderBy('created_at', 'desc').first<
    | {
        id: string;
        state: string;
        provider_ref: string | null;
        amount_cents: number;
        failure_code: string | null;
        next_action: unknown;
      }
    | undefined
  >();

export const listOrders = (db: Db, userId: string, limit: number, offset: number) =>
  db('orders as o')
    .where('o.user_id', userId)
    .orderBy([
      { column: 'o.created_at', order: 'desc' },
      { column: 'o.id', order: 'desc' },
    ])
    .limit(limit)
    .offset(offset)
    .select(
      'o.id as order_id',
      'o.status',
      'o.total_cents',
      'o.currency',
      'o.created_at',
      db.raw('(SELECT coalesce(sum(quantity), 0)::int FROM order_items WHERE order_id = o.id) AS item_count'),
    );

export const countOrders = async (db: Db, userId: string) =>
  (await db('orders').where({ user_id: userId }).count<{ n: number }[]>('* as n'))[0]?.n ?? 0;

export interface AdminOrderRow {
  order_id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: number;
  currency: string;
  created_at: Date;
  item_count: number;
}

/** Every customer's orders, newest first: the admin view. */
export const listAllOrders = (db: Db, filter: { status?: OrderStatus; limit: number }) =>
  db('orders as o')
    .modify((q) => {
      if (filter.status) q.where('o.status', filter.status);
    })
    .orderBy([
      { column: 'o.created_at', order: 'desc' },
      { column: 'o.id', order: 'desc' },
    ])
    .limit(filter.limit)
    .select<AdminOrderRow[]>(
      'o.id as order_id',
      'o.user_id',
      'o.status',
      'o.total_cents',
      'o.currency',
      'o.created_at',
      db.raw('(SELECT coalesce(sum(quantity), 0)::int FROM order_items WHERE order_id = o.id) AS item_count'),
    );

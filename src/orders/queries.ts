import type { Db, Trx } from '../db/index.js';
import type { SqlPiece } from '../db/pieces.js';
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

export interface NewOrder {
  id: string;
  userId: string;
  cartId: string;
  totalCents: number;
  shippingAddress: unknown;
  paymentMethod: string;
  idempotencyKey: string;
}

export interface NewOrderItem {
  orderId: string;
  productId: number;
  sku: string;
  name: string;
  quantity: number;
  priceCents: number;
}

/** New PENDING orders, as a piece of the caller's statement; it returns their ids. */
export const insertOrders = (orders: NewOrder[]): SqlPiece => ({
  sql: `INSERT INTO orders (id, user_id, cart_id, status, total_cents, shipping_address, payment_method, idempotency_key)
       SELECT id, u, c, 'PENDING', t, a, pm, k
         FROM unnest(:orders_id::uuid[], :orders_user::uuid[], :orders_cart::uuid[], :orders_total::bigint[],
                     :orders_address::jsonb[], :orders_payment_method::text[], :orders_key::text[])
              AS o(id, u, c, t, a, pm, k)
       RETURNING id`,
  bindings: {
    orders_id: orders.map((o) => o.id),
    orders_user: orders.map((o) => o.userId),
    orders_cart: orders.map((o) => o.cartId),
    orders_total: orders.map((o) => o.totalCents),
    orders_address: orders.map((o) => JSON.stringify(o.shippingAddress)),
    orders_payment_method: orders.map((o) => o.paymentMethod),
    orders_key: orders.map((o) => o.idempotencyKey),
  },
});

/** The lines of new orders, priced and named as bought, as a piece of the caller's statement. */
export const insertOrderItems = (items: NewOrderItem[]): SqlPiece => ({
  sql: `INSERT INTO order_items (order_id, product_id, sku, name, quantity, price_at_purchase_cents)
       SELECT * FROM unnest(:items_order::uuid[], :items_product::bigint[], :items_sku::text[],
                            :items_name::text[], :items_quantity::int[], :items_price::int[])`,
  bindings: {
    items_order: items.map((i) => i.orderId),
    items_product: items.map((i) => i.productId),
    items_sku: items.map((i) => i.sku),
    items_name: items.map((i) => i.name),
    items_quantity: items.map((i) => i.quantity),
    items_price: items.map((i) => i.priceCents),
  },
});

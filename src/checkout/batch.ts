import { convertCarts } from '../cart/index.js';
import { pgArray, type Trx } from '../db/index.js';
import { runPiece, withPieces } from '../db/pieces.js';
import { type LockedStock, lockStock, reserveStock } from '../inventory/index.js';
import { HOLDING_STATUSES, historyLines, insertOrderItems, insertOrders } from '../orders/index.js';
import { enqueued } from '../outbox/index.js';
import { DomainError, errorBody } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { claimKeys, storeAnswers } from './idempotency.js';
import type { CheckoutRequest, CheckoutResponse } from './schemas.js';

export interface BatchOutcome {
  responses: Map<CheckoutRequest, CheckoutResponse>;
  /** Requests whose key another transaction committed first: the caller replays the stored answer. */
  duplicates: CheckoutRequest[];
  /** What changed, for cache invalidation and metrics after the commit. */
  /** cartVersion: the converted cart's version, so its cached copy can be replaced, not just dropped. */
  orders: { orderId: string; userId: string; cartId: string; cartVersion: number }[];
  productIds: number[];
}

const errorResponse = (err: DomainError): CheckoutResponse => ({ status: err.status, body: errorBody(err) });

interface CartLineRow {
  cart_id: string;
  product_id: number;
  quantity: number;
}

interface ProductRow {
  id: number;
  sku: string;
  name: string;
  price_cents: number;
  active: boolean;
  max_per_customer: number | null;
}

/** What each customer of a batch already holds: unpaid orders, and units of capped products. */
interface CustomerHoldings {
  pendingOrders: Map<string, number>;
  units: Map<string, number>;
}
const unitsKey = (userId: string, productId: number) => `${userId}\u0000${productId}`;

/**
 * Checks out many carts in one transaction (group commit), in the six round trips the README's
 * hot path numbers: 1 claim the keys, 2 lock the customers, 3 read the carts (then allocate in
 * memory), 4 write everything, 5 take the stock, 6 commit (the caller's). Locks are taken in one
 * order by every transaction that touches these rows, so none deadlock: idempotency keys (sorted),
 * customers (sorted, FOR NO KEY UPDATE), carts (sorted), inventory rows (product_id order, always
 * last). Stock is allocated in arrival order: a cart gets all of its lines or none. All writes are
 * set-based, so a batch of 200 costs the same statements and one WAL flush as a batch of one.
 */
export async function processBatch(
  trx: Trx,
  requests: CheckoutRequest[],
  opts: { reservationTtlMs: number; lockFirst: boolean; maxPendingOrders: number; actor?: string },
): Promise<BatchOutcome> {
  const responses = new Map<CheckoutRequest, CheckoutResponse>();
  const actor = opts.actor ?? 'checkout';

  // 1. Claim the idempotency keys. A key committed by another transaction meanwhile is a duplicate.
  // A key whose stored answer expired (24 h) but whose order lives on is still that order's: spent.
  const { claimed, spent } = await claimKeys(trx, requests);
  const duplicates = requests.filter((r) => !claimed.has(r));
  const live = requests.filter((r) => claimed.has(r));
  if (live.length === 0) return { responses, duplicates, orders: [], productIds: [] };

  // 2. The customers, before their carts: two checkouts of one customer (two processes, two
  // batches) take turns, so neither can pass a purchase limit the other is about to use up.
  const cartIds = [...new Set(live.map((r) => r.input.cart_id))].sort();
  await lockCustomers(
    trx,
    live.map((r) => r.userId),
  );
  // 3. Carts (locked, so a concurrent cart edit waits for us), their lines, products and stock, in
  // one read, after the customers' locks, so their holdings include every order committed before.
  // The textbook path then locks the stock rows; group commit takes them last (step 5), so the hot
  // row is held for one statement and the commit instead of the whole transaction.
  const {
    cartById,
    linesByCart,
    products,
    stock: peeked,
    holdings,
  } = await loadCarts(trx, cartIds, opts.maxPendingOrders > 0);
  const productIds = [...products.keys()];
  const stock = opts.lockFirst ? await lockStock(trx, productIds) : peeked;

  // Allocate in arrival order, in memory.
  const available = new Map([...stock].map(([id, s]) => [id, s.available_count]));
  const usedCarts = new Set<string>();
  const accepted: { request: CheckoutRequest; orderId: string; lines: CartLineRow[]; total: number }[] = [];
  for (const request of live) {
    if (spent.has(request)) {
      responses.set(
        request,
        errorResponse(
          new DomainError('idempotency_key_reused', 'This Idempotency-Key belongs to an earlier order', {
            idempotency_key: request.key,
          }),
        ),
      );
      continue;
    }
    const outcome = allocate(request, cartById, linesByCart, products, available, usedCarts);
    const refused =
      outcome instanceof DomainError
        ? outcome
        : overLimit(request.userId, outcome.lines, products, holdings, opts.maxPendingOrders);
    if (refused || outcome instanceof DomainError) {
      responses.set(request, errorResponse(refused ?? (outcome as DomainError)));
      continue;
    }
    // Later requests of the same customer in this batch count this order too.
    holdings.pendingOrders.set(request.userId, (holdings.pendingOrders.get(request.userId) ?? 0) + 1);
    for (const line of outcome.lines) {
      const key = unitsKey(request.userId, line.product_id);
      holdings.units.set(key, (holdings.units.get(key) ?? 0) + line.quantity);
    }
    for (const line of outcome.lines)
      available.set(line.product_id, available.get(line.product_id)! - line.quantity);
    usedCarts.add(request.input.cart_id);
    accepted.push({ request, orderId: newId(), ...outcome });
  }

  // 4. Write everything set-based in one statement; 5. then take the stock, last.
  for (const a of accepted) {
    responses.set(a.request, {
      status: 201,
      body: { order_id: a.orderId, status: 'PENDING', total_cents: a.total },
    });
  }
  const reservation = reserveStock(
    accepted.flatMap((a) => a.lines.map((l) => ({ ...l, order_id: a.orderId }))),
    { ttlMs: opts.reservationTtlMs, actor, reason: 'checkout', lockedAlready: opts.lockFirst },
  );
  const cartVersions = await writeAll(trx, live, responses, accepted, products, reservation.pieces, actor);
  if (accepted.length) await reservation.take(trx);
  return {
    responses,
    duplicates,
    orders: accepted.map((a) => ({
      orderId: a.orderId,
      userId: a.request.userId,
      cartId: a.request.input.cart_id,
      cartVersion: cartVersions[a.request.input.cart_id]!,
    })),
    productIds: [...new Set(accepted.flatMap((a) => a.lines.map((l) => l.product_id)))],
  };
}

function allocate(
  request: CheckoutRequest,
  carts: Map<string, { user_id: string | null; status: string }>,
  linesByCart: Map<string, CartLineRow[]>,
  products: Map<number, ProductRow>,
  available: Map<number, number>,
  usedCarts: Set<string>,
): { lines: CartLineRow[]; total: number } | DomainError {
  const cart = carts.get(request.input.cart_id);
  if (!cart || cart.user_id !== request.userId) {
    return new DomainError('cart_not_found', 'Cart not found', { cart_id: request.input.cart_id });
  }
  if (cart.status !== 'active' || usedCarts.has(request.input.cart_id)) {
    return new DomainError('cart_converted', 'This cart has already been checked out', {
      cart_id: request.input.cart_id,
    });
  }
  const lines = linesByCart.get(request.input.cart_id) ?? [];
  if (lines.length === 0)
    return new DomainError('cart_empty', 'The cart is empty', { cart_id: request.input.cart_id });
  const short = lines
    .map((l) => {
      const product = products.get(l.product_id);
      const left = product?.active ? (available.get(l.product_id) ?? 0) : 0;
      return { product_id: l.product_id, requested: l.quantity, available: left };
    })
    .filter((l) => l.available < l.requested);
  if (short.length) {
    return new DomainError('out_of_stock', 'Not enough stock for some items', { items: short });
  }
  const total = lines.reduce((sum, l) => sum + l.quantity * products.get(l.product_id)!.price_cents, 0);
  return { lines, total };
}

/**
 * A checkout the customer's limits refuse: too many unpaid orders at once (each holds stock for
 * the reservation's TTL), or more units of a capped product than its max_per_customer across
 * their PENDING, PAID, SHIPPED and DELIVERED orders.
 */
function overLimit(
  userId: string,
  lines: CartLineRow[],
  products: Map<number, ProductRow>,
  holdings: CustomerHoldings,
  maxPendingOrders: number,
): DomainError | null {
  const pending = holdings.pendingOrders.get(userId) ?? 0;
  if (maxPendingOrders > 0 && pending >= maxPendingOrders) {
    return new DomainError(
      'purchase_limit',
      `You have ${pending} unpaid orders: pay or cancel one before placing another`,
      { max_pending_orders: maxPendingOrders, pending_orders: pending },
    );
  }
  const over = lines.flatMap((l) => {
    const max = products.get(l.product_id)?.max_per_customer;
    if (max === null || max === undefined) return [];
    const held = holdings.units.get(unitsKey(userId, l.product_id)) ?? 0;
    return held + l.quantity > max
      ? [{ product_id: l.product_id, max_per_customer: max, already_ordered: held, requested: l.quantity }]
      : [];
  });
  if (over.length === 0) return null;
  return new DomainError('purchase_limit', 'This order would exceed the limit per customer for some items', {
    items: over,
  });
}

async function lockCustomers(trx: Trx, userIds: string[]) {
  // NO KEY UPDATE: it does not block inserts that reference the user (tokens, carts).
  await trx.raw('SELECT id FROM users WHERE id = ANY(?::uuid[]) ORDER BY id FOR NO KEY UPDATE', [
    [...new Set(userIds)].sort(),
  ]);
}

interface CartSnapshot {
  cartById: Map<string, { id: string; user_id: string | null; status: string }>;
  linesByCart: Map<string, CartLineRow[]>;
  products: Map<number, ProductRow>;
  stock: Map<number, LockedStock>;
  holdings: CustomerHoldings;
}

/**
 * The checkout batch's read of its carts (bindings: whether to count PENDING orders, the holding
 * statuses, the cart ids). A customer's PENDING orders are counted by customer, on
 * orders_user_pending_idx, whose predicate the count repeats: written `status = 'PENDING'`, the
 * planner, with statistics from between two sales (nothing PENDING), read them by status instead,
 * every PENDING order in the store once per cart (`IS TRUE` is no condition that index searches on).
 */
export const CART_SNAPSHOT_SQL = `SELECT c.id, c.user_id, c.status, ci.product_id, ci.quantity,
            p.sku, p.name, p.price_cents, p.active, p.max_per_customer, i.available_count, i.reserved_count, i.sold_count,
            CASE WHEN ? THEN (SELECT count(*)::int FROM orders o WHERE o.user_id = c.user_id AND (o.status = 'PENDING') IS TRUE)
            END AS pending_orders,
            CASE WHEN p.max_per_customer IS NOT NULL THEN
              (SELECT coalesce(sum(oi.quantity), 0)::int FROM orders o JOIN order_items oi ON oi.order_id = o.id
                WHERE o.user_id = c.user_id AND oi.product_id = ci.product_id
                  AND o.status = ANY(?::text[]))
            END AS held_units
       FROM carts c
       LEFT JOIN cart_items ci ON ci.cart_id = c.id
       LEFT JOIN products p ON p.id = ci.product_id
       LEFT JOIN inventory i ON i.product_id = ci.product_id
      WHERE c.id = ANY(?::uuid[])
      ORDER BY c.id, ci.product_id
      FOR UPDATE OF c`;

/**
 * The carts (locked), their lines, products and stock, and what each cart's customer already
 * holds (unpaid orders, units of capped products), in one read.
 */
async function loadCarts(trx: Trx, cartIds: string[], countPending: boolean): Promise<CartSnapshot> {
  const { rows } = await trx.raw<{
    rows: {
      id: string;
      user_id: string | null;
      status: string;
      product_id: number | null;
      quantity: number | null;
      sku: string;
      name: string;
      price_cents: number;
      active: boolean;
      max_per_customer: number | null;
      available_count: number;
      reserved_count: number;
      sold_count: number;
      pending_orders: number | null;
      held_units: number | null;
    }[];
  }>(CART_SNAPSHOT_SQL, [countPending, pgArray(HOLDING_STATUSES), cartIds]);
  const snapshot: CartSnapshot = {
    cartById: new Map(),
    linesByCart: new Map(),
    products: new Map(),
    stock: new Map(),
    holdings: { pendingOrders: new Map(), units: new Map() },
  };
  for (const r of rows) {
    snapshot.cartById.set(r.id, { id: r.id, user_id: r.user_id, status: r.status });
    if (r.user_id && r.pending_orders !== null)
      snapshot.holdings.pendingOrders.set(r.user_id, r.pending_orders);
    if (r.user_id && r.product_id !== null && r.held_units !== null) {
      snapshot.holdings.units.set(unitsKey(r.user_id, r.product_id), r.held_units);
    }
    if (r.product_id === null || r.quantity === null) continue;
    const line = { cart_id: r.id, product_id: r.product_id, quantity: r.quantity };
    const lines = snapshot.linesByCart.get(r.id);
    if (lines) lines.push(line);
    else snapshot.linesByCart.set(r.id, [line]);
    snapshot.products.set(r.product_id, {
      id: r.product_id,
      sku: r.sku,
      name: r.name,
      price_cents: r.price_cents,
      active: r.active,
      max_per_customer: r.max_per_customer,
    });
    snapshot.stock.set(r.product_id, {
      product_id: r.product_id,
      available_count: r.available_count,
      reserved_count: r.reserved_count,
      sold_count: r.sold_count,
    });
  }
  return snapshot;
}

/**
 * The batch's orders, their items, reservations and ledger lines, history, payment requests, the
 * carts' conversion and every request's stored answer, in one statement composed of the pieces the
 * tables' owners write: one round trip however many requests the batch holds.
 */
async function writeAll(
  trx: Trx,
  live: CheckoutRequest[],
  responses: Map<CheckoutRequest, CheckoutResponse>,
  accepted: { request: CheckoutRequest; orderId: string; lines: CartLineRow[]; total: number }[],
  products: Map<number, ProductRow>,
  reservation: ReturnType<typeof reserveStock>['pieces'],
  actor: string,
): Promise<Record<string, number>> {
  const statement = withPieces(
    {
      new_orders: insertOrders(
        accepted.map((a) => ({
          id: a.orderId,
          userId: a.request.userId,
          cartId: a.request.input.cart_id,
          totalCents: a.total,
          shippingAddress: a.request.input.shipping_address,
          paymentMethod: a.request.input.payment_method,
          idempotencyKey: a.request.key,
        })),
      ),
      new_items: insertOrderItems(
        accepted.flatMap((a) =>
          a.lines.map((l) => {
            const product = products.get(l.product_id)!;
            return {
              orderId: a.orderId,
              productId: l.product_id,
              sku: product.sku,
              name: product.name,
              quantity: l.quantity,
              priceCents: product.price_cents,
            };
          }),
        ),
      ),
      new_reservations: reservation.reservations,
      ledger: reservation.ledger,
      history: historyLines(
        accepted.map((a) => ({ orderId: a.orderId, from: null, to: 'PENDING', reason: 'checkout' })),
        actor,
      ),
      payment_requests: enqueued(
        accepted.map((a) => ({ topic: 'payment.requested', aggregate_id: a.orderId })),
      ),
      converted: convertCarts(accepted.map((a) => a.request.input.cart_id)),
      answers: storeAnswers(live.map((request) => ({ request, response: responses.get(request)! }))),
    },
    {
      sql: `SELECT (SELECT count(*) FROM new_orders) AS orders,
            (SELECT coalesce(json_object_agg(id, version), '{}') FROM converted) AS cart_versions`,
      bindings: {},
    },
  );
  const { rows } = await runPiece<{ cart_versions: Record<string, number> }>(trx, statement);
  return rows[0]?.cart_versions ?? {};
}

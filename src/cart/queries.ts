import type { Db, Trx } from '../db/index.js';
import type { SqlPiece } from '../db/pieces.js';
import { countWhere } from '../db/retention.js';
import type { CartLine } from './schemas.js';

export interface CartRow {
  id: string;
  user_id: string | null;
  status: 'active' | 'converted' | 'merged';
  version: number;
}

const CART_COLUMNS = ['id', 'user_id', 'status', 'version'] as const;

export const findActiveCartIdForUser = async (db: Db | Trx, userId: string) =>
  (await db('carts').where({ user_id: userId, status: 'active' }).first<{ id: string } | undefined>('id'))
    ?.id;

export const findCartIdByGuestHash = async (db: Db | Trx, tokenHash: string) =>
  (await db('carts').where({ guest_token_hash: tokenHash }).first<{ id: string } | undefined>('id'))?.id;

export const findCart = (db: Db | Trx, id: string) =>
  db('carts').where({ id }).first<CartRow | undefined>(CART_COLUMNS);

/** Creates the user's active cart, or finds the one a concurrent request just created. */
export async function upsertUserCart(trx: Trx, userId: string): Promise<{ id: string; created: boolean }> {
  const inserted = await trx.raw<{ rows: { id: string }[] }>(
    `INSERT INTO carts (user_id) VALUES (?) ON CONFLICT (user_id) WHERE status = 'active' DO NOTHING RETURNING id`,
    [userId],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  return { id: (await findActiveCartIdForUser(trx, userId))!, created: false };
}

export async function insertGuestCart(trx: Trx, tokenHash: string): Promise<CartRow> {
  const [row] = await trx('carts').insert({ guest_token_hash: tokenHash }).returning<CartRow[]>(CART_COLUMNS);
  return row!;
}

/** The user's active cart, locked; a cart converted while we waited for the lock is not returned. */
export const lockUserCart = (trx: Trx, userId: string) =>
  trx('carts')
    .where({ user_id: userId, status: 'active' })
    .forUpdate()
    .first<CartRow | undefined>(CART_COLUMNS);

export const lockGuestCart = (trx: Trx, tokenHash: string) =>
  trx('carts').where({ guest_token_hash: tokenHash }).forUpdate().first<CartRow | undefined>(CART_COLUMNS);

/** Undefined when a concurrent transaction created the user's active cart first. */
export async function insertUserCart(trx: Trx, userId: string): Promise<CartRow | undefined> {
  const inserted = await trx.raw<{ rows: CartRow[] }>(
    `INSERT INTO carts (user_id) VALUES (?) ON CONFLICT (user_id) WHERE status = 'active' DO NOTHING
     RETURNING ${CART_COLUMNS.join(', ')}`,
    [userId],
  );
  return inserted.rows[0];
}

export const lockCart = (trx: Trx, id: string) =>
  trx('carts').where({ id }).forUpdate().first<CartRow | undefined>(CART_COLUMNS);

export const cartLines = (db: Db | Trx, cartId: string) =>
  db('cart_items')
    .where({ cart_id: cartId })
    .orderBy('created_at')
    .orderBy('product_id')
    .select<CartLine[]>('product_id', 'quantity', 'price_cents_at_add');

export interface LineContext {
  price_cents: number;
  active: boolean;
  available: number;
  /** The line's quantity, null when the product is not in the cart yet. */
  existing: number | null;
  lines: number;
}

/** Everything an add or update checks, in one round trip: the product, its stock and the cart's lines. */
export const lineContext = (trx: Trx, cartId: string, productId: number) =>
  trx('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .where('p.id', productId)
    .first<LineContext | undefined>(
      'p.price_cents',
      'p.active',
      'i.available_count as available',
      trx.raw('(SELECT quantity FROM cart_items WHERE cart_id = ? AND product_id = p.id) AS existing', [
        cartId,
      ]),
      trx.raw('(SELECT count(*)::int FROM cart_items WHERE cart_id = ?) AS lines', [cartId]),
    );

export const productForCart = (trx: Trx, productId: number) =>
  trx('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .where('p.id', productId)
    .first<{ id: number; price_cents: number; active: boolean; available: number } | undefined>(
      'p.id',
      'p.price_cents',
      'p.active',
      'i.available_count as available',
    );

export const upsertLine = (trx: Trx, cartId: string, line: CartLine) =>
  trx('cart_items')
    .insert({ cart_id: cartId, ...line })
    .onConflict(['cart_id', 'product_id'])
    .merge({
      quantity: line.quantity,
      price_cents_at_add: line.price_cents_at_add,
      updated_at: trx.fn.now(),
    });

export const setLineQuantity = (trx: Trx, cartId: string, productId: number, quantity: number) =>
  trx('cart_items')
    .where({ cart_id: cartId, product_id: productId })
    .update({ quantity, updated_at: trx.fn.now() });

export const deleteLines = (trx: Trx, cartId: string, productId?: number) =>
  trx('cart_items')
    .where({ cart_id: cartId })
    .modify((q) => {
      if (productId !== undefined) q.where({ product_id: productId });
    })
    .delete();

export async function touchCart(trx: Trx, id: string): Promise<CartRow> {
  const [row] = await trx('carts')
    .where({ id })
    .update({ version: trx.raw('version + 1'), updated_at: trx.fn.now() })
    .returning<CartRow[]>(CART_COLUMNS);
  return row!;
}

/** A guest cart merged into its user's cart on sign-in (checkout converts carts with `convertCarts`). */
export const markMerged = (trx: Trx, id: string) =>
  trx('carts')
    .where({ id })
    .update({ status: 'merged', version: trx.raw('version + 1'), updated_at: trx.fn.now() });

/** Checked-out carts become `converted` (kept with their orders), as a piece of the caller's statement; it returns each cart's new version. */
export const convertCarts = (cartIds: string[]): SqlPiece => ({
  sql: `UPDATE carts SET status = 'converted', converted_at = now(), updated_at = now(), version = version + 1
        WHERE id = ANY(:carts_converted::uuid[])
        RETURNING id, version`,
  bindings: { carts_converted: cartIds },
});

/**
 * Deletes one batch of carts nobody touched since `olderThan`; converted carts stay with their
 * order. SKIP LOCKED: a cart being written right now is not stale, and purges running in every
 * process at once split the backlog instead of queueing on each other's row locks.
 */
export async function deleteStaleCarts(db: Db, olderThan: Date, limit: number) {
  const { rows } = await db.raw<{ rows: { id: string; user_id: string | null; status: string }[] }>(
    `DELETE FROM carts WHERE id IN (
       SELECT id FROM carts
       WHERE status <> 'converted' AND updated_at < ?
       ORDER BY updated_at
       LIMIT ?
       FOR UPDATE SKIP LOCKED)
     RETURNING id, user_id, status`,
    [olderThan, limit],
  );
  return rows;
}

/** Carts the purge would delete now: untouched since `olderThan`, not converted. */
export const countStaleCarts = (db: Db, olderThan: Date) =>
  countWhere(db, 'carts', "status <> 'converted' AND updated_at < :olderThan", { olderThan });

/**
 * The converted carts of orders leaving the live tables (the order archive, in its transaction):
 * a converted cart is kept as long as its order, and the order's lines hold what was bought.
 */
export const deleteConvertedCarts = (trx: Trx, cartIds: string[]) =>
  trx('carts').whereRaw("id = ANY(?::uuid[]) AND status = 'converted'", [cartIds]).delete();

import { type Db, pgArray, type Trx } from '../db/index.js';
import { runPiece, type SqlPiece } from '../db/pieces.js';
import { countWhere, type RetentionRule } from '../db/retention.js';

export type MovementKind = 'received' | 'reserved' | 'released' | 'sold' | 'restocked' | 'adjusted';

export interface Movement {
  product_id: number;
  kind: MovementKind;
  quantity: number;
  order_id?: string | null;
  reason?: string | null;
  /** Who moved the units; defaults to the actor given for the whole set. */
  actor?: string;
}

/** How each ledger kind moves units between the three counters. */
export const MOVEMENT_EFFECT: Record<MovementKind, { available: number; reserved: number; sold: number }> = {
  received: { available: 1, reserved: 0, sold: 0 },
  adjusted: { available: 1, reserved: 0, sold: 0 },
  reserved: { available: -1, reserved: 1, sold: 0 },
  released: { available: 1, reserved: -1, sold: 0 },
  sold: { available: 0, reserved: -1, sold: 1 },
  restocked: { available: 1, reserved: 0, sold: -1 },
};

export type Deltas = Map<number, { available: number; reserved: number; sold: number }>;

/** Net change per product of a set of movements. */
export function movementDeltas(movements: Movement[]): Deltas {
  const deltas: Deltas = new Map();
  for (const m of movements) {
    const effect = MOVEMENT_EFFECT[m.kind];
    const d = deltas.get(m.product_id) ?? { available: 0, reserved: 0, sold: 0 };
    d.available += effect.available * m.quantity;
    d.reserved += effect.reserved * m.quantity;
    d.sold += effect.sold * m.quantity;
    deltas.set(m.product_id, d);
  }
  return deltas;
}

type Counter = 'available' | 'reserved' | 'sold';

/** SQL summing stock_movements lines' effect, as weighted by `weight`, from MOVEMENT_EFFECT. */
function balanceSql(weight: (effect: (typeof MOVEMENT_EFFECT)[MovementKind]) => number): string {
  const cases = Object.entries(MOVEMENT_EFFECT).flatMap(([kind, effect]) => {
    const w = weight(effect);
    if (w === 0) return [];
    return [`WHEN '${kind}' THEN ${w === 1 ? '' : w === -1 ? '-' : `${w} * `}quantity`];
  });
  return `sum(CASE kind ${cases.join(' ')} ELSE 0 END)`;
}

const counterBalance = (counter: Counter) => balanceSql((effect) => effect[counter]);

/**
 * The counters each product's ledger lines add up to, written from MOVEMENT_EFFECT so the audit
 * and the writers can never disagree: a relation of (product_id, available, reserved, sold, total),
 * total being the three together (what was received or adjusted). Products without lines are absent.
 */
export const LEDGER_BALANCES_SQL = `SELECT product_id,
         ${counterBalance('available')} AS available,
         ${counterBalance('reserved')} AS reserved,
         ${counterBalance('sold')} AS sold,
         ${balanceSql((e) => e.available + e.reserved + e.sold)} AS total
    FROM stock_movements GROUP BY product_id`;

/** One UPDATE for all products. Callers hold the row locks; the CHECK constraints refuse any count below zero. */
export async function updateCounters(trx: Trx, deltas: Deltas): Promise<void> {
  if (deltas.size === 0) return;
  const ids = [...deltas.keys()].sort((a, b) => a - b);
  await trx.raw(
    `UPDATE inventory i
        SET available_count = i.available_count + d.available,
            reserved_count = i.reserved_count + d.reserved,
            sold_count = i.sold_count + d.sold,
            version = i.version + 1,
            updated_at = now()
       FROM unnest(?::bigint[], ?::int[], ?::int[], ?::int[]) AS d(product_id, available, reserved, sold)
      WHERE i.product_id = d.product_id`,
    [
      ids,
      ids.map((id) => deltas.get(id)!.available),
      ids.map((id) => deltas.get(id)!.reserved),
      ids.map((id) => deltas.get(id)!.sold),
    ],
  );
}

/** The ledger lines of `movements`, as a piece of the caller's statement (or run alone). */
export const ledgerLines = (movements: Movement[], actor: string): SqlPiece => ({
  sql: `INSERT INTO stock_movements (product_id, kind, quantity, order_id, reason, actor)
     SELECT * FROM unnest(:ledger_product::bigint[], :ledger_kind::text[], :ledger_quantity::int[],
                          :ledger_order::uuid[], :ledger_reason::text[], :ledger_actor::text[])`,
  bindings: {
    ledger_product: movements.map((m) => m.product_id),
    ledger_kind: movements.map((m) => m.kind),
    ledger_quantity: movements.map((m) => m.quantity),
    ledger_order: pgArray(movements.map((m) => m.order_id ?? null)),
    ledger_reason: pgArray(movements.map((m) => m.reason ?? null)),
    ledger_actor: movements.map((m) => m.actor ?? actor),
  },
});

/**
 * Appends movements to the ledger and applies them to inventory, set-based. The counters are
 * written last, so a hot product's row is held for one statement and the commit: call this as the
 * transaction's last write. Several rows are locked in product_id order first, so no two writers
 * deadlock.
 */
export async function applyMovements(trx: Trx, movements: Movement[], actor: string): Promise<void> {
  if (movements.length === 0) return;
  await runPiece(trx, ledgerLines(movements, actor));
  const deltas = movementDeltas(movements);
  if (deltas.size > 1) await lockStock(trx, [...deltas.keys()]);
  await updateCounters(trx, deltas);
}

export interface LockedStock {
  product_id: number;
  available_count: number;
  reserved_count: number;
  sold_count: number;
}

/** Locks inventory rows in product_id order: every writer takes them in the same order, so none deadlock. */
export async function lockStock(trx: Trx, productIds: number[]): Promise<Map<number, LockedStock>> {
  const ids = [...new Set(productIds)].sort((a, b) => a - b);
  if (ids.length === 0) return new Map();
  const { rows } = await trx.raw<{ rows: LockedStock[] }>(
    `SELECT product_id, available_count, reserved_count, sold_count
       FROM inventory WHERE product_id = ANY(?::bigint[]) ORDER BY product_id FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((r) => [r.product_id, r]));
}

/** Who writes the lines an old stretch of the ledger folds into. */
export const CARRIED_FORWARD_ACTOR = 'ledger:carried-forward';

/** Products folded per transaction: a hot SKU's years of lines go in one statement. */
const FOLD_PRODUCTS = 200;

/**
 * Folds the ledger lines older than `before` into at most three lines per product that move the
 * same units: `adjusted` by everything the product ever held (available + reserved + sold),
 * `reserved` by what of it was then reserved or sold, `sold` by what was sold. Added up by
 * MOVEMENT_EFFECT they give the same counters, so the conservation audit (invariant 2) holds across
 * a fold, and the table stops growing with time: lines live as long as the orders they name
 * (ORDER_RETENTION), then only their sum is kept. Each transaction deletes a set of products' old
 * lines and writes their carried-forward lines in one statement; earlier carried-forward lines fold
 * again with them. Only products with something new to fold are touched.
 */
export async function foldLedger(db: Db, before: Date): Promise<number> {
  let folded = 0;
  let after = 0;
  for (;;) {
    const { rows: products } = await db.raw<{ rows: { product_id: string }[] }>(
      `SELECT DISTINCT product_id FROM stock_movements
        WHERE created_at < :before AND actor <> :carried AND product_id > :after
        ORDER BY product_id LIMIT :n`,
      { before, carried: CARRIED_FORWARD_ACTOR, after, n: FOLD_PRODUCTS },
    );
    if (products.length === 0) return folded;
    const ids = products.map((p) => Number(p.product_id));
    const result = await db.raw<{ rows: { lines: number }[] }>(
      `WITH gone AS (
         DELETE FROM stock_movements
          WHERE product_id = ANY(:ids::bigint[]) AND created_at < :before
          RETURNING product_id, kind, quantity, created_at
       ), net AS (
         SELECT product_id, count(*) AS lines, max(created_at) AS last,
                ${balanceSql((e) => e.available + e.reserved + e.sold)} AS held,
                ${balanceSql((e) => e.reserved + e.sold)} AS reserved_or_sold,
                ${counterBalance('sold')} AS sold
           FROM gone GROUP BY product_id
       ), carried AS (
         INSERT INTO stock_movements (product_id, kind, quantity, reason, actor, created_at)
         SELECT n.product_id, v.kind, v.quantity,
                'carried forward: ' || n.lines || ' lines before ' || to_char(:before::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                :carried, n.last
           FROM net n CROSS JOIN LATERAL (VALUES (1, 'adjusted', n.held), (2, 'reserved', n.reserved_or_sold),
                                                 (3, 'sold', n.sold)) AS v(step, kind, quantity)
          WHERE v.quantity <> 0
          ORDER BY n.product_id, v.step
       )
       SELECT coalesce(sum(lines), 0)::bigint AS lines FROM net`,
      { ids, before, carried: CARRIED_FORWARD_ACTOR },
    );
    folded += Number(result.rows[0]?.lines ?? 0);
    after = ids.at(-1)!;
  }
}

/** The ledger's rule, for the jobs and `shopctl db retention`. */
export const ledgerRetention = (retentionMs: number): RetentionRule => {
  const where = `created_at < now() - make_interval(secs => :seconds) AND actor <> :carried`;
  const bindings = { seconds: retentionMs / 1_000, carried: CARRIED_FORWARD_ACTOR };
  return {
    table: 'stock_movements',
    rule: `lines older than ORDER_RETENTION (${Math.round(retentionMs / 31_557_600_000)}y, as long as the orders they name) fold into carried-forward lines per product with the same sum`,
    due: (db) => countWhere(db, 'stock_movements', where, bindings),
    purge: (db) => foldLedger(db, new Date(Date.now() - retentionMs)),
  };
};

import { recordAdminChanges } from '../audit-log/index.js';
import { cachedCopies, forgetCopies } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import { correctCounters, LEDGER_BALANCES_SQL, lockStock } from '../inventory/index.js';
import type { Cache } from '../shared/cache.js';
import { bumpOpsCounter } from '../shared/metrics.js';

export interface CounterDrift {
  product_id: number;
  sku: string;
  counters: { available: number; reserved: number; sold: number };
  truth: { available: number; reserved: number; sold: number };
  fixable: boolean;
}

export interface CacheDrift {
  product_id: number;
  sku: string;
  cached: { available: number; price_cents: number };
  db: { available: number; price_cents: number };
}

export interface ReconcileReport {
  counters: CounterDrift[];
  cache: CacheDrift[];
  /** Largest |cached available − database available| seen. */
  maxCacheDrift: number;
  fixed: { counters: number; cache: number };
}

/**
 * Truth, per product: reserved = units in ACTIVE reservations; sold = the ledger's sold balance
 * (sold − restocked); available = what the ledger received/adjusted minus those two.
 */
const TRUTH_SQL = `
  SELECT i.product_id, p.sku, i.available_count, i.reserved_count, i.sold_count,
         coalesce(r.active, 0)::int AS reserved_truth,
         coalesce(l.sold, 0)::int AS sold_truth,
         (coalesce(l.total, 0) - coalesce(r.active, 0) - coalesce(l.sold, 0))::int AS available_truth,
         coalesce(l.reserved, 0)::int AS ledger_reserved
    FROM inventory i
    JOIN products p ON p.id = i.product_id
    LEFT JOIN (SELECT product_id, sum(quantity) AS active FROM reservations WHERE state = 'ACTIVE' GROUP BY product_id) r
           ON r.product_id = i.product_id
    LEFT JOIN (${LEDGER_BALANCES_SQL}) l ON l.product_id = i.product_id`;

interface TruthRow {
  product_id: number;
  sku: string;
  available_count: number;
  reserved_count: number;
  sold_count: number;
  reserved_truth: number;
  sold_truth: number;
  available_truth: number;
  ledger_reserved: number;
}

export async function reconcile(
  db: Db,
  cache: Cache,
  { fix = false, actor = 'reconcile' } = {},
): Promise<ReconcileReport> {
  const { rows } = await db.raw<{ rows: TruthRow[] }>(
    `${TRUTH_SQL} WHERE i.available_count <> (coalesce(l.total, 0) - coalesce(r.active, 0) - coalesce(l.sold, 0))
        OR i.reserved_count <> coalesce(r.active, 0) OR i.sold_count <> coalesce(l.sold, 0)
        OR coalesce(l.reserved, 0) <> coalesce(r.active, 0)
     ORDER BY i.product_id`,
  );
  const counters: CounterDrift[] = rows.map((r) => ({
    product_id: r.product_id,
    sku: r.sku,
    counters: { available: r.available_count, reserved: r.reserved_count, sold: r.sold_count },
    truth: { available: r.available_truth, reserved: r.reserved_truth, sold: r.sold_truth },
    fixable: r.available_truth >= 0 && r.sold_truth >= 0,
  }));

  const cacheDrift = await compareCache(db, cache);
  const fixed = { counters: 0, cache: 0 };
  if (fix) {
    fixed.counters = await fixCounters(
      db,
      counters.filter((c) => c.fixable),
      actor,
    );
    await forgetCopies(
      cache,
      cacheDrift.map((d) => d.product_id),
    );
    fixed.cache = cacheDrift.length;
  }
  const maxCacheDrift = cacheDrift.reduce(
    (m, d) => Math.max(m, Math.abs(d.cached.available - d.db.available)),
    0,
  );
  // What was seen (before any fix): shop_inventory_cache_drift, for the InventoryOutOfSync alert.
  await bumpOpsCounter(db, 'inventory_cache_drift', maxCacheDrift, 'set');
  return {
    counters,
    cache: cacheDrift,
    maxCacheDrift,
    fixed,
  };
}

/** Cached read copies (product data, stock counter) whose stock or price no longer match PostgreSQL. */
async function compareCache(db: Db, cache: Cache): Promise<CacheDrift[]> {
  const drift: CacheDrift[] = [];
  let lastId = 0;
  for (;;) {
    const page = await db('products as p')
      .join('inventory as i', 'i.product_id', 'p.id')
      .where('p.id', '>', lastId)
      .orderBy('p.id')
      .limit(5_000)
      .select<{ id: number; sku: string; price_cents: number; available: number }[]>(
        'p.id',
        'p.sku',
        'p.price_cents',
        'i.available_count as available',
      );
    if (page.length === 0) return drift;
    lastId = page.at(-1)!.id;
    const cached = await cachedCopies(
      cache,
      page.map((p) => p.id),
    );
    page.forEach((p, i) => {
      const c = cached[i]!;
      const available = c.available ?? p.available;
      const price = c.price_cents ?? p.price_cents;
      if (available !== p.available || price !== p.price_cents) {
        drift.push({
          product_id: p.id,
          sku: p.sku,
          cached: { available, price_cents: price },
          db: { available: p.available, price_cents: p.price_cents },
        });
      }
    });
  }
}

/**
 * Rewrites drifted counters from the truth, under the row locks, through inventory's
 * correctCounters: where the ledger's reserved balance disagrees with the reservations, it squares
 * the ledger too.
 */
async function fixCounters(db: Db, drifts: CounterDrift[], actor: string): Promise<number> {
  if (drifts.length === 0) return 0;
  return db.transaction(async (trx) => {
    await lockStock(
      trx,
      drifts.map((d) => d.product_id),
    );
    // Recompute under the locks: a checkout may have committed since the report was read.
    const { rows } = await trx.raw<{ rows: TruthRow[] }>(
      `${TRUTH_SQL} WHERE i.product_id = ANY(?::bigint[])`,
      [drifts.map((d) => d.product_id)],
    );
    const fixable = rows.filter((r) => r.available_truth >= 0 && r.sold_truth >= 0);
    const truth = (r: TruthRow) => ({
      available: r.available_truth,
      reserved: r.reserved_truth,
      sold: r.sold_truth,
    });
    await correctCounters(
      trx,
      fixable.map((r) => ({
        product_id: r.product_id,
        counters: truth(r),
        reservedGap: r.reserved_truth - r.ledger_reserved,
      })),
      { actor, reason: 'reconcile' },
    );
    await recordAdminChanges(
      trx,
      fixable.map((r) => ({
        actor,
        action: 'inventory.reconcile',
        subjectType: 'inventory' as const,
        subjectId: r.sku,
        before: { available: r.available_count, reserved: r.reserved_count, sold: r.sold_count },
        after: truth(r),
      })),
    );
    return fixable.length;
  });
}

import { type AdminChange, recordAdminChanges } from '../audit-log/index.js';
import type { Db, Trx } from '../db/index.js';
import { DomainError } from '../shared/errors.js';
import { applyMovements, type LockedStock, lockStock } from './ledger.js';

export type InventoryService = ReturnType<typeof createInventoryService>;

export interface StockChange {
  sku: string;
  /** set: the new available count; adjust: a signed delta. */
  mode: 'set' | 'adjust';
  quantity: number;
}

export interface ReservationView {
  id: number;
  order_id: string;
  sku: string;
  quantity: number;
  expires_at: Date;
  order_status: string;
}

/**
 * What operator stock changes need from the catalog: product ids by SKU (or not_found naming the
 * unknown ones), and a word after each stock commit so browse drops its copies. The catalog sits
 * above inventory (a product is created with its stock through inventory's pieces), so it is
 * handed in: the container's catalog service.
 */
export interface SkuCatalog {
  resolveSkus(trx: Db | Trx, skus: string[]): Promise<Map<string, number>>;
  stockChanged(ids: Iterable<number>): Promise<void>;
}

const counts = (s: LockedStock) => ({
  available: s.available_count,
  reserved: s.reserved_count,
  sold: s.sold_count,
});

/**
 * Operator stock changes. Only *available* units are set or adjusted: reserved units belong to
 * pending orders and sold units to paid ones. Every change is an 'adjusted' ledger line with the
 * actor and reason, and an admin audit row with before/after.
 */
export function createInventoryService({ db, catalog }: { db: Db; catalog: SkuCatalog }) {
  /** Applies all changes or none (one transaction, rows locked in product_id order). */
  async function applyChanges(changes: StockChange[], opts: { actor: string; reason: string }) {
    if (!opts.reason.trim())
      throw new DomainError('validation_failed', 'A reason is required for a stock change');
    const result = await db.transaction(async (trx) => {
      const ids = await catalog.resolveSkus(trx, [...new Set(changes.map((c) => c.sku))]);
      const stock = await lockStock(trx, [...ids.values()]);
      const running = new Map([...stock].map(([id, s]) => [id, { ...s }]));
      const movements = [];
      const audit: AdminChange[] = [];
      for (const change of changes) {
        const id = ids.get(change.sku)!;
        const row = running.get(id)!;
        const before = counts(row);
        const delta = change.mode === 'set' ? change.quantity - row.available_count : change.quantity;
        if (!Number.isInteger(change.quantity) || (change.mode === 'set' && change.quantity < 0)) {
          throw new DomainError(
            'validation_failed',
            `Quantity for ${change.sku} must be a whole number${change.mode === 'set' ? ' ≥ 0' : ''}`,
          );
        }
        if (row.available_count + delta < 0) {
          throw new DomainError(
            'insufficient_stock',
            `${change.sku}: only ${row.available_count} available, cannot remove ${-delta}`,
            {
              sku: change.sku,
              available: row.available_count,
              requested: -delta,
            },
          );
        }
        if (delta === 0) continue;
        row.available_count += delta;
        movements.push({ product_id: id, kind: 'adjusted' as const, quantity: delta, reason: opts.reason });
        audit.push({
          actor: opts.actor,
          action: `inventory.${change.mode}`,
          subjectType: 'inventory',
          subjectId: change.sku,
          before,
          after: counts(row),
          reason: opts.reason,
        });
      }
      await applyMovements(trx, movements, opts.actor);
      await recordAdminChanges(trx, audit);
      return { changed: audit.length, productIds: movements.map((m) => m.product_id), audit };
    });
    await catalog.stockChanged(result.productIds);
    return result;
  }

  return {
    applyChanges,

    async setStock(sku: string, quantity: number, opts: { actor: string; reason: string }) {
      await applyChanges([{ sku, mode: 'set', quantity }], opts);
      return this.show(sku);
    },

    async adjustStock(sku: string, delta: number, opts: { actor: string; reason: string }) {
      if (delta === 0) throw new DomainError('validation_failed', 'An adjustment must not be zero');
      await applyChanges([{ sku, mode: 'adjust', quantity: delta }], opts);
      return this.show(sku);
    },

    /** ACTIVE reservations, soonest expiry first; `expiredOnly`: those the sweeper is due to release. */
    listReservations({ expiredOnly = false, limit = 100 } = {}) {
      return db('reservations as r')
        .join('products as p', 'p.id', 'r.product_id')
        .join('orders as o', 'o.id', 'r.order_id')
        .where('r.state', 'ACTIVE')
        .modify((q) => {
          if (expiredOnly) q.where('r.expires_at', '<=', db.fn.now());
        })
        .orderBy([{ column: 'r.expires_at' }, { column: 'r.id' }])
        .limit(limit)
        .select<ReservationView[]>(
          'r.id',
          'r.order_id',
          'p.sku',
          'r.quantity',
          'r.expires_at',
          'o.status as order_status',
        );
    },

    async show(sku: string) {
      const row = await db('products as p')
        .join('inventory as i', 'i.product_id', 'p.id')
        .where('p.sku', sku)
        .first(
          'p.id',
          'p.sku',
          'p.name',
          'i.available_count as available',
          'i.reserved_count as reserved',
          'i.sold_count as sold',
          'i.updated_at',
        );
      if (!row) throw new DomainError('not_found', `Unknown SKU: ${sku}`, { sku });
      const reservations = await db('reservations as r')
        .join('orders as o', 'o.id', 'r.order_id')
        .where({ 'r.product_id': row.id, 'r.state': 'ACTIVE' })
        .orderBy('r.expires_at')
        .limit(100)
        .select<Omit<ReservationView, 'sku'>[]>(
          'r.id',
          'r.order_id',
          'r.quantity',
          'r.expires_at',
          'o.status as order_status',
        );
      return { ...row, active_reservations: reservations };
    },
  };
}

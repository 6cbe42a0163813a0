import { type AdminChange, recordAdminChanges } from '../audit-log/index.js';
import { type Db, pgArray, type Trx } from '../db/index.js';
import { DomainError } from '../shared/errors.js';
import { createAnnouncedProducts } from './create-products.js';
import type { Product, ProductInput, ProductPatch } from './schemas.js';
import type { CatalogService } from './service.js';
import { unknownSku } from './skus.js';

export type ProductAdminService = ReturnType<typeof createProductAdminService>;

type Row = Pick<Product, 'id' | 'sku' | 'name' | 'description' | 'category' | 'price_cents'> & {
  active: boolean;
  max_per_customer: number | null;
};
const COLUMNS = [
  'id',
  'sku',
  'name',
  'description',
  'category',
  'price_cents',
  'active',
  'max_per_customer',
] as const;

const categoryName = (slug: string) => slug.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

async function ensureCategories(trx: Trx, slugs: string[]) {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return;
  await trx('categories')
    .insert(unique.map((slug) => ({ slug, name: categoryName(slug) })))
    .onConflict('slug')
    .ignore();
}

/**
 * Writes products by SKU (insert new, update existing), all in the caller's transaction, with the
 * initial stock of new products received through the ledger and an audit row per change.
 */
async function upsertProducts(trx: Trx, inputs: ProductInput[], actor: string) {
  await ensureCategories(
    trx,
    inputs.map((p) => p.category),
  );
  const existing = new Map(
    (
      await trx('products')
        .whereIn(
          'sku',
          inputs.map((p) => p.sku),
        )
        .forUpdate()
        .select<Row[]>(COLUMNS)
    ).map((r) => [r.sku, r]),
  );
  const fresh = inputs.filter((p) => !existing.has(p.sku));
  const changed = inputs.filter((p) => {
    const row = existing.get(p.sku);
    return (
      row &&
      (row.name !== p.name ||
        row.description !== p.description ||
        row.category !== p.category ||
        row.price_cents !== p.price_cents ||
        row.active !== p.active)
    );
  });
  const audit: AdminChange[] = [];
  if (fresh.length) {
    const created = await createAnnouncedProducts(trx, fresh, { actor, reason: 'initial stock' });
    const bySku = new Map(fresh.map((p) => [p.sku, p]));
    for (const { id, sku } of created) {
      const { name, description, category, price_cents, active } = bySku.get(sku)!;
      const after: Row = {
        id,
        sku,
        name,
        description,
        category,
        price_cents,
        active,
        max_per_customer: null,
      };
      audit.push({ actor, action: 'product.create', subjectType: 'product', subjectId: sku, after });
    }
  }
  if (changed.length) {
    await trx.raw(
      `UPDATE products p SET name = c.name, description = c.description, category = c.category,
              price_cents = c.price_cents, active = c.active, updated_at = now()
         FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::boolean[])
              AS c(sku, name, description, category, price_cents, active)
        WHERE p.sku = c.sku`,
      [
        changed.map((p) => p.sku),
        changed.map((p) => p.name),
        changed.map((p) => p.description),
        changed.map((p) => p.category),
        changed.map((p) => p.price_cents),
        pgArray(changed.map((p) => p.active)),
      ],
    );
    for (const p of changed) {
      const { stock: _stock, ...after } = p;
      audit.push({
        actor,
        action: 'product.update',
        subjectType: 'product',
        subjectId: p.sku,
        before: existing.get(p.sku),
        after,
      });
    }
  }
  await recordAdminChanges(trx, audit);
  return {
    created: fresh.length,
    updated: changed.length,
    unchanged: inputs.length - fresh.length - changed.length,
    touchedIds: changed.map((p) => existing.get(p.sku)!.id),
  };
}

/** Products as admins write them; their prices alone change through `prices.ts`. */
export function createProductAdminService({ db, catalog }: { db: Db; catalog: CatalogService }) {
  async function findBySku(sku: string) {
    const row = await db('products').where({ sku }).first<Row | undefined>(COLUMNS);
    if (!row) throw unknownSku(sku);
    return row;
  }

  return {
    findBySku,

    async create(input: ProductInput, actor: string) {
      const sku = input.sku;
      await db.transaction(async (trx) => {
        if (await trx('products').where({ sku }).first('id')) {
          throw new DomainError('already_exists', `SKU ${sku} already exists`, { sku });
        }
        await upsertProducts(trx, [input], actor);
      });
      return findBySku(sku);
    },

    async update(sku: string, patch: ProductPatch, actor: string) {
      const current = await findBySku(sku);
      const result = await db.transaction((trx) =>
        upsertProducts(
          trx,
          [{ ...current, ...patch, sku, stock: 0, description: patch.description ?? current.description }],
          actor,
        ),
      );
      await catalog.invalidateProducts([current.id, ...result.touchedIds]);
      return findBySku(sku);
    },

    /** Sets or lifts a product's limit per customer; checked by every checkout from the next batch on. */
    async setPurchaseLimit(sku: string, max: number | null, actor: string, reason?: string) {
      const current = await findBySku(sku);
      await db.transaction(async (trx) => {
        await trx('products')
          .where({ id: current.id })
          .update({ max_per_customer: max, updated_at: trx.fn.now() });
        await recordAdminChanges(trx, [
          {
            actor,
            action: 'product.purchase_limit',
            subjectType: 'product',
            subjectId: sku,
            before: { max_per_customer: current.max_per_customer },
            after: { max_per_customer: max },
            reason: reason ?? null,
          },
        ]);
      });
      await catalog.invalidateProducts([current.id]);
      return findBySku(sku);
    },

    /** Sets or clears (null: the store's LOW_STOCK_THRESHOLD) the available count below which admins hear of a product. */
    async setLowStockThreshold(sku: string, threshold: number | null, actor: string, reason?: string) {
      const current = await findBySku(sku);
      const before = await db('products').where({ id: current.id }).first('low_stock_threshold');
      await db.transaction(async (trx) => {
        await trx('products')
          .where({ id: current.id })
          .update({ low_stock_threshold: threshold, updated_at: trx.fn.now() });
        await recordAdminChanges(trx, [
          {
            actor,
            action: 'product.low_stock_threshold',
            subjectType: 'product',
            subjectId: sku,
            before: { low_stock_threshold: before?.low_stock_threshold ?? null },
            after: { low_stock_threshold: threshold },
            reason: reason ?? null,
          },
        ]);
      });
      return { sku, low_stock_threshold: threshold };
    },

    /** Imports validated rows in chunks inside one transaction: all or nothing. */
    async importProducts(rows: ProductInput[], actor: string, onProgress?: (done: number) => void) {
      const totals = { created: 0, updated: 0, unchanged: 0 };
      const touched: number[] = [];
      await db.transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += 2_000) {
          const chunk = rows.slice(i, i + 2_000);
          const r = await upsertProducts(trx, chunk, actor);
          totals.created += r.created;
          totals.updated += r.updated;
          totals.unchanged += r.unchanged;
          touched.push(...r.touchedIds);
          onProgress?.(i + chunk.length);
        }
      });
      await catalog.invalidateProducts(touched);
      return totals;
    },

    /** The admin listing: inactive products too, with their stock counters, by SKU. */
    list({ category, limit = 50 }: { category?: string; limit?: number } = {}) {
      return db('products as p')
        .join('inventory as i', 'i.product_id', 'p.id')
        .modify((q) => {
          if (category) q.where('p.category', category);
        })
        .orderBy('p.sku')
        .limit(limit)
        .select<(Row & { available: number; reserved: number })[]>(
          ...COLUMNS.map((c) => `p.${c}`),
          'i.available_count as available',
          'i.reserved_count as reserved',
        );
    },
  };
}

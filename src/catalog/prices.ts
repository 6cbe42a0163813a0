import { recordAdminChanges } from '../audit-log/index.js';
import type { Db } from '../db/index.js';
import { DomainError } from '../shared/errors.js';
import type { Product } from './schemas.js';
import type { CatalogService } from './service.js';
import { productsBySku } from './skus.js';

export interface PriceChange {
  sku: string;
  price_cents: number;
}

export type PriceService = ReturnType<typeof createPriceService>;

type PriceRow = Pick<Product, 'id' | 'sku' | 'name' | 'price_cents'>;
const COLUMNS = ['id', 'sku', 'name', 'price_cents'] as const;
const skusOf = (changes: PriceChange[]) => changes.map((c) => c.sku);

/**
 * Where prices change: one SKU (the admin API, `shopctl price set`) or many (`shopctl price bulk`),
 * with previews that write nothing. A product's create, PATCH or CSV import sets its price with the
 * rest of the product (`products.ts`).
 */
export function createPriceService({ db, catalog }: { db: Db; catalog: CatalogService }) {
  return {
    /**
     * Applies price changes atomically, with a `price.set` audit row per real change, then drops
     * the products' cached copies; past orders keep price_at_purchase, carts flag the change.
     */
    async changePrices(changes: PriceChange[], actor: string, reason?: string) {
      for (const c of changes) {
        if (!Number.isInteger(c.price_cents) || c.price_cents < 0) {
          throw new DomainError('validation_failed', `Price for ${c.sku} must be whole, non-negative cents`);
        }
      }
      const result = await db.transaction(async (trx) => {
        const bySku = await productsBySku<PriceRow>(trx, skusOf(changes), COLUMNS, {
          forUpdate: true,
        });
        const real = changes.filter((c) => bySku.get(c.sku)!.price_cents !== c.price_cents);
        if (real.length) {
          await trx.raw(
            `UPDATE products p SET price_cents = c.price, updated_at = now()
               FROM unnest(?::text[], ?::int[]) AS c(sku, price) WHERE p.sku = c.sku`,
            [real.map((c) => c.sku), real.map((c) => c.price_cents)],
          );
        }
        await recordAdminChanges(
          trx,
          real.map((c) => ({
            actor,
            action: 'price.set',
            subjectType: 'price' as const,
            subjectId: c.sku,
            before: { price_cents: bySku.get(c.sku)!.price_cents },
            after: { price_cents: c.price_cents },
            reason: reason ?? null,
          })),
        );
        return { changed: real.length, ids: real.map((c) => bySku.get(c.sku)!.id) };
      });
      await catalog.invalidateProducts(result.ids);
      return { changed: result.changed };
    },

    /** Current and proposed price per SKU for an explicit list; nothing is written. */
    async previewPrices(changes: PriceChange[]) {
      const bySku = await productsBySku<PriceRow>(db, skusOf(changes), COLUMNS);
      return changes.map((c) => {
        const row = bySku.get(c.sku)!;
        return { sku: c.sku, name: row.name, old_price_cents: row.price_cents, price_cents: c.price_cents };
      });
    },

    /** Prices after a percentage change on a category (rounded to the cent); nothing is written. */
    async previewPercent(category: string, percent: number) {
      if (!Number.isFinite(percent) || percent <= -100 || percent > 1_000) {
        throw new DomainError('validation_failed', 'percent must be above -100 and at most 1000');
      }
      const rows = await db('products').where({ category }).orderBy('sku').select<PriceRow[]>(COLUMNS);
      if (rows.length === 0)
        throw new DomainError('not_found', `No products in category ${category}`, { category });
      return rows.map((r) => ({
        sku: r.sku,
        name: r.name,
        old_price_cents: r.price_cents,
        price_cents: Math.round((r.price_cents * (100 + percent)) / 100),
      }));
    },
  };
}

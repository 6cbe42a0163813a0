import type { Db, Trx } from '../db/index.js';
import { DomainError } from '../shared/errors.js';

/**
 * not_found for SKUs no product has: the message names the first ten, details.skus up to 100
 * (the CSV imports turn them into the lines that named them).
 */
export function unknownSkuError(skus: string[]): DomainError {
  return new DomainError(
    'not_found',
    `Unknown SKU${skus.length > 1 ? 's' : ''}: ${skus.slice(0, 10).join(', ')}`,
    { skus: skus.slice(0, 100) },
  );
}

/** not_found for the one SKU a lookup named (`details.sku`, as the single-product routes answer). */
export const unknownSku = (sku: string) => new DomainError('not_found', `Unknown SKU: ${sku}`, { sku });

/** Throws unknownSkuError for the SKUs of `wanted` that `found` does not hold. */
export function assertKnownSkus(wanted: Iterable<string>, found: { has(sku: string): boolean }): void {
  const unknown = [...new Set(wanted)].filter((sku) => !found.has(sku));
  if (unknown.length) throw unknownSkuError(unknown);
}

/**
 * The products named by `skus`, by SKU, with the columns asked for (`sku` always), or
 * unknownSkuError naming those no product has; `forUpdate` locks their rows in `trx`.
 */
export async function productsBySku<R extends { sku: string }>(
  trx: Db | Trx,
  skus: string[],
  columns: readonly (keyof R & string)[],
  { forUpdate = false } = {},
): Promise<Map<string, R>> {
  // ANY(array) rather than whereIn: an import or a bulk price CSV can exceed PostgreSQL's 65,535
  // bind parameters.
  const query = trx('products')
    .whereRaw('sku = ANY(?::text[])', [skus])
    .select([...new Set(['sku', ...columns])]);
  const rows: R[] = await (forUpdate ? query.forUpdate() : query);
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  assertKnownSkus(skus, bySku);
  return bySku;
}

/** Product ids by SKU, for every one of `skus`, or unknownSkuError. */
export async function resolveSkus(trx: Db | Trx, skus: string[]): Promise<Map<string, number>> {
  const rows = await productsBySku<{ id: number; sku: string }>(trx, skus, ['id']);
  return new Map([...rows].map(([sku, r]) => [sku, r.id]));
}

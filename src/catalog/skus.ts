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

/** Product ids by SKU, for every one of `skus`, or unknownSkuError. */
export async function resolveSkus(trx: Db | Trx, skus: string[]): Promise<Map<string, number>> {
  // ANY(array) rather than whereIn: an import can exceed PostgreSQL's 65,535 bind parameters.
  const rows = await trx('products')
    .whereRaw('sku = ANY(?::text[])', [skus])
    .select<{ id: number; sku: string }[]>('id', 'sku');
  const ids = new Map(rows.map((r) => [r.sku, r.id]));
  assertKnownSkus(skus, ids);
  return ids;
}

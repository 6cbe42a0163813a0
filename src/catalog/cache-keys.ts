import type { Cache } from '../shared/cache.js';

/** Redis keys of the catalog's read copies: written by the catalog service, audited by reconcile. */
export const productKey = (id: number) => `product:${id}`;
export const genKey = (id: number) => `product:gen:${id}`;
/** The stock counter browse shows, read through from inventory with a short TTL. */
export const stockKey = (id: number) => `inventory:${id}:count`;
export const SEARCH_VERSION_KEY = 'search:ver';
/**
 * The primary's WAL position after the latest product change ({version: position}, only ever
 * raised): a read computed for the caches must include it, so a replica that has not replayed the
 * change yet never fills them with the old data. Kept long past any lag the replica may serve at.
 */
export const WRITTEN_KEY = 'catalog:written';
export const WRITTEN_TTL_MS = 10 * 60_000;

/** What browse would show from Redis for each product: its cached price and stock, null where nothing is cached. */
export async function cachedCopies(
  cache: Cache,
  ids: number[],
): Promise<{ price_cents: number | null; available: number | null }[]> {
  const hits = await cache.mgetJson<{ price_cents: number } | number>([
    ...ids.map(productKey),
    ...ids.map(stockKey),
  ]);
  return ids.map((_, i) => ({
    price_cents: (hits[i] as { price_cents: number } | null)?.price_cents ?? null,
    available: (hits[ids.length + i] as number | null) ?? null,
  }));
}

/** Drops products' read copies (data and stock); the next read goes to PostgreSQL. */
export async function forgetCopies(cache: Cache, ids: number[]) {
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000);
    await cache.del(...chunk.map(productKey), ...chunk.map(stockKey));
  }
}

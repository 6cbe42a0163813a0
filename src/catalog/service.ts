import { createHash } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { Cache } from '../shared/cache.js';
import { notFound } from '../shared/errors.js';
import * as q from './queries.js';
import type { Category, Product, ProductPage, ProductQuery } from './schemas.js';
import { type SearchBackend, toProduct } from './search.js';

export type CatalogService = ReturnType<typeof createCatalogService>;

interface Deps {
  db: Db;
  cache: Cache;
  search: SearchBackend;
  ttl: { productMs: number; searchMs: number };
}

const SEARCH_VERSION_KEY = 'search:ver';
const genKey = (id: number) => `product:gen:${id}`;

export function createCatalogService({ db, cache, search, ttl }: Deps) {
  // Bumping the version orphans every cached result page at once; they then age out by TTL.
  const searchVersion = async () => (await cache.get(SEARCH_VERSION_KEY)) ?? '0';

  return {
    async listProducts(query: ProductQuery): Promise<ProductPage> {
      const digest = createHash('sha1').update(JSON.stringify(query)).digest('base64url');
      const key = `search:${await searchVersion()}:${digest}`;
      const cached = await cache.getJson<ProductPage>(key);
      if (cached) return cached;
      const { products, total } = await search.search(query);
      const page: ProductPage = {
        products,
        total,
        page: query.page,
        next_page: query.page * query.limit < total ? query.page + 1 : null,
      };
      await cache.setJson(key, page, ttl.searchMs);
      return page;
    },

    async getProduct(id: number): Promise<Product> {
      const cached = await cache.getJson<Product>(`product:${id}`);
      if (cached) return cached;
      const generation = (await cache.get(genKey(id))) ?? '0';
      const row = await q.findProduct(db, id);
      if (!row) throw notFound('Product', { product_id: id });
      const product = toProduct(row);
      await cache.setIfGeneration(`product:${id}`, genKey(id), generation, product, ttl.productMs);
      return product;
    },

    /** Several products at once (one MGET, then one query for the misses); unknown or inactive ids are absent. */
    async getProducts(ids: number[]): Promise<Map<number, Product>> {
      const unique = [...new Set(ids)];
      const cached = await cache.mgetJson<Product>(unique.map((id) => `product:${id}`));
      const found = new Map<number, Product>();
      const missing: number[] = [];
      unique.forEach((id, i) => {
        const hit = cached[i];
        if (hit) found.set(id, hit);
        else missing.push(id);
      });
      if (missing.length) {
        const generations = await cache.mgetJson<number>(missing.map(genKey));
        const genOf = new Map(missing.map((id, i) => [id, String(generations[i] ?? 0)]));
        const rows = (await q.findProducts(db, missing)).map(toProduct);
        await Promise.all(
          rows.map((p) =>
            cache.setIfGeneration(`product:${p.id}`, genKey(p.id), genOf.get(p.id)!, p, ttl.productMs),
          ),
        );
        for (const p of rows) found.set(p.id, p);
      }
      return found;
    },

    listCategories: (): Promise<Category[]> => q.listCategories(db),

    /** Call after a product's data, price or stock changed (after the commit). */
    async invalidateProducts(ids: Iterable<number>) {
      const unique = [...new Set(ids)];
      // Chunked: an admin import touches 100k products, and one 100k-key command overflows the client.
      for (let i = 0; i < unique.length; i += 1_000) {
        const chunk = unique.slice(i, i + 1_000);
        // Bump generations first, so a reader that fetched before this change cannot re-cache it.
        await Promise.all(chunk.map((id) => cache.incr(genKey(id))));
        await cache.del(...chunk.map((id) => `product:${id}`));
      }
      await cache.incr(SEARCH_VERSION_KEY);
    },
  };
}

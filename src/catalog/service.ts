import { createHash } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { Reads } from '../db/replica.js';
import type { Cache } from '../shared/cache.js';
import { notFound } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  forgetCopies,
  genKey,
  productKey,
  SEARCH_VERSION_KEY,
  stockKey,
  WRITTEN_KEY,
  WRITTEN_TTL_MS,
} from './cache-keys.js';
import { createCursors, cursorKey } from './cursor.js';
import * as q from './queries.js';
import {
  type Category,
  MAX_PAGE,
  type PageQuery,
  type Product,
  type ProductFilter,
  type ProductPage,
  type ProductQuery,
  type SortKey,
} from './schemas.js';
import {
  hasWords,
  type ProductRow,
  readsWhole,
  type SearchAnswer,
  type SearchBackend,
  type SearchSummary,
} from './search.js';
import { resolveSkus } from './skus.js';
import { suggestWords } from './words.js';

export type CatalogService = ReturnType<typeof createCatalogService>;

interface Deps {
  /** The primary: a cart's products, and where a product change's WAL position is read. */
  db: Db;
  /** Browse's reads (pages, product pages, categories, suggestions): the replica where there is one. */
  reads: Reads;
  cache: Cache;
  search: SearchBackend;
  logger: Logger;
  /** Cursors are signed with a key derived from it (AUTH_CACHE_SECRET); without one, per process. */
  cursorSecret: string | null;
  ttl: {
    /** A product's own data (name, price...): kept until the product changes. */
    productMs: number;
    /** A result that depends on stock (in_stock=true) is fresh this long. */
    searchMs: number;
    /** Any result is fresh at most this long (until product data changes, for one that ignores stock). */
    searchMaxAgeMs: number;
    /** A product's available count: the most browse can lag PostgreSQL. */
    stockMs: number;
  };
}

/** A product as cached: everything but its stock, which changes with every checkout. */
type ProductData = Omit<Product, 'available' | 'in_stock'>;

interface Entry<T> {
  /** The search version the entry was computed at: product data changed since if it differs. */
  v: string;
  /** When it was computed (ms since the epoch). */
  at: number;
  data: T;
}

/** A query's rows in order (each with its sort key, for cursors), and whether more follow them. */
interface PageRows {
  keys: SortKey[];
  more: boolean;
}

const digest = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64url');

/** Where a read runs: browse may trail the primary (Reads), a cart's own view may not. */
type Source = 'replica' | 'primary';

/** The position a read for the caches must include (WRITTEN_KEY's value), or null. */
const writtenAt = (raw: unknown) => (raw as { version?: number } | null)?.version ?? null;

const withStock = (data: ProductData, available: number): Product => ({
  ...data,
  available,
  in_stock: available > 0,
});

/**
 * Browse answers come from three caches with three lifetimes, so a checkout never flushes browse:
 * result pages and summaries hold ids and counts (dropped only when product data changes), each
 * product's data is cached until it changes, and its stock is read through a short-lived counter
 * that checkouts and settlements delete after they commit.
 *
 * With a replica, browse computes on it: stock shown trails the primary by at most
 * REPLICA_MAX_LAG (plus STOCK_CACHE_TTL, as without one), and product data read for the caches
 * includes every product change written before it (WRITTEN_KEY), however long it stays cached.
 */
export function createCatalogService({ db, reads, cache, search, logger, cursorSecret, ttl }: Deps) {
  const on = <T>(source: Source, read: (db: Db) => Promise<T>, after: number | null = null) =>
    source === 'primary' ? read(db) : reads.run(read, after);
  const cursors = createCursors(cursorKey(cursorSecret));
  /** One computation per key at a time in this process: a popular miss costs one query, not fifty. */
  const inflight = new Map<string, Promise<unknown>>();
  function once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let running = inflight.get(key) as Promise<T> | undefined;
    if (!running) {
      running = compute().finally(() => inflight.delete(key));
      inflight.set(key, running);
    }
    return running;
  }

  async function recompute<T>(
    key: string,
    version: string,
    freshMs: number,
    compute: () => Promise<T>,
  ): Promise<T> {
    return once(`${key}@${version}`, async () => {
      const data = await compute();
      // Kept twice its freshness: the second half is served stale while a refresh runs.
      await cache.setJson(key, { v: version, at: Date.now(), data } satisfies Entry<T>, 2 * freshMs);
      return data;
    });
  }

  /**
   * A cached entry of the current version is served; once older than `freshMs` it is served
   * while one refresh runs (stale-while-revalidate). An entry from before a product change, or
   * none, is computed now: after an admin writes, the next read sees the write.
   */
  async function cached<T>(
    key: string,
    version: string,
    entry: Entry<T> | null,
    freshMs: number,
    compute: () => Promise<T>,
  ): Promise<T> {
    if (entry?.v !== version) return recompute(key, version, freshMs, compute);
    if (Date.now() - entry.at > freshMs) {
      recompute(key, version, freshMs, compute).catch((err) =>
        logger.warn({ err: (err as Error).message, key }, 'browse cache refresh failed'),
      );
    }
    return entry.data;
  }

  /** Live stock for products whose data is already known: the short-lived counters, then inventory. */
  async function stockOf(
    ids: number[],
    counters: (number | null)[],
    source: Source,
  ): Promise<Map<number, number>> {
    const stock = new Map<number, number>();
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const n = counters[i];
      if (typeof n === 'number') stock.set(id, n);
      else missing.push(id);
    });
    if (missing.length) {
      const rows = await on(source, (from) => q.availableCounts(from, missing));
      await Promise.all(rows.map((r) => cache.setJson(stockKey(r.product_id), r.available, ttl.stockMs)));
      for (const r of rows) stock.set(r.product_id, r.available);
    }
    return stock;
  }

  /** Several products at once (one MGET of data and stock, then PostgreSQL for the misses); unknown or inactive ids are absent. */
  async function productsFrom(source: Source, ids: number[]): Promise<Map<number, Product>> {
    const unique = [...new Set(ids)];
    const found = new Map<number, Product>();
    if (unique.length === 0) return found;
    const hits = await cache.mgetJson<ProductData | number>([
      ...unique.map(productKey),
      ...unique.map(stockKey),
    ]);
    const known: number[] = [];
    const counters: (number | null)[] = [];
    const datas = new Map<number, ProductData>();
    const missing: number[] = [];
    unique.forEach((id, i) => {
      const data = hits[i] as ProductData | null;
      if (data) {
        datas.set(id, data);
        known.push(id);
        counters.push(hits[unique.length + i] as number | null);
      } else missing.push(id);
    });
    const stock = await stockOf(known, counters, source);
    for (const id of known) {
      const available = stock.get(id);
      // An id with data cached but no inventory row left is a product deleted since: absent.
      if (available !== undefined) found.set(id, withStock(datas.get(id)!, available));
    }
    if (missing.length) {
      // Generations and the written position in one MGET: a reader that sees a change's generation
      // sees its position too (set before the generations move).
      const generations = await cache.mgetJson<unknown>([...missing.map(genKey), WRITTEN_KEY]);
      const genOf = new Map(missing.map((id, i) => [id, String(generations[i] ?? 0)]));
      const rows = await on(source, (from) => q.findProducts(from, missing), writtenAt(generations.at(-1)));
      const read = rows.map((row) => ({ data: toData(row), available: row.available }));
      await Promise.all(
        read.flatMap(({ data, available }) => [
          cache.setIfGeneration(
            productKey(data.id),
            genKey(data.id),
            genOf.get(data.id)!,
            data,
            ttl.productMs,
          ),
          cache.setJson(stockKey(data.id), available, ttl.stockMs),
        ]),
      );
      for (const { data, available } of read) found.set(data.id, withStock(data, available));
    }
    return found;
  }

  /** Products' live stock (the counters, then inventory); a product without an inventory row is absent. */
  async function liveStock(ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    return stockOf(ids, await cache.mgetJson<number>(ids.map(stockKey)), 'replica');
  }

  const versionOf = (raw: unknown) => String(raw ?? 0);

  return {
    /** For a shopper's own cart: read on the primary (the products they just added, as they are now). */
    getProducts: (ids: number[]) => productsFrom('primary', ids),

    /** Products shown beside browse (recommendations): as product pages read them, the replica where there is one. */
    browseProducts: (ids: number[]) => productsFrom('replica', ids),

    async listProducts({ cursor, ...query }: ProductQuery): Promise<ProductPage> {
      const after = cursor === undefined ? undefined : cursors.decode(cursor, query.fingerprint);
      const filter: ProductFilter = {
        search: query.search,
        category: query.category,
        minPrice: query.minPrice,
        maxPrice: query.maxPrice,
        inStock: query.inStock,
      };
      const summaryKey = `search:summary:${digest(filter)}`;
      // A backend's first rows of a query (headRows) are computed and cached once for all its
      // first pages, whatever their size.
      const head = search.headRows;
      const inHead = after === undefined && query.page * query.limit <= head;
      const pageKey = inHead
        ? `search:head:${query.fingerprint}`
        : `search:page:${digest([query.fingerprint, query.page, query.limit, after ?? null])}`;
      const [rawVersion, summaryEntry, pageEntry, writtenRaw] = await cache.mgetJson<unknown>([
        SEARCH_VERSION_KEY,
        summaryKey,
        pageKey,
        WRITTEN_KEY,
      ]);
      const version = versionOf(rawVersion);
      const fence = writtenAt(writtenRaw);
      // Without in_stock, what matches and in which order is product data alone, and a product
      // change bumps the version: such results need no refresh on a timer.
      const freshMs = query.inStock ? ttl.searchMs : ttl.searchMaxAgeMs;
      const asked: PageQuery = inHead ? { ...query, page: 1, limit: head } : { ...query, after };
      // A backend that answers both in one pass is asked once when both are to be computed.
      let answer: Promise<SearchAnswer> | undefined;
      const both = () => (answer ??= search.browse!(asked, fence));
      const summarized = cached(
        summaryKey,
        version,
        summaryEntry as Entry<SearchSummary> | null,
        freshMs,
        () => (search.browse ? both().then((a) => a.summary) : search.summarize(filter, fence)),
      );
      // Rows this request read itself are shown as read; cached ids are resolved through getProducts.
      let read: ProductRow[] = [];
      let indexedStock = false;
      const paged = cached(pageKey, version, pageEntry as Entry<PageRows> | null, freshMs, async () => {
        const found = search.browse
          ? (await both()).page
          : await search.page(asked, hasWords(filter) ? false : readsWhole(await summarized), fence);
        read = found.rows;
        indexedStock = found.indexedStock === true;
        return { keys: found.keys, more: found.more };
      });
      const [summary, rows] = await Promise.all([summarized, paged]);
      const from = inHead ? (query.page - 1) * query.limit : 0;
      const slice = rows.keys.slice(from, from + query.limit);
      const more = rows.keys.length > from + query.limit || (rows.more && slice.length === query.limit);
      const page = { ids: slice.map((k) => k.id), next: more ? (slice.at(-1) ?? null) : null };
      const onPage = new Set(page.ids);
      // A search engine's rows carry its copy of stock, there to filter on: the stock shown is live.
      const live = indexedStock
        ? await liveStock(read.filter((r) => onPage.has(r.id)).map((r) => r.id))
        : null;
      const products = new Map<number, Product>();
      for (const r of read) {
        const available = live ? live.get(r.id) : r.available;
        if (available !== undefined) products.set(r.id, withStock(toData(r), available));
      }
      const unread = page.ids.filter((id) => !products.has(id));
      if (unread.length) for (const [id, p] of await productsFrom('replica', unread)) products.set(id, p);
      // The page was chosen up to a search TTL ago; the stock shown is live, and a product that
      // sold out since leaves an in-stock listing rather than show there as unavailable.
      const shown = page.ids
        .map((id) => products.get(id))
        .filter((p): p is Product => p !== undefined && (!query.inStock || p.in_stock));
      const byPage = after === undefined;
      return {
        products: shown,
        total: summary.total,
        total_is_estimate: summary.total_is_estimate,
        facets: summary.facets,
        page: byPage ? query.page : null,
        next_page: byPage && page.next && query.page < MAX_PAGE ? query.page + 1 : null,
        next_cursor: page.next ? cursors.encode(query.fingerprint, page.next) : null,
      };
    },

    /** Search-as-you-type, cached per typed words until product data changes (as categories are). */
    async suggest(typed: string, limit: number): Promise<string[]> {
      const words = suggestWords(typed);
      if (!words) return [];
      const key = `search:suggest:${digest([words, limit])}`;
      const [rawVersion, entry, written] = await cache.mgetJson<unknown>([
        SEARCH_VERSION_KEY,
        key,
        WRITTEN_KEY,
      ]);
      return cached(key, versionOf(rawVersion), entry as Entry<string[]> | null, ttl.searchMaxAgeMs, () =>
        search.suggest(words.join(' '), limit, writtenAt(written)),
      );
    },

    async getProduct(id: number): Promise<Product> {
      const product = (await productsFrom('replica', [id])).get(id);
      if (!product) throw notFound('Product', { product_id: id });
      return product;
    },

    async listCategories(): Promise<Category[]> {
      const key = 'search:categories';
      const [rawVersion, entry, written] = await cache.mgetJson<unknown>([
        SEARCH_VERSION_KEY,
        key,
        WRITTEN_KEY,
      ]);
      return cached(key, versionOf(rawVersion), entry as Entry<Category[]> | null, ttl.searchMaxAgeMs, () =>
        on('replica', (from) => q.listCategories(from), writtenAt(written)),
      );
    },

    /** Product ids by SKU, or not_found naming the unknown ones (`skus.ts`): inventory's stock changes. */
    resolveSkus,

    /** Call after products' stock changed (after the commit): browse shows the new counts at once. */
    async stockChanged(ids: Iterable<number>) {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 1_000)
        await cache.del(...unique.slice(i, i + 1_000).map(stockKey));
    },

    /** Call after products' data changed (name, price, category, active; after the commit). */
    async invalidateProducts(ids: Iterable<number>) {
      const unique = [...new Set(ids)];
      // The change's position first: whoever sees its generations or version below sees it too.
      const position = await reads.position();
      if (position !== null)
        await cache.setIfNewer(WRITTEN_KEY, position, { version: position }, WRITTEN_TTL_MS);
      // Chunked: an admin import touches 100k products, and one 100k-key command overflows the client.
      // Generations first, so a reader that fetched before this change cannot re-cache it.
      for (let i = 0; i < unique.length; i += 1_000)
        await Promise.all(unique.slice(i, i + 1_000).map((id) => cache.incr(genKey(id))));
      await forgetCopies(cache, unique);
      // Result pages and summaries of the old version are recomputed on their next read.
      await cache.incr(SEARCH_VERSION_KEY);
    },
  };
}

function toData({ available: _, ...row }: ProductRow): ProductData {
  return { ...row, created_at: row.created_at.toISOString() };
}

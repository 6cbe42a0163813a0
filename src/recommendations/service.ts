import type { CartOwner, CartService } from '../cart/index.js';
import type { CatalogService, Product, SearchBackend } from '../catalog/index.js';
import { resolveSkus } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import type { Cache } from '../shared/cache.js';
import { DomainError, notFound } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import * as q from './queries.js';
import type {
  BatchPhase,
  BatchResult,
  CartRecommendations,
  ProductRecommendations,
  RecommendationSource,
} from './schemas.js';

export type RecommendationService = ReturnType<typeof createRecommendationService>;

interface Deps {
  db: Db;
  cache: Cache;
  catalog: CatalogService;
  cart: CartService;
  /** Browse's search backend: its `similar` answers for products with no co-purchase data. */
  search: SearchBackend;
  logger: Logger;
  options: { windowMs: number; minSupport: number; intervalMs: number };
}

/** The generation served, as last seen: `{version}` (only ever raised, by `setIfNewer`). */
export const GENERATION_KEY = 'recs:gen';
export const listKey = (productId: number) => `recs:product:${productId}`;

/**
 * How long a process trusts the cached generation number before reading it from PostgreSQL again:
 * the process that ran a batch raises it at once, so this only bounds a raise Redis missed.
 */
const GENERATION_TTL_MS = 60_000;
/** Similar products follow the catalog (names, prices, new products), not the batch: refreshed hourly. */
const SIMILAR_TTL_MS = 3_600_000;
/** Candidates kept for a product without co-purchase data: some may be sold out when shown. */
const SIMILAR_CANDIDATES = 20;
/** Candidates a cart's answer resolves against the catalog: its best, some sold out. */
const CART_CANDIDATES = 60;

/** A product's list as cached: the generation it was read in, where it came from, ids best first. */
interface ListEntry {
  gen: number;
  source: RecommendationSource;
  items: q.ScoredId[];
}

/** PostgreSQL's serialization error for NOWAIT: the state row is locked by a batch in flight. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * "Customers who bought this also bought": a daily batch computes every product's list in
 * PostgreSQL and swaps it in whole; requests read lists through Redis, keyed to the batch
 * generation (a new batch makes every cached list stale at once), and show only what is active and
 * in stock now, with the catalog's live stock. A product with no co-purchase data gets similar
 * products instead.
 */
export function createRecommendationService({ db, cache, catalog, cart, search, logger, options }: Deps) {
  const listTtlMs = 2 * options.intervalMs;
  const inflight = new Map<string, Promise<Map<number, ListEntry>>>();

  async function servedGeneration(): Promise<number> {
    const { generation } = await q.servedGeneration(db);
    await cache.setIfNewer(GENERATION_KEY, generation, { version: generation }, GENERATION_TTL_MS);
    return generation;
  }

  /** Lists read from PostgreSQL (similar products where the batch has none) and cached; one read per set of ids at a time. */
  function readLists(ids: number[]): Promise<Map<number, ListEntry>> {
    const key = ids.join(',');
    let running = inflight.get(key);
    if (!running) {
      running = (async () => {
        const [{ generation, lists }, known] = await Promise.all([q.listsOf(db, ids), q.activeIds(db, ids)]);
        const entries = new Map<number, ListEntry>();
        await Promise.all(
          ids.map(async (id) => {
            const items = lists.get(id) ?? [];
            // Unknown ids are answered (a 404) but not cached: anyone can ask for any number.
            if (!known.has(id)) {
              entries.set(id, { gen: generation, source: 'co_purchase', items: [] });
              return;
            }
            const entry: ListEntry = items.length
              ? { gen: generation, source: 'co_purchase', items }
              : {
                  gen: generation,
                  source: 'similar',
                  items: (await search.similar(id, SIMILAR_CANDIDATES)).map((other) => ({
                    id: other,
                    score: 0,
                  })),
                };
            entries.set(id, entry);
            await cache.setJson(listKey(id), entry, items.length ? listTtlMs : SIMILAR_TTL_MS);
          }),
        );
        return entries;
      })().finally(() => inflight.delete(key));
      inflight.set(key, running);
    }
    return running;
  }

  /**
   * Products' lists in the generation served: one MGET of the generation and the lists, then
   * PostgreSQL for those missing or of another generation. A list read in a newer generation than
   * Redis names yet is used as read, never an older one.
   */
  async function listsFor(ids: number[]): Promise<{ generation: number; lists: Map<number, ListEntry> }> {
    const hits = await cache.mgetJson<unknown>([GENERATION_KEY, ...ids.map(listKey)]);
    const named = (hits[0] as { version?: number } | null)?.version;
    let generation = typeof named === 'number' ? named : await servedGeneration();
    const lists = new Map<number, ListEntry>();
    const stale: number[] = [];
    ids.forEach((id, i) => {
      const entry = hits[i + 1] as ListEntry | null;
      if (entry && entry.gen === generation) lists.set(id, entry);
      else stale.push(id);
    });
    if (stale.length) {
      for (const [id, entry] of await readLists(stale)) {
        lists.set(id, entry);
        generation = Math.max(generation, entry.gen);
      }
    }
    return { generation, lists };
  }

  /** The ids' products as browse shows them, those active and in stock now, in the ids' order. */
  function onSale(ids: number[], products: Map<number, Product>, limit: number): Product[] {
    const shown: Product[] = [];
    for (const id of ids) {
      const product = products.get(id);
      if (product?.in_stock) shown.push(product);
      if (shown.length === limit) break;
    }
    return shown;
  }

  return {
    async forProduct(productId: number, limit: number): Promise<ProductRecommendations> {
      const { generation, lists } = await listsFor([productId]);
      const list = lists.get(productId)!;
      const ids = list.items.map((item) => item.id).filter((id) => id !== productId);
      // The product itself in the same read: an unknown or inactive one is a 404, as its page is.
      const products = await catalog.browseProducts([productId, ...ids]);
      if (!products.has(productId)) throw notFound('Product', { product_id: productId });
      return {
        product_id: productId,
        source: list.source,
        generation,
        recommendations: onSale(ids, products, limit),
      };
    },

    /**
     * What goes with the whole cart: each candidate scores the sum of its scores on the lists of
     * the cart's products (bought with several of them ranks above bought with one), and nothing
     * the cart holds is offered. Only when none of its products has co-purchase data are similar
     * products offered, the cart's lists taken in turn.
     */
    async forCart(owner: CartOwner, limit: number): Promise<CartRecommendations> {
      const view = await cart.getCart(owner);
      const held = new Set(view.items.map((item) => item.product_id));
      const { generation, lists } = await listsFor([...held]);
      if (held.size === 0) {
        return { cart_id: view.cart_id, source: 'co_purchase', generation, recommendations: [] };
      }
      const entries = [...lists.values()];
      const bought = entries.filter((e) => e.source === 'co_purchase');
      let source: RecommendationSource;
      let ranked: number[];
      if (bought.length) {
        source = 'co_purchase';
        const scores = new Map<number, number>();
        for (const entry of bought) {
          for (const { id, score } of entry.items) {
            if (!held.has(id)) scores.set(id, (scores.get(id) ?? 0) + score);
          }
        }
        ranked = [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
      } else {
        source = 'similar';
        const seen = new Set<number>();
        ranked = [];
        const longest = Math.max(...entries.map((e) => e.items.length));
        for (let i = 0; i < longest; i++) {
          for (const entry of entries) {
            const id = entry.items[i]?.id;
            if (id !== undefined && !held.has(id) && !seen.has(id)) {
              seen.add(id);
              ranked.push(id);
            }
          }
        }
      }
      ranked = ranked.slice(0, CART_CANDIDATES);
      const products = await catalog.browseProducts(ranked);
      return { cart_id: view.cart_id, source, generation, recommendations: onSale(ranked, products, limit) };
    },

    /**
     * Computes every product's list from the window's paid orders and serves it in place of the
     * previous one, in one transaction: the new generation's rows, the state row's flip and the old
     * generation's delete commit together. The state row is locked for the batch's length, so a
     * second batch (another process, the CLI) is refused rather than run twice.
     */
    async rebuild({ onPhase }: { onPhase?: (phase: BatchPhase) => void } = {}): Promise<BatchResult> {
      const window = {
        windowSeconds: Math.round(options.windowMs / 1_000),
        minSupport: options.minSupport,
      };
      const startedAt = new Date();
      const started = performance.now();
      const result = await db.transaction(async (trx) => {
        const served = await q.lockState(trx).catch((err: { code?: string }) => {
          if (err.code === LOCK_NOT_AVAILABLE)
            throw new DomainError('conflict', 'A recommendations batch is already running');
          throw err;
        });
        // The pair counts are hash aggregates over millions of rows: in memory, not in batches on disk.
        await trx.raw(`SET LOCAL work_mem = '256MB'`);
        onPhase?.('baskets');
        const orders = await q.collectBaskets(trx, window);
        onPhase?.('counts');
        const products = await q.countProductOrders(trx);
        onPhase?.('pairs');
        const generation = served.generation + 1;
        const recommendations = await q.writeGeneration(trx, generation, window);
        onPhase?.('swap');
        const finishedAt = await q.serveGeneration(trx, generation);
        const durationMs = Math.round(performance.now() - started);
        await q.recordBatch(trx, {
          generation,
          started_at: startedAt,
          duration_ms: durationMs,
          window_seconds: window.windowSeconds,
          min_support: window.minSupport,
          orders,
          products,
          recommendations,
        });
        return {
          generation,
          started_at: startedAt,
          finished_at: finishedAt,
          seconds: durationMs / 1_000,
          window_seconds: window.windowSeconds,
          min_support: window.minSupport,
          orders,
          products,
          recommendations,
        };
      });
      // After the commit: every process's cached lists are of an older generation from now on.
      await cache.setIfNewer(
        GENERATION_KEY,
        result.generation,
        { version: result.generation },
        GENERATION_TTL_MS,
      );
      logger.info(
        { generation: result.generation, seconds: result.seconds, orders: result.orders },
        'recommendations batch served',
      );
      return result;
    },

    /** The batch served now (null before the first), and a product's list as the batch wrote it. */
    async describe(sku: string) {
      const productId = (await resolveSkus(db, [sku])).get(sku)!;
      const [batch, list] = await Promise.all([q.servedBatch(db), q.describeList(db, productId)]);
      return { product_id: productId, sku, batch, list };
    },
  };
}

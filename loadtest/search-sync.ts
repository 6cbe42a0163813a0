import type { Db } from '../src/db/index.js';
import { INDEXED_EVENT_TYPES, indexLag } from '../src/search/index.js';
import { quantiles } from './fire.js';

/**
 * How closely the search index follows a sale (SEARCH_BACKEND=opensearch): the index lag as
 * `shopctl search status` computes it, sampled every `lagEveryMs`; and, for the hot product, how
 * long after PostgreSQL's last unit went the product left in-stock results, seen two ways: the
 * engine's own answer to "this product, in_stock=true" (what the index holds, after its refresh),
 * and the shopper's `GET /products?in_stock=true&search=<its name>`.
 */
export interface SearchSync {
  lag: { samples: number; p50: number; p99: number; max: number; maxOwed: number };
  /**
   * Each time PostgreSQL's available count for the hot product reached 0 (polled every 25 ms):
   * how long until the engine's in-stock query and the shopper's in-stock search stopped showing
   * it (ms), null when the product was back in stock (a declined payment's unit) before they did.
   */
  soldOut: {
    atMs: number;
    lastedMs: number;
    /** Still sold out when sampling stopped. */
    final: boolean;
    indexMs: number | null;
    apiMs: number | null;
  }[];
  reads: { pg: number; index: number; api: number; apiErrors: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function sampleSearchSync({
  db,
  serviceUrl,
  opensearchUrl,
  alias,
  productId,
  name,
  startedAt,
  lagEveryMs = 200,
  pgEveryMs = 25,
  readEveryMs = 100,
}: {
  db: Db;
  serviceUrl: string;
  opensearchUrl: string;
  alias: string;
  productId: number;
  name: string;
  startedAt: number;
  lagEveryMs?: number;
  pgEveryMs?: number;
  readEveryMs?: number;
}) {
  let stopped = false;
  const lags: { at: number; seconds: number; owed: number }[] = [];
  const pg: { at: number; available: number }[] = [];
  const index: { at: number; inStock: boolean }[] = [];
  const api: { at: number; inStock: boolean }[] = [];
  let apiErrors = 0;
  const loop = (everyMs: number, body: () => Promise<void>) =>
    (async () => {
      while (!stopped) {
        const t = Date.now();
        try {
          await body();
        } catch {
          // counted where it matters (apiErrors); a missed sample is only a gap
        }
        await sleep(Math.max(0, everyMs - (Date.now() - t)));
      }
    })();
  const loops = [
    loop(lagEveryMs, async () => {
      const l = await indexLag(db, INDEXED_EVENT_TYPES);
      lags.push({ at: Date.now() - startedAt, seconds: l.seconds, owed: l.owed });
    }),
    loop(pgEveryMs, async () => {
      const row = await db('inventory').where({ product_id: productId }).first('available_count');
      pg.push({ at: Date.now() - startedAt, available: row.available_count });
    }),
    loop(readEveryMs, async () => {
      const sent = Date.now();
      const res = await fetch(`${opensearchUrl}/${alias}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          size: 0,
          track_total_hits: true,
          query: {
            bool: { filter: [{ ids: { values: [String(productId)] } }, { term: { in_stock: true } }] },
          },
        }),
      });
      const body = (await res.json()) as { hits?: { total?: { value?: number } } };
      if (!res.ok || body.hits?.total?.value === undefined) return;
      index.push({ at: sent - startedAt, inStock: body.hits.total.value > 0 });
    }),
    loop(readEveryMs, async () => {
      const sent = Date.now();
      try {
        const res = await fetch(
          `${serviceUrl}/products?in_stock=true&limit=50&search=${encodeURIComponent(name)}`,
        );
        const body = (await res.json()) as { products?: { id: number }[] };
        if (!res.ok || !body.products) {
          apiErrors++;
          return;
        }
        api.push({ at: sent - startedAt, inStock: body.products.some((p) => p.id === productId) });
      } catch {
        apiErrors++;
      }
    }),
  ];
  return {
    async stop(): Promise<SearchSync> {
      stopped = true;
      await Promise.all(loops);
      const sorted = Float64Array.from(lags.map((l) => l.seconds * 1000)).sort();
      // Sold-out stretches: from the first poll that read 0 to the first that read more again.
      const stretches: { from: number; to: number | null }[] = [];
      for (const p of pg) {
        const open = stretches.at(-1);
        if (p.available === 0 && (!open || open.to !== null)) stretches.push({ from: p.at, to: null });
        else if (p.available > 0 && open && open.to === null) open.to = p.at;
      }
      // A read sent after the stretch began that no longer shows the product, and none after it
      // within the stretch that shows it again.
      const leftAt = (reads: { at: number; inStock: boolean }[], from: number, to: number | null) => {
        const within = reads.filter((r) => r.at >= from && (to === null || r.at < to));
        let gone: number | null = null;
        for (const r of within) {
          if (!r.inStock && gone === null) gone = r.at;
          else if (r.inStock) gone = null;
        }
        return gone === null ? null : gone - from;
      };
      const end = pg.at(-1)?.at ?? 0;
      return {
        lag: {
          samples: sorted.length,
          ...quantiles(sorted, Math.round),
          maxOwed: Math.max(0, ...lags.map((l) => l.owed)),
        },
        soldOut: stretches.map((s) => ({
          atMs: s.from,
          lastedMs: (s.to ?? end) - s.from,
          final: s.to === null,
          indexMs: leftAt(index, s.from, s.to),
          apiMs: leftAt(api, s.from, s.to),
        })),
        reads: { pg: pg.length, index: index.length, api: api.length, apiErrors },
      };
    },
  };
}

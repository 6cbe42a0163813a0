import type { Db } from '../src/db/index.js';
import { quantiles } from './fire.js';

export interface StockLag {
  /** Browse reads of the hot product compared. */
  samples: number;
  /** How far behind PostgreSQL the available count shown was (ms): p50, p99, max. */
  p50: number;
  p99: number;
  max: number;
  /** Reads whose value PostgreSQL never held while polled (it lived less than a poll). */
  unmatched: number;
}

interface Point {
  at: number;
  available: number;
}

/**
 * How stale browse's stock is during a sale: PostgreSQL's available count for one product is
 * polled every `pgEveryMs`, and `GET /products/:id` every `browseEveryMs`. A read showing value v
 * at time t lags by t minus the moment PostgreSQL stopped holding v (0 while it still holds v).
 */
export function sampleStockLag(db: Db, url: string, productId: number, pgEveryMs = 25, browseEveryMs = 100) {
  const truth: Point[] = [];
  const shown: Point[] = [];
  let stopped = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const pgLoop = (async () => {
    while (!stopped) {
      const row = await db('inventory').where({ product_id: productId }).first('available_count');
      truth.push({ at: performance.now(), available: row.available_count });
      await sleep(pgEveryMs);
    }
  })();
  const browseLoop = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/products/${productId}`);
        const body = (await res.json()) as { available?: number };
        if (typeof body.available === 'number')
          shown.push({ at: performance.now(), available: body.available });
      } catch {
        // A failed read is the browse run's to count; here it only has no value to compare.
      }
      await sleep(browseEveryMs);
    }
  })();
  return {
    async stop(): Promise<StockLag> {
      stopped = true;
      await Promise.all([pgLoop, browseLoop]);
      return stockLag(truth, shown);
    },
  };
}

/** Pure: the lag of each shown value against the polled truth (both in time order). */
export function stockLag(truth: Point[], shown: Point[]): StockLag {
  const lags: number[] = [];
  let unmatched = 0;
  for (const read of shown) {
    // The last poll at or before the read, and walking back, the last that held the value shown.
    let i = truth.length - 1;
    while (i >= 0 && truth[i]!.at > read.at) i--;
    if (i < 0) continue;
    if (truth[i]!.available === read.available) {
      lags.push(0);
      continue;
    }
    let j = i;
    while (j >= 0 && truth[j]!.available !== read.available) j--;
    if (j < 0) {
      unmatched++;
      continue;
    }
    lags.push(Math.max(0, read.at - truth[j + 1]!.at));
  }
  return {
    samples: shown.length,
    ...quantiles(lags, Math.round),
    unmatched,
  };
}

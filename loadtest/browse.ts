import { randomUUID } from 'node:crypto';
import { type FireResult, fire, type Scenario } from './fire.js';
import { dropRedisPrefix, seededDatabase } from './scenario.js';
import { startServiceProcess } from './service.js';

const WORDS = [
  'wireless',
  'headphones',
  'skillet',
  'cast iron',
  'tent',
  'lamp',
  'chair',
  'wireles',
  'blender',
  'kettle',
  'jacket',
  'drill',
  'pillow',
  'speaker',
  'backpack',
];
const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'name'];
const CATEGORIES = [
  'audio',
  'kitchen',
  'outdoor',
  'toys',
  'books',
  'computers',
  'garden',
  'tools',
  'sports',
  'office',
];
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Shoppers browsing: full-text search (typos included), category and price filters, sorts, pages, product pages. */
function browseMix(maxProductId: number): Scenario[] {
  return [
    {
      name: 'search',
      weight: 40,
      next: () => ({
        method: 'GET',
        path: `/products?search=${encodeURIComponent(pick(WORDS))}&sort=${pick(SORTS)}&page=${1 + Math.floor(Math.random() * 3)}`,
      }),
    },
    {
      name: 'filter',
      weight: 30,
      next: () => {
        const min = Math.floor(Math.random() * 5_000);
        return {
          method: 'GET',
          path: `/products?category=${pick(CATEGORIES)}&min_price=${min}&max_price=${min + 20_000}&in_stock=true&sort=${pick(SORTS.slice(1))}`,
        };
      },
    },
    {
      name: 'product',
      weight: 25,
      next: () => ({ method: 'GET', path: `/products/${1 + Math.floor(Math.random() * maxProductId)}` }),
    },
    { name: 'categories', weight: 5, next: () => ({ method: 'GET', path: '/categories' }) },
  ];
}

export async function runBrowseBench(opts: {
  databaseUrl: string;
  redisUrl: string;
  rate: number;
  durationSec: number;
  products: number;
}): Promise<{ fire: FireResult; failures: string[] }> {
  const { url: databaseUrl, db } = await seededDatabase(
    opts.databaseUrl,
    'shop_loadtest_browse',
    opts.products,
  );
  await db.destroy();
  const prefix = `loadtest:browse:${randomUUID().slice(0, 8)}:`;
  const service = await startServiceProcess({
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    WORKERS: 'false',
  });
  try {
    const mix = browseMix(opts.products);
    await fire({ urls: [service.url], rate: opts.rate, durationSec: 3, mix });
    const result = await fire({ urls: [service.url], rate: opts.rate, durationSec: opts.durationSec, mix });
    const failures = Object.entries(result.outcomes)
      .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400)
      .map(([outcome, n]) => `${n} × ${outcome}`);
    if (result.errors || result.timeouts)
      failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
    return { fire: result, failures };
  } finally {
    await service.stop();
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}

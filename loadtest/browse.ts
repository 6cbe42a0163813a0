import { createDb } from '../src/db/index.js';
import type { Scenario } from './fire.js';
import { type MixBenchOptions, runMixBench } from './mix.js';

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
export function browseMix(maxProductId: number): Scenario[] {
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

/** What a long-tail mix draws from: product names as the catalog spells them, its ids and categories. */
export interface CatalogSample {
  names: string[];
  maxProductId: number;
  categories: string[];
}

/**
 * A uniform sample of active products' names (one scan of the catalog: about a second at 1M), on
 * a connection of its own that is closed before the run, so its time is not counted as browse's.
 */
export async function sampleCatalog(databaseUrl: string, size = 5_000): Promise<CatalogSample> {
  const db = createDb(databaseUrl, 1);
  try {
    const names: string[] = await db('products')
      .where({ active: true })
      .orderByRaw('random()')
      .limit(size)
      .pluck('name');
    const [row] = await db('products').max<{ max: number }[]>('id as max');
    const categories: string[] = await db('categories').where('product_count', '>', 0).pluck('slug');
    return { names, maxProductId: Number(row?.max ?? 1), categories };
  } finally {
    await db.destroy();
  }
}

/** A typing slip in a word of five letters or more: a letter dropped, doubled or swapped with the next. */
function misspell(word: string): string {
  if (word.length < 5) return word;
  const i = 1 + Math.floor(Math.random() * (word.length - 2));
  switch (Math.floor(Math.random() * 3)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i] + word.slice(i);
    default:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  }
}

/** One to three neighbouring words of a product name, one of them misspelt about one time in seven. */
function searchWords(names: string[]): string {
  const words = pick(names)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 3);
  if (words.length === 0) return 'lamp';
  const r = Math.random();
  const n = Math.min(words.length, r < 0.55 ? 1 : r < 0.9 ? 2 : 3);
  const start = Math.floor(Math.random() * (words.length - n + 1));
  const chosen = words.slice(start, start + n);
  if (Math.random() < 0.15) {
    const j = Math.floor(Math.random() * chosen.length);
    chosen[j] = misspell(chosen[j]!);
  }
  return chosen.join(' ');
}

/** Pages 1-20, the first ones likelier: shoppers rarely read page 20, but some do. */
const deepPage = () => 1 + Math.floor(Math.random() ** 2 * 20);

/**
 * The long tail a real storefront sends, where repeated queries are the exception: searches for
 * words of the catalog's own product names (a different phrase on most requests, some misspelt)
 * in every sort, category + price range + in_stock=true in every sort, pages 1-20, product pages
 * and the category list. Weights as browseMix's.
 */
export function longTailMix(catalog: CatalogSample): Scenario[] {
  return [
    {
      name: 'search',
      weight: 40,
      next: () => {
        // Half the searches keep the default order (relevance); the rest pick another sort.
        const sort = Math.random() < 0.5 ? 'relevance' : pick(SORTS.slice(1));
        return {
          method: 'GET',
          path: `/products?search=${encodeURIComponent(searchWords(catalog.names))}&sort=${sort}&page=${deepPage()}`,
        };
      },
    },
    {
      name: 'filter',
      weight: 30,
      next: () => {
        const min = Math.floor(Math.random() * 20_000);
        const max = min + 1_000 + Math.floor(Math.random() * 30_000);
        return {
          method: 'GET',
          path: `/products?category=${pick(catalog.categories)}&min_price=${min}&max_price=${max}&in_stock=true&sort=${pick(SORTS)}&page=${deepPage()}`,
        };
      },
    },
    {
      name: 'product',
      weight: 25,
      next: () => ({
        method: 'GET',
        path: `/products/${1 + Math.floor(Math.random() * catalog.maxProductId)}`,
      }),
    },
    { name: 'categories', weight: 5, next: () => ({ method: 'GET', path: '/categories' }) },
  ];
}

export const runBrowseBench = (opts: MixBenchOptions) =>
  runMixBench('browse', opts, async () => ({ mix: browseMix(opts.products) }));

export const runLongTailBench = (opts: MixBenchOptions) =>
  runMixBench('browse-long-tail', opts, async (c) => ({
    mix: longTailMix(await sampleCatalog(c.config.db.url)),
  }));

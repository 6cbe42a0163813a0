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

export const runBrowseBench = (opts: MixBenchOptions) =>
  runMixBench('browse', opts, async () => ({ mix: browseMix(opts.products) }));

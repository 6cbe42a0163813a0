import { z } from 'zod';
import { decodeCursor, queryFingerprint } from './cursor.js';

const cents = (name: string) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `${name} must be a whole number of cents`)
    .transform(Number)
    .pipe(z.number().int().max(2_147_483_647, `${name} is too large`));

const positiveInt = (name: string, max: number, beyond = '') =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `${name} must be at least 1`)
        .max(max, `${name} must be at most ${max}${beyond}`),
    );

export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'name'] as const;
export const MAX_LIMIT = 100;
/** `page` serves the first pages (OFFSET); past them `cursor` reads on at the cost of a first page. */
export const MAX_PAGE = 50;

export const productQuerySchema = z
  .object({
    search: z.string().trim().max(200, 'search must be at most 200 characters').optional(),
    category: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, 'category must be a category slug')
      .optional(),
    min_price: cents('min_price').optional(),
    max_price: cents('max_price').optional(),
    in_stock: z.enum(['true', 'false'], { message: 'in_stock must be true or false' }).optional(),
    sort: z.enum(SORTS, { message: `sort must be one of ${SORTS.join(', ')}` }).optional(),
    // Deep pages are deep OFFSETs, a cost anyone could impose: past the cap, follow next_cursor.
    page: positiveInt('page', MAX_PAGE, '; read further pages with cursor=<next_cursor>').optional(),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,1000}$/, 'cursor must be a next_cursor from an earlier page')
      .optional(),
    // Above the cap is clamped rather than refused: clients asking for "everything" still get a page.
    limit: z
      .string()
      .regex(/^\d{1,9}$/, 'limit must be a positive integer')
      .transform(Number)
      .pipe(z.number().int().min(1, 'limit must be at least 1'))
      .transform((n) => Math.min(n, MAX_LIMIT))
      .default(20),
  })
  .strict()
  .refine((q) => q.min_price === undefined || q.max_price === undefined || q.min_price <= q.max_price, {
    message: 'min_price must not exceed max_price',
    path: ['min_price'],
  })
  .refine((q) => q.page === undefined || q.cursor === undefined, {
    message: 'use page or cursor, not both',
    path: ['cursor'],
  })
  .transform((q, ctx) => {
    const filter: ProductFilter = {
      search: q.search ? q.search : undefined,
      category: q.category,
      minPrice: q.min_price,
      maxPrice: q.max_price,
      inStock: q.in_stock === 'true',
    };
    const sort = q.sort ?? (q.search ? 'relevance' : 'newest');
    const fingerprint = queryFingerprint(filter, sort);
    let after: SortKey | undefined;
    if (q.cursor !== undefined) {
      const decoded = decodeCursor(q.cursor, fingerprint);
      if (typeof decoded === 'string') {
        ctx.addIssue({ code: 'custom', message: decoded, path: ['cursor'] });
        return z.NEVER;
      }
      after = decoded;
    }
    return { ...filter, sort, page: q.page ?? 1, limit: q.limit, after, fingerprint };
  });

/** What a query matches, apart from its order and page: the key of its total and facets. */
export interface ProductFilter {
  search?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock: boolean;
}

/** A keyset position: the sort key as PostgreSQL prints it, and the id that breaks ties. */
export interface SortKey {
  key: string;
  id: number;
}

export type ProductQuery = z.output<typeof productQuerySchema>;

export interface Product {
  id: number;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  currency: string;
  available: number;
  in_stock: boolean;
  created_at: string;
}

export interface Facets {
  /** True when counted on the first EXACT_TOTAL_LIMIT matches and scaled to the total. */
  is_estimate: boolean;
  categories: { slug: string; count: number }[];
  prices: { min_cents: number; max_cents: number | null; count: number }[];
}

export interface ProductPage {
  products: Product[];
  total: number;
  total_is_estimate: boolean;
  facets: Facets;
  /** The page number when paging by `page`; null when reading on from a cursor. */
  page: number | null;
  next_page: number | null;
  next_cursor: string | null;
}

export interface Category {
  slug: string;
  name: string;
  product_count: number;
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { queryInteger } from '../shared/zod.js';

const cents = (name: string) =>
  queryInteger(z.number().int().min(0).max(2_147_483_647, `${name} is too large`), {
    message: `${name} must be a whole number of cents`,
    digits: 10,
  });

const positiveInt = (name: string, max: number, beyond = '') =>
  queryInteger(
    z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}${beyond}`),
    { message: `${name} must be a positive integer` },
  );

/** How many items an answer holds: above `max` is clamped rather than refused, so a client asking for "everything" still gets an answer. */
const clampedLimit = (max: number, fallback: number) =>
  queryInteger(z.number().int().min(1, 'limit must be at least 1'), {
    message: 'limit must be a positive integer',
  })
    .transform((n) => Math.min(n, max))
    .default(fallback);

export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'name'] as const;
export const MAX_LIMIT = 100;
/** `page` serves the first pages (OFFSET); past them `cursor` reads on at the cost of a first page. */
export const MAX_PAGE = 50;

export const productQuerySchema = z
  .object({
    search: z
      .string()
      .trim()
      .max(200, 'search must be at most 200 characters')
      .optional()
      .meta({ description: 'Words to find in name, description and SKU (typos tolerated)' }),
    category: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, 'category must be a category slug')
      .optional()
      .meta({ description: 'A category slug (see GET /categories)' }),
    min_price: cents('min_price').optional().meta({ description: 'Lowest price, in cents' }),
    max_price: cents('max_price').optional().meta({ description: 'Highest price, in cents' }),
    in_stock: z
      .enum(['true', 'false'], { message: 'in_stock must be true or false' })
      .optional()
      .meta({ description: 'true: only products with stock available now' }),
    sort: z
      .enum(SORTS, { message: `sort must be one of ${SORTS.join(', ')}` })
      .optional()
      .meta({ description: 'Default: relevance with a search, else newest; ties broken by id' }),
    // Deep pages are deep OFFSETs, a cost anyone could impose: past the cap, follow next_cursor.
    page: positiveInt('page', MAX_PAGE, '; read further pages with cursor=<next_cursor>')
      .optional()
      .meta({ description: `1 to ${MAX_PAGE} (default 1); not with cursor` }),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,1000}$/, 'cursor must be a next_cursor from an earlier page')
      .optional()
      .meta({ description: 'A next_cursor of an earlier page of the same query' }),
    limit: clampedLimit(MAX_LIMIT, 20).meta({
      description: `Products per page; above ${MAX_LIMIT} is clamped`,
    }),
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
  .transform((q) => {
    const filter: ProductFilter = {
      search: q.search ? q.search : undefined,
      category: q.category,
      minPrice: q.min_price,
      maxPrice: q.max_price,
      inStock: q.in_stock === 'true',
    };
    const sort = q.sort ?? (q.search ? 'relevance' : 'newest');
    // The cursor is checked (its signature, then its query) by the catalog, which holds the key.
    const fingerprint = queryFingerprint(filter, sort);
    return { ...filter, sort, page: q.page ?? 1, limit: q.limit, cursor: q.cursor, fingerprint };
  });

/** What a query matches, apart from its order and page: the key of its total and facets. */
export interface ProductFilter {
  search?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock: boolean;
}

/** The parts of a query a cursor is bound to (not the page size: a client may change that): its cursors carry it. */
export const queryFingerprint = (filter: ProductFilter, sort: string) =>
  createHash('sha1')
    .update(
      JSON.stringify([
        filter.search ?? null,
        filter.category ?? null,
        filter.minPrice ?? null,
        filter.maxPrice ?? null,
        filter.inStock,
        sort,
      ]),
    )
    .digest('base64url')
    .slice(0, 12);

/** A keyset position: the sort key as PostgreSQL prints it, and the id that breaks ties. */
export interface SortKey {
  key: string;
  id: number;
}

export type ProductQuery = z.output<typeof productQuerySchema>;

/** A query as a search backend reads it: from the first row, or after the position its cursor named. */
export type PageQuery = Omit<ProductQuery, 'cursor'> & { after?: SortKey };

const timestamp = z.iso.datetime({ offset: true });

export const productSchema = z
  .strictObject({
    id: z.number().int().positive(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string().meta({ description: 'The category slug' }),
    price_cents: z.number().int().min(0),
    currency: z.string().length(3),
    available: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Units on sale now; trails PostgreSQL by at most STOCK_CACHE_TTL' }),
    in_stock: z.boolean(),
    created_at: timestamp,
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof productSchema>;

export const facetsSchema = z
  .strictObject({
    is_estimate: z.boolean().meta({
      description:
        'True when counted on the first matches (500 on PostgreSQL, 10,000 on the search engine) and scaled to the total',
    }),
    categories: z.array(z.strictObject({ slug: z.string(), count: z.number().int().min(0) })),
    prices: z.array(
      z.strictObject({
        min_cents: z.number().int().min(0),
        max_cents: z.number().int().nullable().meta({ description: 'null: the open-ended top bucket' }),
        count: z.number().int().min(0),
      }),
    ),
  })
  .meta({ id: 'Facets', description: 'Counts over the whole match set, not just this page' });
export type Facets = z.infer<typeof facetsSchema>;

export const productPageSchema = z
  .strictObject({
    products: z.array(productSchema),
    total: z.number().int().min(0),
    total_is_estimate: z.boolean(),
    facets: facetsSchema,
    page: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The page number when paging by `page`; null when reading on from a cursor' }),
    next_page: z.number().int().nullable(),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor=` (with the same filters and sort) for the next page' }),
  })
  .meta({ id: 'ProductPage' });
export type ProductPage = z.infer<typeof productPageSchema>;

/** Suggestions per answer: above is clamped, as browse's limit is. */
export const MAX_SUGGESTIONS = 10;

export const suggestQuerySchema = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'q must not be empty')
      .max(100, 'q must be at most 100 characters')
      .meta({ description: 'What the shopper has typed so far; the last word may be unfinished' }),
    limit: clampedLimit(MAX_SUGGESTIONS, 8).meta({
      description: `Suggestions wanted; above ${MAX_SUGGESTIONS} is clamped`,
    }),
  })
  .strict();

export const suggestionsSchema = z
  .strictObject({
    suggestions: z.array(
      z.strictObject({
        text: z.string().meta({ description: 'A product name to search for (GET /products?search=…)' }),
      }),
    ),
  })
  .meta({ id: 'Suggestions' });

export const categorySchema = z
  .strictObject({
    slug: z.string(),
    name: z.string(),
    product_count: z.number().int().min(0).meta({ description: 'Active products in the category' }),
  })
  .meta({ id: 'Category' });
export type Category = z.infer<typeof categorySchema>;

export const categoryListSchema = z.strictObject({ categories: z.array(categorySchema) });

export const productInputSchema = z
  .object({
    sku: z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
        'sku must be 1-64 letters, digits, dot, dash or underscore',
      ),
    name: z.string().trim().min(1, 'name is required').max(200),
    description: z.string().trim().max(5_000).default(''),
    category: z.string().regex(/^[a-z0-9-]{1,64}$/, 'category must be a slug such as kitchen'),
    price_cents: z.number().int('price_cents must be whole cents').min(0).max(100_000_000),
    active: z.boolean().default(true),
    /** Initial stock for a new product, received through the ledger. Ignored for an existing SKU. */
    stock: z.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();
export type ProductInput = z.infer<typeof productInputSchema>;

// Built without the create defaults: a PATCH of {name} must not reset description or re-activate.
const { name, description, category, price_cents, active } = productInputSchema.shape;
export const productPatchSchema = z
  .object({
    name: name.optional(),
    description: description.unwrap().optional(),
    category: category.optional(),
    price_cents: price_cents.optional(),
    active: active.unwrap().optional(),
  })
  .strict();
export type ProductPatch = z.infer<typeof productPatchSchema>;

/** A product as admins see it: inactive ones too, with the purchase limit. */
export const adminProductSchema = z
  .strictObject({
    id: z.number().int().positive(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    price_cents: z.number().int().min(0),
    active: z.boolean(),
    max_per_customer: z.number().int().positive().nullable(),
  })
  .meta({ id: 'AdminProduct' });

/** A hot product's cap per customer (units across their PENDING, PAID, SHIPPED and DELIVERED orders); null lifts it. */
export const purchaseLimitSchema = z
  .object({
    max_per_customer: z.number().int('max_per_customer must be a whole number').min(1).max(10_000).nullable(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();

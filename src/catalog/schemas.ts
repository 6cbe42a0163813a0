import { z } from 'zod';

const cents = (name: string) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `${name} must be a whole number of cents`)
    .transform(Number)
    .pipe(z.number().int().max(2_147_483_647, `${name} is too large`));

const positiveInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`));

export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'name'] as const;
export const MAX_LIMIT = 100;
export const MAX_PAGE = 100;

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
    // Deep pages are deep OFFSETs, a cost anyone could impose: narrow the search instead.
    page: positiveInt('page', MAX_PAGE).default(1),
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
  .transform((q) => ({
    search: q.search ? q.search : undefined,
    category: q.category,
    minPrice: q.min_price,
    maxPrice: q.max_price,
    inStock: q.in_stock === 'true',
    sort: q.sort ?? (q.search ? 'relevance' : 'newest'),
    page: q.page,
    limit: q.limit,
  }));

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

export interface ProductPage {
  products: Product[];
  total: number;
  page: number;
  next_page: number | null;
}

export interface Category {
  slug: string;
  name: string;
  product_count: number;
}

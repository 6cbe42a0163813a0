import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { idParam } from '../shared/input.js';
import { defineOperation, errors, header, json, security } from '../shared/openapi.js';
import {
  categoryListSchema,
  productPageSchema,
  productQuerySchema,
  productSchema,
  suggestionsSchema,
  suggestQuerySchema,
} from './schemas.js';

const exampleProduct = {
  id: 42,
  sku: 'KIT-0042',
  name: 'Cast iron skillet',
  description: 'Pre-seasoned, 26 cm',
  category: 'kitchen',
  price_cents: 3499,
  currency: 'USD',
  available: 17,
  in_stock: true,
  created_at: '2026-11-25T09:00:00.000Z',
};

/** A search refused under load: the 503 of the error table, with the wait it asks for. */
const unavailable = errors(503)['503']!;
const searchBusy = {
  ...unavailable,
  description:
    'Search is busy (too many searches at once, or one past its time limit): retry after `Retry-After` seconds',
  headers: { ...unavailable.headers, 'Retry-After': header('Seconds to wait before searching again') },
};

export function registerCatalogApi(registry: OpenAPIRegistry) {
  defineOperation(registry, {
    method: 'get',
    path: '/products',
    operationId: 'listProducts',
    tags: ['Catalog'],
    summary: 'Browse and search products',
    description:
      'Search, filters and sort, paged by `page` (1-50) or by `cursor` at any depth. `total` is exact up to 500 matches (or for a category alone, or the whole catalog), else estimated (`total_is_estimate`). A cursor is bound to its query: other filters or another sort are a 400, as are `page` and `cursor` together. `limit` above 100 is clamped. Searching on PostgreSQL, a search of more than 2,000 matches lists the first 2,000 it reads: relevance ranks them; price, name and date sort them with the matches among the first 1,000 products of that order (its top is exact where the words are common there). The total still counts every match, and a smaller match set is listed whole in every sort. A search the store cannot compute now (too many at once, or one past its time limit) is a 503 `search_busy` with `Retry-After`; answers already cached are never refused.',
    security: security.none,
    request: { query: productQuerySchema },
    responses: {
      200: json('A page of products, with the total and facets of the match set', productPageSchema, {
        example: {
          products: [exampleProduct],
          total: 1,
          total_is_estimate: false,
          facets: {
            is_estimate: false,
            categories: [{ slug: 'kitchen', count: 1 }],
            prices: [{ min_cents: 2500, max_cents: 5000, count: 1 }],
          },
          page: 1,
          next_page: null,
          next_cursor: null,
        },
      }),
      ...errors(400, 429),
      503: searchBusy,
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/products/suggest',
    operationId: 'suggestProducts',
    tags: ['Catalog'],
    summary: 'Search-as-you-type: product names for what has been typed so far',
    description:
      'Distinct names of active products holding every word of `q`, the last one as a prefix ("wireless headph"). A last word of one letter, or stop words only, suggest nothing. `limit` above 10 is clamped.',
    security: security.none,
    request: { query: suggestQuerySchema },
    responses: {
      200: json('Names to offer, best first', suggestionsSchema, {
        example: { suggestions: [{ text: 'Wireless Headphones' }, { text: 'Headphone Amplifier' }] },
      }),
      ...errors(400, 429),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/products/{id}',
    operationId: 'getProduct',
    tags: ['Catalog'],
    summary: 'One active product, with its live stock',
    description:
      'An inactive or unknown product is a 404. Limited per address with browsing (`RATE_LIMIT_BROWSE_IP`).',
    security: security.none,
    request: { params: z.object({ id: idParam.meta({ example: '42' }) }) },
    responses: {
      200: json('The product', productSchema, { example: exampleProduct }),
      ...errors(400, 404, 429),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/categories',
    operationId: 'listCategories',
    tags: ['Catalog'],
    summary: 'Categories with their counts of active products',
    description: 'Every category, with how many active products it holds. Limited per address with browsing.',
    security: security.none,
    responses: {
      200: json('Every category', categoryListSchema),
      ...errors(429),
    },
  });
}

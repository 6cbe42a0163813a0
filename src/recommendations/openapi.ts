import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { idParam } from '../shared/input.js';
import { cartTokenHeaders, defineOperation, errors, json, security } from '../shared/openapi.js';
import {
  cartRecommendationsSchema,
  productRecommendationsSchema,
  recommendationQuerySchema,
} from './schemas.js';

const exampleProduct = {
  id: 43,
  sku: 'KIT-0043',
  name: 'Chain mail scrubber',
  description: 'Stainless steel, for cast iron',
  category: 'kitchen',
  price_cents: 1299,
  currency: 'USD',
  available: 40,
  in_stock: true,
  created_at: '2026-11-25T09:00:00.000Z',
};

const HOW =
  'Computed daily from paid orders of the last `RECOMMENDATIONS_WINDOW` (90 days): products bought in the same orders, ranked by how much more often than their own popularity would explain (cosine of their order sets, at least `RECOMMENDATIONS_MIN_SUPPORT` orders together), so a bestseller does not top every list. Served from a cache until the next batch; only active products in stock now are listed.';

export function registerRecommendationApi(registry: OpenAPIRegistry) {
  defineOperation(registry, {
    method: 'get',
    path: '/products/{id}/recommendations',
    operationId: 'productRecommendations',
    tags: ['Catalog'],
    summary: 'Customers who bought this also bought',
    description: `${HOW} A product no paid order has paired with another yet gets similar products (\`source: similar\`): the search engine's more-like-this, or on PostgreSQL the same category, shared name words and near price.`,
    security: security.none,
    request: {
      params: z.object({ id: idParam.meta({ example: '42' }) }),
      query: recommendationQuerySchema,
    },
    responses: {
      200: json('Products bought with it, best first', productRecommendationsSchema, {
        example: { product_id: 42, source: 'co_purchase', generation: 12, recommendations: [exampleProduct] },
      }),
      ...errors(400, 404, 429),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/cart/recommendations',
    operationId: 'cartRecommendations',
    tags: ['Cart'],
    summary: 'What goes with the whole cart',
    description: `${HOW} Products bought with several of the cart's products rank above those bought with one; none the cart holds is listed. When none of its products has co-purchase data, similar products (\`source: similar\`). An empty cart (or none) gets an empty list.`,
    security: security.optional,
    request: { headers: cartTokenHeaders, query: recommendationQuerySchema },
    responses: {
      200: json('Products that go with the cart, best first', cartRecommendationsSchema, {
        example: {
          cart_id: '0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b',
          source: 'co_purchase',
          generation: 12,
          recommendations: [exampleProduct],
        },
      }),
      ...errors(400, 401, 429),
    },
  });
}

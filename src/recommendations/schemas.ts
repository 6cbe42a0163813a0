import { z } from 'zod';
import { productSchema } from '../catalog/index.js';
import { queryInteger } from '../shared/zod.js';

/** Recommendations per answer: the batch keeps 10 per product; above is clamped. */
export const MAX_RECOMMENDATIONS = 10;

export const recommendationQuerySchema = z
  .object({
    limit: queryInteger(z.number().int().min(1, 'limit must be at least 1'), {
      message: 'limit must be a positive integer',
    })
      .transform((n) => Math.min(n, MAX_RECOMMENDATIONS))
      .default(MAX_RECOMMENDATIONS)
      .meta({ description: `Products wanted; above ${MAX_RECOMMENDATIONS} is clamped` }),
  })
  .strict();

/**
 * Where a list came from: `co_purchase`, the daily batch's "customers who bought this also bought";
 * `similar`, products like it (same category, near price, shared name words, or the search
 * engine's more-like-this) for a product no paid order has paired with another yet.
 */
export const recommendationSourceSchema = z.enum(['co_purchase', 'similar']).meta({
  description:
    '`co_purchase`: bought in the same orders (the daily batch); `similar`: products like it, for one with no such orders yet',
});
export type RecommendationSource = z.infer<typeof recommendationSourceSchema>;

const generation = z.number().int().min(0).meta({
  description: 'The batch the list comes from (0 before the first); a new batch replaces every list at once',
});

export const productRecommendationsSchema = z
  .strictObject({
    product_id: z.number().int().positive(),
    source: recommendationSourceSchema,
    generation,
    recommendations: z.array(productSchema).meta({
      description: 'Active products in stock now, best first',
    }),
  })
  .meta({ id: 'ProductRecommendations' });
export type ProductRecommendations = z.infer<typeof productRecommendationsSchema>;

export const cartRecommendationsSchema = z
  .strictObject({
    cart_id: z.uuid().nullable(),
    source: recommendationSourceSchema,
    generation,
    recommendations: z.array(productSchema).meta({
      description:
        'Active products in stock now that go with the whole cart, none of those it holds; best first',
    }),
  })
  .meta({ id: 'CartRecommendations' });
export type CartRecommendations = z.infer<typeof cartRecommendationsSchema>;

/** What a batch did: the row it recorded in recommendation_batches. */
export interface BatchResult {
  generation: number;
  started_at: Date;
  finished_at: Date;
  seconds: number;
  window_seconds: number;
  min_support: number;
  orders: number;
  products: number;
  recommendations: number;
}

/** A batch's steps, in order (progress for shopctl). */
export const BATCH_PHASES = ['baskets', 'counts', 'pairs', 'swap'] as const;
export type BatchPhase = (typeof BATCH_PHASES)[number];

// The catalog room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/catalog/ is the room's own (.dependency-cruiser.cjs).
export { cachedCopies, forgetCopies } from './cache-keys.js';
export { createProducts, type NewProduct } from './create-products.js';
export { cursorRefused, type KeyCast, keyFits } from './cursor.js';
export { registerCatalogApi } from './openapi.js';
export { createPostgresSearch } from './postgres-search.js';
export { createPriceService, type PriceChange, type PriceService } from './prices.js';
export { createProductAdminService, type ProductAdminService } from './products.js';
export { catalogRoutes } from './routes.js';
export {
  adminProductSchema,
  type PageQuery,
  type Product,
  type ProductFilter,
  type ProductInput,
  type ProductQuery,
  productInputSchema,
  productPatchSchema,
  productQuerySchema,
  productSchema,
  purchaseLimitSchema,
  type SortKey,
} from './schemas.js';
export {
  EXACT_TOTAL_LIMIT,
  PRICE_BUCKETS,
  PRODUCT_COLUMNS,
  type ProductRow,
  type SearchBackend,
  type SearchPage,
  type SearchSummary,
  summaryAndPage,
} from './search.js';
export { type CatalogService, createCatalogService } from './service.js';
export { resolveSkus } from './skus.js';
export { STOP_WORDS, searchWords, suggestWords } from './words.js';

// The checkout room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/checkout/ is the room's own (.dependency-cruiser.cjs).
export { deleteExpiredIdempotencyKeys, forgetOrderKeys, idempotencyRetention } from './idempotency.js';
export { registerCheckoutApi } from './openapi.js';
export { checkoutRoutes } from './routes.js';
export { createCheckoutService } from './service.js';

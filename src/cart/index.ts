// The cart room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/cart/ is the room's own (.dependency-cruiser.cjs).
export { registerCartApi } from './openapi.js';
export { cartOwnerOf } from './owner.js';
export { convertCarts, deleteConvertedCarts } from './queries.js';
export { cartRoutes } from './routes.js';
export type { CartOwner } from './schemas.js';
export { type CartService, createCartService } from './service.js';

// The storefront room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/storefront/ is the room's own (.dependency-cruiser.cjs).
export { writeStorefront } from './assets.js';
export { storefrontRoutes } from './routes.js';

// The openapi room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/openapi/ is the room's own (.dependency-cruiser.cjs).
export { createApiSpec } from './document.js';
export { docsRoutes } from './routes.js';

// The health room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/health/ is the room's own (.dependency-cruiser.cjs).
export { registerHealthApi } from './openapi.js';
export { healthRoutes } from './routes.js';

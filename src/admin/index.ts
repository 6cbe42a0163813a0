// The admin room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/admin/ is the room's own (.dependency-cruiser.cjs).
export { registerAdminApi } from './openapi.js';
export { adminRoutes } from './routes.js';
export { orderStatusSchema } from './schemas.js';
export { createAdminService } from './service.js';

// The recommendations room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/recommendations/ is the room's own (.dependency-cruiser.cjs).
export { registerRecommendationApi } from './openapi.js';
export { recommendationsRetention } from './queries.js';
export { recommendationRoutes } from './routes.js';
export { BATCH_PHASES, type BatchPhase, type BatchResult } from './schemas.js';
export { createRecommendationService } from './service.js';

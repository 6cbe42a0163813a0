// The users room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/users/ is the room's own (.dependency-cruiser.cjs).
export { optionalAuth, requireAuth, requireRoleUnder } from './auth.js';
export { registerUserApi } from './openapi.js';
export { hashPassword, hashToken, newToken } from './passwords.js';
export { endedTokensRetention } from './queries.js';
export { userRoutes } from './routes.js';
export { roleSchema, userListSchema } from './schemas.js';
export { createUserService, type UserService } from './service.js';

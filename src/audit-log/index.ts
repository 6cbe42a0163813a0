// The audit-log room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/audit-log/ is the room's own (.dependency-cruiser.cjs).
export { type AdminChange, listAdminChanges, recordAdminChanges } from './queries.js';

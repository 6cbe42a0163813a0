// The settlement room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/settlement/ is the room's own (.dependency-cruiser.cjs).
export { createSettlementService } from './service.js';

// The fulfillment room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/fulfillment/ is the room's own (.dependency-cruiser.cjs).
export { createLocalFulfillment, fulfillmentHandler, runWarehouse } from './service.js';

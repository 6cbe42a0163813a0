// The demo room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/demo/ is the room's own (.dependency-cruiser.cjs).
export { DEMO_CATEGORIES, generateProducts } from './catalog.js';

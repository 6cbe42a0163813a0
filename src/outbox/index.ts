// The outbox room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/outbox/ is the room's own (.dependency-cruiser.cjs).
export { listenForOutboxEvents } from './listener.js';
export {
  completeEvents,
  deleteProcessedOutboxEvents,
  enqueue,
  enqueued,
  outboxRetention,
  type RetryPolicy,
} from './outbox.js';
export { type BatchHandler, createOutboxWorker, eachEvent } from './worker.js';

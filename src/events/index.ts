// The events room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/events/ is the room's own (.dependency-cruiser.cjs).
export { type ConsumerHandlers, type ConsumerName, type EventHandler, startConsumer } from './consumer.js';
export { countDeadLetters, deadLetters, deadLettersRetention, storedDeadLetters } from './dead-letters.js';
export { inProcessTransport } from './local.js';
export {
  deleteExpiredEvents,
  eventStats,
  eventsRetention,
  findEvent,
  inboxRetention,
  listEvents,
  replayEvent,
} from './queries.js';
export { brokerTransport, createEventRelay } from './relay.js';
export { type BoundTo, CONSUMER_QUEUES } from './topology.js';

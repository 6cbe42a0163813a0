// The payments room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/payments/ is the room's own (.dependency-cruiser.cjs).
export { sandboxChallengeRoutes } from './challenge.js';
export { registerPaymentApi } from './openapi.js';
export type { PaymentProvider } from './provider.js';
export {
  type ChargeResultRow,
  isChargeWaiting,
  recordChargeResults,
  webhookEventsRetention,
} from './queries.js';
export { paymentJobs } from './retries.js';
export { webhookRoutes } from './routes.js';
export { createSandboxProvider, isSandbox } from './sandbox.js';
export { type ChargeInput, createPaymentService, type PaymentService } from './service.js';
export { createStripeProvider, type StripeProvider } from './stripe.js';
export { createStripeWebhooks } from './webhooks.js';

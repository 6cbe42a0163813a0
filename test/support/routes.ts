import { routeInventory } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';

/**
 * Every route the service can answer, as "METHOD /path": the webhook route exists only with
 * Stripe configured, so the inventory is taken from a container configured with it (and that
 * configuration is returned, for the API document to be built alike).
 */
export async function fullRouteInventory(databaseUrl: string) {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_inventory',
    STRIPE_WEBHOOK_SECRET: 'whsec_inventory',
  });
  const withWebhooks = createContainer(config);
  try {
    return { routes: routeInventory(withWebhooks), config };
  } finally {
    await withWebhooks.close();
  }
}

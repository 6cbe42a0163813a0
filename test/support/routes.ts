import { pageInventory, routeInventory } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';

/**
 * Every route the service can answer, as "METHOD /path": the webhook route exists only with
 * Stripe configured and the sandbox's 3-D Secure page only with the sandbox, so the inventory is
 * the union of both configurations' (and the Stripe one is returned, for the API document to be
 * built alike). `pages` are the HTML pages among them, which the API document does not describe.
 */
export async function fullRouteInventory(databaseUrl: string) {
  const base = { LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl };
  const config = loadConfig({
    ...base,
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_inventory',
    STRIPE_WEBHOOK_SECRET: 'whsec_inventory',
  });
  const containers = [
    createContainer(config),
    createContainer(loadConfig({ ...base, PAYMENT_PROVIDER: 'sandbox' })),
  ];
  const union = (list: (c: (typeof containers)[number]) => string[]) =>
    [...new Set(containers.flatMap(list))].sort();
  try {
    return { routes: union(routeInventory), pages: union(pageInventory), config };
  } finally {
    await Promise.all(containers.map((c) => c.close()));
  }
}

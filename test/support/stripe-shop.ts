import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import { createTestContext } from './context.js';
import { startStripeStandIn } from './stripe-stand-in.js';

export const WEBHOOK_SECRET = 'whsec_standin_secret';

/**
 * The shop on PAYMENT_PROVIDER=stripe, the real SDK talking to the local stand-in, the service
 * listening on a real port for the stand-in's signed webhooks (`standIn.webhooksTo(webhookUrl)`).
 */
export async function stripeShop(env: Record<string, string> = {}) {
  const standIn = await startStripeStandIn({ webhookSecret: WEBHOOK_SECRET });
  const t = await createTestContext({
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_standin',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: standIn.url,
    PAYMENT_TIMEOUT: '1s',
    ...env,
  });
  const server = http.createServer(createApp(t.container).callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  return {
    t,
    standIn,
    webhookUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await standIn.close();
      await t.close();
    },
  };
}

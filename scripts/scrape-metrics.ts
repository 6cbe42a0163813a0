/**
 * Prints one live GET /metrics scrape of the real service to stdout, for
 * `promtool check metrics` (see .ci/run and deploy/README.md):
 *
 *   npx tsx scripts/scrape-metrics.ts | promtool check metrics
 *
 * It migrates a scratch database on the DATABASE_URL server, starts the server on a free port
 * without background workers, drives a browse, a checkout that pays, one that is declined and one
 * out of stock through the HTTP API (so the business series exist with their labels), scrapes,
 * then stops and drops the scratch database and its Redis keys. Errors go to stderr (service logs
 * too, with SCRAPE_LOG_LEVEL=info); stdout carries only the exposition text.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { ensureDatabase, migrateLatest, quoteIdent, withDatabase, withMaintenance } from '../src/db/index.js';
import { startServer } from '../src/server.js';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/shop';
const SCRATCH = `shop_metrics_scrape_${process.pid}`;
const ADDRESS = {
  name: 'Scrape Bot',
  line1: '1 Metrics Way',
  city: 'London',
  postal_code: 'N1 9GU',
  country: 'GB',
};

const dropScratch = () =>
  withMaintenance(BASE_URL, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(SCRATCH)} WITH (FORCE)`),
  );

interface Answer {
  status: number;
  text: string;
}

/** fetch against the running server, failing loudly on any other status than the expected one. */
function client(baseUrl: string) {
  return async (
    expected: number,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; key?: string } = {},
  ): Promise<Answer> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.key ? { 'idempotency-key': opts.key } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    if (res.status !== expected)
      throw new Error(`${method} ${path}: expected ${expected}, got ${res.status} ${text}`);
    return { status: res.status, text };
  };
}

const json = <T>(answer: Answer) => JSON.parse(answer.text) as T;

async function main() {
  await dropScratch();
  const url = withDatabase(BASE_URL, SCRATCH);
  await ensureDatabase(url);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    WORKERS: 'false',
    LOG_LEVEL: process.env.SCRAPE_LOG_LEVEL ?? 'silent',
    REDIS_PREFIX: `scrape:${process.pid}:`,
  });
  const container = createContainer(config);
  try {
    await migrateLatest(container.db);
    const running = await startServer(container, 0);
    try {
      const call = client(running.url);
      const admin = await container.users.createUser({ email: 'scrape-admin@example.test', role: 'admin' });
      const adminToken = await container.users.issueToken(admin.id, 'scrape');
      const product = json<{ id: number }>(
        await call(201, 'POST', '/admin/products', {
          token: adminToken,
          body: { sku: 'SCRAPE-1', name: 'Scrape mug', category: 'kitchen', price_cents: 1_200, stock: 3 },
        }),
      );

      await call(200, 'GET', '/products?search=mug');
      await call(200, 'GET', `/products/${product.id}`);
      await call(200, 'GET', '/categories');

      const shopper = async (n: number, quantity: number) => {
        const { token } = json<{ token: string }>(
          await call(201, 'POST', '/auth/register', {
            body: { email: `scrape-${n}@example.test`, password: 'correct horse battery' },
          }),
        );
        const cart = json<{ cart_id: string }>(
          await call(200, 'POST', '/cart/items', { token, body: { product_id: product.id, quantity } }),
        );
        return { token, cartId: cart.cart_id };
      };
      const checkout = (expected: number, s: { token: string; cartId: string }, paymentMethod: string) =>
        call(expected, 'POST', '/checkout', {
          token: s.token,
          key: randomUUID(),
          body: { cart_id: s.cartId, shipping_address: ADDRESS, payment_method: paymentMethod },
        });

      // Carts first, checkouts after: the third cart then finds its units sold out at checkout.
      const paying = await shopper(1, 1);
      const declined = await shopper(2, 1);
      const tooLate = await shopper(3, 2);
      await checkout(201, paying, 'pm_card_visa');
      await checkout(201, declined, 'pm_card_chargeDeclined');
      await checkout(409, tooLate, 'pm_card_visa');
      await container.worker.drain();
      await container.sweep();

      process.stdout.write((await call(200, 'GET', '/metrics')).text);
    } finally {
      await container.cache.delPattern('*');
      await running.stop();
    }
  } finally {
    await container.close();
    await dropScratch();
  }
}

main().catch((err) => {
  process.stderr.write(`scrape-metrics failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

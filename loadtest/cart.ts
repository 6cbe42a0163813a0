import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as cartQueries from '../src/cart/queries.js';
import { loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import { createLogger } from '../src/shared/logger.js';
import { type FireResult, fire, type Scenario } from './fire.js';
import { seededDatabase } from './scenario.js';
import { startServiceProcess } from './service.js';

/** 409 insufficient_stock and 422 limits are business answers: counted, not failures. */
const BUSINESS_ANSWERS = new Set(['409 insufficient_stock', '422 quantity_limit_exceeded', '422 cart_full']);
const SEEDED_LINES = 3;

interface Shopper {
  id: string;
  auth: string;
  /** Lines put in the cart before the run; the mix never removes one, so PATCH always finds it. */
  lines: number[];
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function createShoppers(c: Container, count: number, productIds: number[]): Promise<Shopper[]> {
  const shoppers: Shopper[] = [];
  for (let i = 0; i < count; i++) {
    const user = await c.users.createUser({ email: `bench-${i}@bench.local`, role: 'customer' });
    const lines = productIds.slice(i * SEEDED_LINES, (i + 1) * SEEDED_LINES);
    for (const productId of lines) {
      await c.cart.addItem({ kind: 'user', userId: user.id }, { product_id: productId, quantity: 1 });
    }
    shoppers.push({ id: user.id, auth: `Bearer ${await c.users.issueToken(user.id, 'bench')}`, lines });
  }
  return shoppers;
}

function cartMix(shoppers: Shopper[], productIds: number[]): Scenario[] {
  return [
    {
      name: 'POST /cart/items',
      weight: 40,
      next: () => ({
        method: 'POST',
        path: '/cart/items',
        headers: { authorization: pick(shoppers).auth },
        body: JSON.stringify({ product_id: pick(productIds), quantity: 1 + Math.floor(Math.random() * 2) }),
      }),
    },
    {
      name: 'PATCH /cart/items/:id',
      weight: 20,
      next: () => {
        const s = pick(shoppers);
        return {
          method: 'PATCH',
          path: `/cart/items/${pick(s.lines)}`,
          headers: { authorization: s.auth },
          body: JSON.stringify({ quantity: 1 + Math.floor(Math.random() * 5) }),
        };
      },
    },
    {
      name: 'GET /cart',
      weight: 40,
      next: () => ({ method: 'GET', path: '/cart', headers: { authorization: pick(shoppers).auth } }),
    },
  ];
}

/** Every shopper's Redis copy must equal PostgreSQL once the writes have settled. */
async function staleCaches(c: Container, shoppers: Shopper[]): Promise<number> {
  let stale = 0;
  for (const s of shoppers) {
    const id = await cartQueries.findActiveCartIdForUser(c.db, s.id);
    const row = id ? await cartQueries.findCart(c.db, id) : undefined;
    if (!row) continue;
    const expected = {
      cart_id: row.id,
      user_id: row.user_id,
      status: row.status,
      version: row.version,
      lines: await cartQueries.cartLines(c.db, row.id),
    };
    if (!isDeepStrictEqual(await c.cache.getJson(`cart:${row.id}`), expected)) stale++;
  }
  return stale;
}

export interface CartBenchReport {
  fire: FireResult;
  failures: string[];
  checkedCarts: number;
}

/**
 * The cart under load: 40% add, 20% update, 40% view, each as a random one of `users` shoppers, at
 * a fixed overall rate against the service running as its own process on a seeded scratch store.
 * Fails on any 5xx, connection error or unexpected 4xx, or a cart whose Redis copy ends different
 * from PostgreSQL.
 */
export async function runCartBench(opts: {
  databaseUrl: string;
  redisUrl: string;
  rate: number;
  durationSec: number;
  users: number;
  products: number;
}): Promise<CartBenchReport> {
  const { url: databaseUrl, db } = await seededDatabase(
    opts.databaseUrl,
    'shop_loadtest_cart',
    opts.products,
  );
  await db.destroy();
  const prefix = `loadtest:cart:${randomUUID().slice(0, 8)}:`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    WORKERS: 'false',
  });
  const c = createContainer(config, { logger: createLogger('warn') });
  const service = await startServiceProcess({
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    WORKERS: 'false',
  });
  try {
    // Products with room for many carts' worth of units: a 409 should be news, not noise.
    const productIds = await c
      .db('inventory')
      .where('available_count', '>=', 50)
      .orderBy('product_id')
      .pluck('product_id');
    const shoppers = await createShoppers(c, opts.users, productIds);
    const mix = cartMix(shoppers, productIds);
    await fire({ urls: [service.url], rate: opts.rate, durationSec: 3, mix });
    const result = await fire({ urls: [service.url], rate: opts.rate, durationSec: opts.durationSec, mix });
    const failures = Object.entries(result.outcomes)
      .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400 && !BUSINESS_ANSWERS.has(outcome))
      .map(([outcome, n]) => `${n} × ${outcome}`);
    if (result.errors || result.timeouts)
      failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
    const stale = await staleCaches(c, shoppers);
    if (stale) failures.push(`${stale} cart(s) whose Redis copy differs from PostgreSQL`);
    return { fire: result, failures, checkedCarts: shoppers.length };
  } finally {
    await service.stop();
    await c.cache.delPattern('*');
    await c.close();
  }
}

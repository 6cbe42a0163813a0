/**
 * Cart under load: 40% add, 20% update, 40% view, each as a random one of `--users` shoppers, at a
 * fixed overall rate against the real HTTP server on a scratch store.
 *
 *   npx tsx loadtest/cart-bench.ts --rate 500 --duration 20
 *
 * Exit code 1 on any 5xx, connection error or unexpected 4xx, or if a cart's Redis copy ends
 * different from PostgreSQL. 409 insufficient_stock and 422 quantity/line limits are business
 * answers: counted, not failures.
 */
import { isDeepStrictEqual, parseArgs } from 'node:util';
import * as cartQueries from '../src/cart/queries.js';
import type { Container } from '../src/container.js';
import { fire, latencyRows, prepareScratchStore, printTable, type Scenario, startService } from './lib.js';

const BUSINESS_ANSWERS = new Set(['409 insufficient_stock', '422 quantity_limit_exceeded', '422 cart_full']);
const SEEDED_LINES = 3;

function intOption(raw: string | undefined, name: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

interface Shopper {
  id: string;
  auth: string;
  /** Lines put in the cart before the run; the mix never removes a line, so PATCH always finds them. */
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
  const headers = (s: Shopper) => ({ authorization: s.auth, 'content-type': 'application/json' });
  return [
    {
      name: 'POST /cart/items',
      weight: 40,
      request: {
        method: 'POST',
        path: '/cart/items',
        setupRequest: (req) => {
          const s = pick(shoppers);
          const body = { product_id: pick(productIds), quantity: 1 + Math.floor(Math.random() * 2) };
          return { ...req, headers: headers(s), body: JSON.stringify(body) };
        },
      },
    },
    {
      name: 'PATCH /cart/items/:id',
      weight: 20,
      request: {
        method: 'PATCH',
        setupRequest: (req) => {
          const s = pick(shoppers);
          const body = { quantity: 1 + Math.floor(Math.random() * 5) };
          return {
            ...req,
            path: `/cart/items/${pick(s.lines)}`,
            headers: headers(s),
            body: JSON.stringify(body),
          };
        },
      },
    },
    {
      name: 'GET /cart',
      weight: 40,
      request: {
        method: 'GET',
        path: '/cart',
        setupRequest: (req) => ({ ...req, headers: { authorization: pick(shoppers).auth } }),
      },
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
    const { id: cartId, user_id, status, version } = row;
    const expected = {
      cart_id: cartId,
      user_id,
      status,
      version,
      lines: await cartQueries.cartLines(c.db, cartId),
    };
    if (!isDeepStrictEqual(await c.cache.getJson(`cart:${row.id}`), expected)) stale++;
  }
  return stale;
}

async function main() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '500' },
      duration: { type: 'string', default: '20' },
      users: { type: 'string', default: '200' },
      products: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '3' },
    },
  });
  const rate = intOption(values.rate, 'rate', 1);
  const durationS = intOption(values.duration, 'duration', 1);
  const userCount = intOption(values.users, 'users', 1);
  const products = intOption(values.products, 'products', SEEDED_LINES * userCount);
  const warmupS = intOption(values.warmup, 'warmup', 0);

  const started = Date.now();
  const store = await prepareScratchStore({ name: 'shop_bench_cart', products });
  const c = store.container;
  // Products with room for many carts' worth of units: a 409 should be news, not noise.
  const productIds = await c
    .db('inventory')
    .where('available_count', '>=', 50)
    .orderBy('product_id')
    .pluck('product_id');
  const shoppers = await createShoppers(c, userCount, productIds);
  const service = await startService(c);
  process.stdout.write(
    `cart bench: ${products} products, ${userCount} shoppers, ready in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${rate} req/s for ${durationS} s (after ${warmupS} s warm-up) against ${service.url}\n\n`,
  );

  let failures: string[] = [];
  try {
    const mix = cartMix(shoppers, productIds);
    if (warmupS > 0) await fire({ url: service.url, rate, durationS: warmupS, mix });
    const summary = await fire({ url: service.url, rate, durationS, mix });

    printTable(latencyRows(summary));
    process.stdout.write('\n');
    printTable(
      Object.entries(summary.outcomes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([outcome, count]) => ({
          outcome,
          count,
          kind:
            Number(outcome.slice(0, 3)) < 400 ? 'ok' : BUSINESS_ANSWERS.has(outcome) ? 'business' : 'FAILURE',
        })),
    );

    failures = Object.entries(summary.outcomes)
      .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400 && !BUSINESS_ANSWERS.has(outcome))
      .map(([outcome, count]) => `${count} × ${outcome}`);
    if (summary.errors) failures.push(`${summary.errors} connection errors or timeouts`);
    const stale = await staleCaches(c, shoppers);
    if (stale) failures.push(`${stale} cart(s) whose Redis copy differs from PostgreSQL`);
    const achieved = summary.overall.requests / durationS;
    process.stdout.write(
      `\nachieved ${achieved.toFixed(0)} req/s of ${rate}; p50 ${summary.overall.p50} ms, p99 ${summary.overall.p99} ms` +
        `; Redis copies checked for ${shoppers.length} carts\n`,
    );
    if (achieved < rate * 0.95) process.stdout.write(`warning: fell short of the target rate\n`);
  } finally {
    await service.stop();
    await store.drop();
  }

  if (failures.length) {
    process.stderr.write(`FAILED: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`cart bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

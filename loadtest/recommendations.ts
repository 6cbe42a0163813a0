import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import type { Db } from '../src/db/index.js';
import type { BatchPhase, BatchResult } from '../src/recommendations/index.js';
import { createLogger } from '../src/shared/logger.js';
import type { FireResult } from './fire.js';
import { type PostgresTime, runMixBench } from './mix.js';
import { dropRedisPrefix, seededDatabase } from './scenario.js';

export interface RecommendationsBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Paid orders generated within the window. */
  orders: number;
  /** Catalog size (the demo catalog). */
  products: number;
  /** Requests per second of GET /products/:id/recommendations, warm cache. */
  rate: number;
  durationSec: number;
}

export interface RecommendationsBenchReport {
  products: number;
  orders: number;
  lines: number;
  generateMs: number;
  batch: BatchResult;
  /** Each step of the batch, in ms. */
  phases: Partial<Record<BatchPhase, number>>;
  serving: { fire: FireResult; failures: string[]; postgres: PostgresTime; productsAsked: number };
}

/** Products whose pages are asked for in the serving run: a warm cache holds each one's list. */
const ASKED = 2_000;

/**
 * Paid orders set-based with generate_series: about 3 lines each (1 to 5), bought in
 * neighbourhoods (a basket's products lie within 8 ids of a product drawn with a popularity skew,
 * so pairs recur as real co-purchases do), a bestseller in one order of five, spread over the
 * last 89 days in PAID, SHIPPED and DELIVERED. The foreign keys are not checked while generating
 * (session_replication_role = replica, on this scratch database only): every id is read from its
 * table, and checking 3M rows one by one is most of the cost.
 */
async function generateOrders(db: Db, orders: number): Promise<number> {
  await db.transaction(async (trx) => {
    await trx.raw(`SET LOCAL session_replication_role = replica`);
    await trx.raw(`SET LOCAL work_mem = '256MB'`);
    const { rows } = await trx.raw<{ rows: { id: string }[] }>(
      `INSERT INTO users (email, password_hash, role) VALUES (:email, 'x', 'customer') RETURNING id`,
      { email: `recommendations-bench-${randomUUID()}@loadtest.local` },
    );
    await trx.raw(
      `CREATE TEMPORARY TABLE bench_products ON COMMIT DROP AS
       SELECT row_number() OVER (ORDER BY id) AS n, id, sku, name, price_cents FROM products WHERE active`,
    );
    await trx.raw('ALTER TABLE bench_products ADD PRIMARY KEY (n)');
    await trx.raw(
      `CREATE TEMPORARY TABLE bench_orders ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, g,
              (ARRAY['PAID', 'SHIPPED', 'DELIVERED'])[1 + g % 3] AS status,
              now() - random() * interval '89 days' AS created_at,
              -- popularity skew: low numbers are drawn far more often
              1 + floor(power(random(), 3) * (SELECT count(*) FROM bench_products))::bigint AS base,
              1 + g % 5 AS lines
         FROM generate_series(1, :orders) g`,
      { orders },
    );
    await trx.raw(
      `INSERT INTO orders (id, user_id, status, total_cents, shipping_address, payment_method, created_at, updated_at)
       SELECT id, :userId, status, 0, '{}'::jsonb, 'pm_card_visa', created_at, created_at FROM bench_orders`,
      { userId: rows[0]!.id },
    );
    await trx.raw(
      `INSERT INTO order_items (order_id, product_id, sku, name, quantity, price_at_purchase_cents)
       SELECT DISTINCT ON (o.id, p.id) o.id, p.id, p.sku, p.name, 1, p.price_cents
         FROM bench_orders o
         CROSS JOIN LATERAL generate_series(1, o.lines) k
         JOIN bench_products p ON p.n = CASE
           WHEN k = 5 OR (k = 1 AND o.g % 5 = 0) THEN 1
           ELSE 1 + (o.base + k * 3 + (o.g::bigint * 7919 + k) % 5) % (SELECT count(*) FROM bench_products) END`,
    );
    await trx.raw(
      `UPDATE orders o SET total_cents = s.total FROM (
        SELECT order_id, sum(price_at_purchase_cents)::bigint AS total FROM order_items GROUP BY order_id) s
       WHERE s.order_id = o.id AND o.user_id = :userId`,
      { userId: rows[0]!.id },
    );
  });
  await db.raw('ANALYZE orders, order_items');
  const { rows } = await db.raw<{ rows: { n: number }[] }>('SELECT count(*)::int AS n FROM order_items');
  return rows[0]!.n;
}

/**
 * The batch over `orders` paid orders (about 3 lines each) in a scratch copy of the demo catalog,
 * then GET /products/:id/recommendations at a fixed rate with a warm cache, on the service as its
 * own process.
 */
export async function runRecommendationsBench(
  opts: RecommendationsBenchOptions,
): Promise<RecommendationsBenchReport> {
  const { url, db } = await seededDatabase(opts.databaseUrl, 'shop_loadtest_recommendations', opts.products);
  const prefix = `loadtest:recommendations:${randomUUID().slice(0, 8)}:`;
  const env = { DATABASE_URL: url, REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix };
  const c = createContainer(loadConfig(env), { logger: createLogger('warn') });
  try {
    const generating = performance.now();
    const lines = await generateOrders(db, opts.orders);
    const generateMs = performance.now() - generating;
    process.stderr.write(
      `generated ${opts.orders} orders, ${lines} lines in ${(generateMs / 1_000).toFixed(1)} s\n`,
    );

    const phases: Partial<Record<BatchPhase, number>> = {};
    let phase: BatchPhase | null = null;
    let since = performance.now();
    const batch = await c.recommendations.rebuild({
      onPhase: (next) => {
        const now = performance.now();
        if (phase) phases[phase] = now - since;
        phase = next;
        since = now;
      },
    });
    if (phase) phases[phase as BatchPhase] = performance.now() - since;
    process.stderr.write(
      `batch: ${batch.recommendations} recommendations in ${batch.seconds.toFixed(1)} s\n`,
    );

    const { rows } = await db.raw<{ rows: { product_id: number }[] }>(
      `SELECT product_id::int FROM product_recommendations GROUP BY product_id ORDER BY random() LIMIT :n`,
      { n: ASKED },
    );
    const asked = rows.map((r) => r.product_id);
    await db.destroy();
    const serving = await runMixBench(
      'recommendations',
      {
        databaseUrl: opts.databaseUrl,
        redisUrl: opts.redisUrl,
        rate: opts.rate,
        durationSec: opts.durationSec,
        products: opts.products,
        database: url,
        warmupSec: 5,
        serviceEnv: { MIGRATE_ON_START: 'false' },
      },
      async (service) => {
        // A warm cache: every product asked has its list in Redis (and the warm-up reads the rest).
        for (let i = 0; i < asked.length; i += 100) {
          await Promise.all(asked.slice(i, i + 100).map((id) => service.recommendations.forProduct(id, 10)));
        }
        let next = 0;
        return {
          mix: [
            {
              name: 'recommendations',
              weight: 1,
              next: () => ({
                method: 'GET',
                path: `/products/${asked[next++ % asked.length]}/recommendations`,
              }),
            },
          ],
        };
      },
    );
    return {
      products: opts.products,
      orders: opts.orders,
      lines,
      generateMs,
      batch,
      phases,
      serving: { ...serving, productsAsked: asked.length },
    };
  } finally {
    await c.close();
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}

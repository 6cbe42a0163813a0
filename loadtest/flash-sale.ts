import { randomUUID } from 'node:crypto';
import { type AuditReport, checkInvariants } from '../src/audit/invariants.js';
import type { Db } from '../src/db/index.js';
import { type FireResult, fire } from './fire.js';
import { type Buyer, createBuyers, createHotSku, dropRedisPrefix, freshDatabase } from './scenario.js';
import { type ServiceProcess, startServiceProcess } from './service.js';

export interface FlashSaleOptions {
  databaseUrl: string;
  redisUrl: string;
  strategy: 'group-commit' | 'row-lock';
  rate: number;
  durationSec: number;
  stock: number;
  buyers: number;
  instances: number;
  withPayment: boolean;
  /** With rate 0 (a saturation run): connections per service. */
  connections?: number;
  /** Target an already-running service (on databaseUrl) instead of starting one. */
  url?: string;
  extraEnv?: Record<string, string>;
  /** Extra node flags for the service processes, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

export interface FlashSaleReport {
  options: Omit<FlashSaleOptions, 'databaseUrl' | 'redisUrl'>;
  fire: FireResult;
  successes: number;
  attempts: number;
  errorCodes: Record<string, number>;
  stock: { initial: number; available: number; reserved: number; sold: number };
  orderedUnits: number;
  oversold: number;
  audit: AuditReport;
  failures: string[];
  /** shop_* series from each service's GET /metrics after the sale. */
  metrics?: string[][];
}

async function scrapeBusinessMetrics(url: string): Promise<string[]> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split('\n').filter((line) => line.startsWith('shop_') && !line.includes('_bucket{'));
  } catch (err) {
    return [`# scrape failed: ${(err as Error).message}`];
  }
}

// Mostly good cards; some declines (stock comes back) and some needing customer action (they expire).
const PAYMENT_MIX = [
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_visa',
  'pm_card_mastercard',
  'pm_card_chargeDeclined',
  'pm_card_authenticationRequired',
  'pm_card_visa',
];
const ADDRESS = {
  name: 'Flash Buyer',
  line1: '1 Sale Street',
  city: 'Berlin',
  postal_code: '10115',
  country: 'DE',
};

interface Prepared {
  db: Db;
  databaseUrl: string;
  productId: number;
  buyers: Buyer[];
  /** Buyers of a separate SKU whose checkouts warm the service (JIT, pools) before the measured run. */
  warmup: Buyer[];
}

const WARMUP_SECONDS = 3;

async function prepare(opts: FlashSaleOptions, runId: string): Promise<Prepared> {
  let db: Db;
  let databaseUrl = opts.databaseUrl;
  if (opts.url) {
    // A running service owns its database: add this run's SKUs and buyers beside what is there.
    const { createDb } = await import('../src/db/index.js');
    db = createDb(opts.databaseUrl, 4);
  } else {
    ({ url: databaseUrl, db } = await freshDatabase(opts.databaseUrl, 'shop_loadtest'));
  }
  const warmupCount = Math.max(500, Math.ceil((opts.rate / 2) * WARMUP_SECONDS));
  const warmupSku = await createHotSku(db, warmupCount, `WARM-${runId}`);
  const productId = await createHotSku(db, opts.stock, `HOT-${runId}`);
  return {
    db,
    databaseUrl,
    productId,
    buyers: await createBuyers(db, productId, opts.buyers, `b${runId}-`),
    warmup: await createBuyers(db, warmupSku, warmupCount, `w${runId}-`),
  };
}

/** Waits until payments are processed and every expired reservation has been swept. */
async function settle(db: Db, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { rows } = await db.raw<{ rows: { pending: number; active: number }[] }>(
      `SELECT (SELECT count(*) FROM outbox_events WHERE processed_at IS NULL AND failed_at IS NULL)::int AS pending,
              (SELECT count(*) FROM reservations WHERE state = 'ACTIVE')::int AS active`,
    );
    if (rows[0]!.pending === 0 && rows[0]!.active === 0) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

export async function runFlashSale(opts: FlashSaleOptions): Promise<FlashSaleReport> {
  const runId = randomUUID().slice(0, 8);
  const { db, databaseUrl, productId, buyers, warmup } = await prepare(opts, runId);
  const services: ServiceProcess[] = [];
  try {
    if (!opts.url) {
      for (let i = 0; i < opts.instances; i++) {
        services.push(
          await startServiceProcess(
            {
              DATABASE_URL: databaseUrl,
              REDIS_URL: opts.redisUrl,
              REDIS_PREFIX: `loadtest:${runId}:`,
              CHECKOUT_STRATEGY: opts.strategy,
              WORKERS: opts.withPayment ? 'true' : 'false',
              ...(opts.withPayment ? { RESERVATION_TTL: '20s', SWEEPER_INTERVAL: '500ms' } : {}),
              ...opts.extraEnv,
            },
            opts.nodeArgs,
          ),
        );
      }
    }
    const urls = opts.url ? [opts.url] : services.map((s) => s.url);
    const checkoutOf = (buyer: Buyer, payment_method = 'pm_card_visa') => ({
      method: 'POST' as const,
      path: '/checkout',
      headers: { authorization: `Bearer ${buyer.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ cart_id: buyer.cartId, shipping_address: ADDRESS, payment_method }),
    });
    // Warm-up on its own SKU (not measured, not judged): JIT, connection pools, caches.
    let w = 0;
    await fire({
      urls,
      rate: Math.ceil(warmup.length / WARMUP_SECONDS),
      durationSec: WARMUP_SECONDS,
      amount: warmup.length,
      mix: [{ name: 'warm-up', weight: 1, next: () => checkoutOf(warmup[w++ % warmup.length]!) }],
    });
    let next = 0;
    const result = await fire({
      urls,
      rate: opts.rate,
      durationSec: opts.durationSec,
      amount: opts.rate > 0 ? Math.min(buyers.length, opts.rate * opts.durationSec) : buyers.length,
      ...(opts.connections ? { connections: opts.connections } : {}),
      mix: [
        {
          name: 'POST /checkout',
          weight: 1,
          next: () => {
            const i = next++;
            return checkoutOf(
              buyers[i % buyers.length]!,
              opts.withPayment ? PAYMENT_MIX[i % PAYMENT_MIX.length] : undefined,
            );
          },
        },
      ],
    });
    // Error codes of the non-201 answers ("409 out_of_stock" → out_of_stock).
    const errorCodes = Object.fromEntries(
      Object.entries(result.outcomes)
        .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400)
        .map(([outcome, n]) => [outcome.slice(4), n]),
    );
    if (opts.withPayment) await settle(db, 90_000);
    // The service's own account of the sale (counters are per process: one scrape each).
    const metrics = await Promise.all(urls.map((u) => scrapeBusinessMetrics(u)));
    for (const s of services) await s.stop();
    services.length = 0;
    return { ...(await judge(db, productId, opts, result, errorCodes)), metrics };
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await db.destroy();
    await dropRedisPrefix(opts.redisUrl, `loadtest:${runId}:`);
  }
}

async function judge(
  db: Db,
  productId: number,
  opts: FlashSaleOptions,
  result: FireResult,
  errorCodes: Record<string, number>,
): Promise<FlashSaleReport> {
  const audit = await checkInvariants(db);
  const inv = await db('inventory').where({ product_id: productId }).first();
  const { rows } = await db.raw<{ rows: { units: number }[] }>(
    `SELECT coalesce(sum(i.quantity), 0)::int AS units FROM order_items i JOIN orders o ON o.id = i.order_id
      WHERE i.product_id = ? AND o.status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED')`,
    [productId],
  );
  const orderedUnits = rows[0]!.units;
  const successes = result.statusCounts['201'] ?? 0;
  const attempts = result.requests;
  const stock = {
    initial: opts.stock,
    available: inv.available_count,
    reserved: inv.reserved_count,
    sold: inv.sold_count,
  };
  const oversold = Math.max(0, orderedUnits - opts.stock, -inv.available_count);

  const failures: string[] = [];
  if (oversold > 0) failures.push(`OVERSOLD by ${oversold} units`);
  if (!audit.ok)
    failures.push(
      `${audit.violations.length} invariant violation(s): ${audit.violations
        .slice(0, 3)
        .map((v) => v.message)
        .join('; ')}`,
    );
  if (orderedUnits !== stock.reserved + stock.sold)
    failures.push(
      `live orders hold ${orderedUnits} units but reserved + sold = ${stock.reserved + stock.sold}`,
    );
  const unexpected = Object.entries(errorCodes).filter(([code]) => code !== 'out_of_stock');
  if (unexpected.length)
    failures.push(`unexpected answers: ${unexpected.map(([c, n]) => `${c} × ${n}`).join(', ')}`);
  if (result.errors || result.timeouts)
    failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  // Declined payments hand stock back mid-sale, so only the plain sale has an exact winner count.
  if (!opts.withPayment && successes !== Math.min(opts.stock, attempts)) {
    failures.push(`expected ${Math.min(opts.stock, attempts)} successful checkouts, got ${successes}`);
  }
  const { databaseUrl: _d, redisUrl: _r, ...shown } = opts;
  return {
    options: shown,
    fire: result,
    successes,
    attempts,
    errorCodes,
    stock,
    orderedUnits,
    oversold,
    audit,
    failures,
  };
}

import { randomUUID } from 'node:crypto';
import { serverStates, startHaproxy } from '../scripts/fleet.js';
import { type AuditReport, checkInvariants } from '../src/audit/index.js';
import type { Db } from '../src/db/index.js';
import { browseMix } from './browse.js';
import { type EventFigures, eventFigures } from './events.js';
import { type FireResult, fire } from './fire.js';
import {
  PAYMENT_MIX,
  type PaymentFigures,
  paymentFigures,
  sampleBacklog,
  waitForSettlement,
} from './payments.js';
import { type RetryingRun, retryingCheckouts } from './retrying-checkouts.js';
import {
  type Buyer,
  createBuyers,
  createHotSku,
  dropRedisPrefix,
  freshDatabase,
  seededDatabase,
} from './scenario.js';
import { type SearchSync, sampleSearchSync } from './search-sync.js';
import { freePort, type ServiceProcess, startServiceProcess } from './service.js';
import { type StockLag, sampleStockLag } from './stock-lag.js';

export interface FlashSaleOptions {
  databaseUrl: string;
  redisUrl: string;
  strategy: 'group-commit' | 'row-lock';
  rate: number;
  durationSec: number;
  stock: number;
  buyers: number;
  instances: number;
  /** Payments on (the default, as the demo runs): workers charge every order through the sandbox. */
  payment: boolean;
  /** Budgets judged on a fixed-rate sale with payments (ms). */
  paidP99BudgetMs?: number;
  /**
   * A limit per customer on the hot SKU: honest buyers want 1 to `maxPerCustomer` units, and every
   * tenth asks for one more than allowed (refused: `purchase_limit`).
   */
  maxPerCustomer?: number;
  drainBudgetMs?: number;
  /** With rate 0 (a saturation run): connections per service. */
  connections?: number;
  /** Target an already-running service (on databaseUrl) instead of starting one. */
  url?: string;
  extraEnv?: Record<string, string>;
  /** Extra node flags for the service processes, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Shoppers browsing a seeded catalog of `products` at `rate` requests/s while the sale runs. */
  browse?: { rate: number; products: number };
  /**
   * Browse searches the engine (SEARCH_BACKEND=opensearch) with an index of the run's own
   * (OPENSEARCH_INDEX_PREFIX `loadtest-<run>-`, dropped afterwards): the index lag and how soon
   * the sold-out hot product leaves in-stock results are measured through the sale.
   */
  search?: { opensearchUrl: string };
  /** The processes behind HAProxy (deploy/haproxy, TRUST_PROXY_HOPS=1): buyers reach the balancer only. */
  balancer?: boolean;
  /**
   * Behind the balancer: the last process is sent `signal` `atSec` into the sale, and buyers
   * retry a checkout that got no answer with its Idempotency-Key (retryingCheckouts).
   */
  fault?: { signal: 'SIGKILL' | 'SIGTERM'; atSec: number };
}

/** A process stopped mid-sale behind the balancer, and what the buyers saw. */
export interface FaultFigures {
  signal: string;
  atSec: number;
  /** From the signal until HAProxy's stats showed the process out of rotation (not UP). */
  outOfRotationMs: number | null;
  /** Each buyer's last answer: 201, 409 <code> or 'gave up'. */
  finals: Record<string, number>;
  buyersWhoRetried: number;
  /** Attempts that got no answer or a 5xx. */
  failedAttempts: number;
  /** Buyers with more than one live order for their key, or a 201 without one, or an order after a 409. */
  duplicated: number;
  lost: number;
  orphaned: number;
  latency: { p50: number; p99: number; max: number };
}

export interface BrowseDuringSale {
  fire: FireResult;
  /** How far the hot product's stock shown by browse trailed PostgreSQL. */
  lag: StockLag;
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
  payment?: PaymentFigures;
  browse?: BrowseDuringSale;
  /** With payments: the relay's lag, the consumers' and fulfillment's progress, read after the sale. */
  events?: EventFigures;
  /** With `search`: the index lag and the sold-out product's exit from in-stock results. */
  searchSync?: SearchSync;
  fault?: FaultFigures;
}

async function scrapeBusinessMetrics(url: string): Promise<string[]> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split('\n').filter((line) => line.startsWith('shop_') && !line.includes('_bucket{'));
  } catch (err) {
    return [`# scrape failed: ${(err as Error).message}`];
  }
}

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
const BROWSE_WARMUP_SECONDS = 20;

async function prepare(opts: FlashSaleOptions, runId: string): Promise<Prepared> {
  let db: Db;
  let databaseUrl = opts.databaseUrl;
  if (opts.url) {
    // A running service owns its database: add this run's SKUs and buyers beside what is there.
    const { createDb } = await import('../src/db/index.js');
    db = createDb(opts.databaseUrl, 4);
  } else {
    ({ url: databaseUrl, db } = opts.browse
      ? await seededDatabase(opts.databaseUrl, 'shop_loadtest', opts.browse.products)
      : await freshDatabase(opts.databaseUrl, 'shop_loadtest'));
  }
  const warmupCount = Math.max(500, Math.ceil((opts.rate / 2) * WARMUP_SECONDS));
  const warmupSku = await createHotSku(db, warmupCount, `WARM-${runId}`);
  const productId = await createHotSku(db, opts.stock, `HOT-${runId}`);
  const cap = opts.maxPerCustomer;
  if (cap) await db('products').where({ id: productId }).update({ max_per_customer: cap });
  return {
    db,
    databaseUrl,
    productId,
    buyers: await createBuyers(
      db,
      productId,
      opts.buyers,
      `b${runId}-`,
      cap ? (i) => (i % 10 === 9 ? cap + 1 : 1 + (i % cap)) : 1,
    ),
    warmup: await createBuyers(db, warmupSku, warmupCount, `w${runId}-`),
  };
}

export async function runFlashSale(opts: FlashSaleOptions): Promise<FlashSaleReport> {
  const runStarted = new Date();
  const runId = randomUUID().slice(0, 8);
  const { db, databaseUrl, productId, buyers, warmup } = await prepare(opts, runId);
  const services: ServiceProcess[] = [];
  const indexPrefix = `loadtest-${runId}-`;
  const searchEnv: Record<string, string> = opts.search
    ? {
        SEARCH_BACKEND: 'opensearch',
        OPENSEARCH_URL: opts.search.opensearchUrl,
        OPENSEARCH_INDEX_PREFIX: indexPrefix,
      }
    : {};
  let balancer: Awaited<ReturnType<typeof startBalancer>> | null = null;
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
              WORKERS: opts.payment ? 'true' : 'false',
              ...searchEnv,
              ...(opts.balancer ? { TRUST_PROXY_HOPS: '1' } : {}),
              ...opts.extraEnv,
            },
            opts.nodeArgs,
          ),
        );
      }
    }
    if (opts.balancer) balancer = await startBalancer(services);
    const urls = opts.url ? [opts.url] : balancer ? [balancer.url] : services.map((s) => s.url);
    const checkoutOf = (buyer: Buyer, payment_method = 'pm_card_visa') => ({
      method: 'POST' as const,
      path: '/checkout',
      headers: { authorization: `Bearer ${buyer.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ cart_id: buyer.cartId, shipping_address: ADDRESS, payment_method }),
    });
    // The service builds its index at start (there is none): wait until it holds the hot product in stock.
    if (opts.search) await waitForIndexed(opts.search.opensearchUrl, `${indexPrefix}products`, productId);
    // Shoppers were browsing before the sale opened: the browse caches are warm, as in a store.
    if (opts.browse) {
      await fire({
        urls,
        rate: opts.browse.rate,
        durationSec: BROWSE_WARMUP_SECONDS,
        mix: browseMix(opts.browse.products),
      });
    }
    // Warm-up on its own SKU (not measured, not judged): JIT, connection pools, caches.
    let w = 0;
    await fire({
      urls,
      rate: Math.ceil(warmup.length / WARMUP_SECONDS),
      durationSec: WARMUP_SECONDS,
      amount: warmup.length,
      mix: [{ name: 'warm-up', weight: 1, next: () => checkoutOf(warmup[w++ % warmup.length]!) }],
    });
    // The warm-up's payments settle before the sale, so the backlog seen is the sale's own.
    if (opts.payment) await waitForSettlement(db, 60_000);
    let next = 0;
    const saleStarted = Date.now();
    const sampler = opts.payment ? sampleBacklog(db, saleStarted) : null;
    const syncSampler = opts.search
      ? sampleSearchSync({
          db,
          serviceUrl: urls[0]!,
          opensearchUrl: opts.search.opensearchUrl,
          alias: `${indexPrefix}products`,
          productId,
          name: HOT_NAME,
          startedAt: saleStarted,
        })
      : null;
    const browsing = opts.browse
      ? {
          lag: sampleStockLag(db, urls[0]!, productId),
          fire: fire({
            urls,
            rate: opts.browse.rate,
            durationSec: opts.durationSec,
            mix: browseMix(opts.browse.products),
          }),
        }
      : null;
    const faulted =
      opts.fault && balancer
        ? saleWithFault({
            url: urls[0]!,
            statsUrl: balancer.statsUrl,
            victim: services.at(-1)!,
            victimName: `shop${services.length}`,
            fault: opts.fault,
            buyers: buyers.slice(0, opts.rate * opts.durationSec),
            rate: opts.rate,
            paymentMethod: (i) => (opts.payment ? PAYMENT_MIX[i % PAYMENT_MIX.length]! : 'pm_card_visa'),
          })
        : null;
    const result = faulted
      ? (await faulted).fire
      : await fire({
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
                  opts.payment ? PAYMENT_MIX[i % PAYMENT_MIX.length] : undefined,
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
    const browse = browsing ? { fire: await browsing.fire, lag: await browsing.lag.stop() } : undefined;
    const drainMs = opts.payment ? await waitForSettlement(db, 120_000) : null;
    // The services keep running until every event is sent and applied, and every paid order shipped.
    const events = opts.payment
      ? await eventFigures(db, { searchIndex: !!opts.search, ordersSince: runStarted })
      : undefined;
    const backlog = (await sampler?.stop()) ?? [];
    // A few seconds more, so that the last sell-out is seen leaving the results.
    if (syncSampler) await new Promise((r) => setTimeout(r, 6_000));
    const searchSync = await syncSampler?.stop();
    // The service's own account of the sale (counters are per process: one scrape each).
    const alive = services.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    const metrics = await Promise.all(
      (opts.url ? [opts.url] : alive.map((s) => s.url)).map((u) => scrapeBusinessMetrics(u)),
    );
    for (const s of services) await s.stop();
    services.length = 0;
    const report = await judge(db, productId, opts, result, errorCodes);
    const fault = faulted ? await judgeFault(db, await faulted, opts.fault!) : undefined;
    if (fault) report.failures.push(...fault.failures);
    if (browse) report.failures.push(...judgeBrowse(browse));
    if (searchSync) report.failures.push(...judgeSearchSync(searchSync));
    const extra = { ...(searchSync ? { searchSync } : {}), ...(fault ? { fault: fault.figures } : {}) };
    if (!opts.payment) return { ...report, metrics, browse, ...extra };
    const payment = await paymentFigures(db, productId, backlog, drainMs);
    report.failures.push(...judgePayments(payment, opts));
    if (events) {
      if (events.unpublished) report.failures.push(`${events.unpublished} domain events were never sent`);
      for (const [name, n] of Object.entries(events.consumers)) {
        if (n.applied !== n.bound)
          report.failures.push(`the ${name} consumer applied ${n.applied} of its ${n.bound} events`);
      }
      if (events.shipped < events.paidOrders)
        report.failures.push(`${events.paidOrders - events.shipped} paid orders never shipped`);
    }
    return { ...report, metrics, payment, browse, events, ...extra };
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await balancer?.stop();
    if (opts.search) await dropIndexes(opts.search.opensearchUrl, indexPrefix);
    await db.destroy();
    await dropRedisPrefix(opts.redisUrl, `loadtest:${runId}:`);
  }
}

/** createHotSku's product name. */
const HOT_NAME = 'Limited Edition Wireless Headphones';

async function waitForIndexed(url: string, alias: string, productId: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/${alias}/_doc/${productId}`);
      if (res.ok && ((await res.json()) as { _source?: { in_stock?: boolean } })._source?.in_stock) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline)
      throw new Error(`the index ${alias} did not hold product ${productId} within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Drops the run's own indexes (the service built them for this database only). */
async function dropIndexes(url: string, prefix: string) {
  try {
    const res = await fetch(`${url}/_cat/indices/${prefix}*?format=json&h=index`);
    const rows = (await res.json()) as { index: string }[];
    for (const { index } of rows) await fetch(`${url}/${index}`, { method: 'DELETE' });
  } catch {
    // left behind: named loadtest-<run>-..., harmless
  }
}

/** The issue's goals for the index during a sale: lag p99 under 2 s, a sold-out product out of in-stock results within 5 s. */
function judgeSearchSync(s: SearchSync): string[] {
  const failures: string[] = [];
  if (s.lag.p99 >= 2_000) failures.push(`search index lag p99 ${s.lag.p99} ms (goal under 2 s)`);
  for (const so of s.soldOut.filter((x) => x.final)) {
    if (so.indexMs === null || so.indexMs > 5_000)
      failures.push(`the sold-out product stayed in_stock in the index ${so.indexMs ?? 'throughout'} ms`);
    if (so.apiMs === null || so.apiMs > 5_000)
      failures.push(`the sold-out product stayed in in_stock results ${so.apiMs ?? 'throughout'} ms`);
  }
  return failures;
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
  const expectedCodes = new Set(['out_of_stock', ...(opts.maxPerCustomer ? ['purchase_limit'] : [])]);
  const unexpected = Object.entries(errorCodes).filter(([code]) => !expectedCodes.has(code));
  if (opts.maxPerCustomer) {
    const { rows: over } = await db.raw<{ rows: { n: number }[] }>(
      `SELECT count(*)::int AS n FROM (
         SELECT o.user_id FROM orders o JOIN order_items i ON i.order_id = o.id
          WHERE i.product_id = ? AND o.status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED') GROUP BY o.user_id HAVING sum(i.quantity) > ?) x`,
      [productId, opts.maxPerCustomer],
    );
    if (over[0]!.n) failures.push(`${over[0]!.n} customers hold more than ${opts.maxPerCustomer} units`);
    if (!opts.payment && stock.sold + stock.reserved !== opts.stock) {
      failures.push(
        `sold ${stock.sold + stock.reserved} of ${opts.stock} units: the cap kept honest buyers out`,
      );
    }
  }
  if (unexpected.length)
    failures.push(`unexpected answers: ${unexpected.map(([c, n]) => `${c} × ${n}`).join(', ')}`);
  if (result.errors || result.timeouts)
    failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  // Declined payments hand stock back mid-sale, so only the plain sale has an exact winner count.
  if (!opts.payment && !opts.maxPerCustomer && successes !== Math.min(opts.stock, attempts)) {
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

/** With payments: every good card paid, nothing expired, and (at a fixed rate) paid fast and drained fast. */
function judgePayments(p: PaymentFigures, opts: FlashSaleOptions): string[] {
  const failures: string[] = [];
  if (p.drainMs === null) failures.push('payments did not settle within 120 s of the sale');
  if (p.unpaidGoodCards) failures.push(`${p.unpaidGoodCards} orders with a good card did not end PAID`);
  if (p.expired) failures.push(`${p.expired} orders expired`);
  if (opts.rate > 0 && opts.paidP99BudgetMs !== undefined && p.toPaid.p99 > opts.paidP99BudgetMs) {
    failures.push(`checkout → PAID p99 ${p.toPaid.p99} ms is over the ${opts.paidP99BudgetMs} ms budget`);
  }
  if (opts.rate > 0 && opts.drainBudgetMs !== undefined && (p.drainMs ?? Infinity) > opts.drainBudgetMs) {
    failures.push(
      `the payment backlog took ${p.drainMs} ms to drain after the sale (budget ${opts.drainBudgetMs} ms)`,
    );
  }
  return failures;
}

/** Browse beside a sale: every answer a 200, and the stock shown never seconds behind. */
function judgeBrowse({ fire: result, lag }: BrowseDuringSale): string[] {
  const failures = Object.entries(result.outcomes)
    .filter(([outcome]) => outcome !== '200')
    .map(([outcome, n]) => `browse: ${n} × ${outcome}`);
  if (result.errors || result.timeouts)
    failures.push(`browse: ${result.errors} connection errors, ${result.timeouts} timeouts`);
  if (lag.max > 5_000) failures.push(`browse showed stock ${lag.max} ms behind PostgreSQL`);
  return failures;
}

/** HAProxy with the project's config in front of the run's processes, on ports of its own. */
async function startBalancer(services: ServiceProcess[]) {
  const [port, statsPort] = [await freePort(), await freePort()];
  const haproxy = await startHaproxy({
    ports: services.map((s) => Number(new URL(s.url).port)),
    bind: `127.0.0.1:${port}`,
    statsBind: `127.0.0.1:${statsPort}`,
  });
  return { url: `http://127.0.0.1:${port}`, statsUrl: haproxy.statsUrl, stop: () => haproxy.stop() };
}

/**
 * The sale through the balancer with one process stopped by `fault.signal` at `fault.atSec`:
 * buyers retry with their key (retryingCheckouts), and HAProxy's stats are read every 50 ms from
 * the signal until the process is out of rotation.
 */
async function saleWithFault({
  url,
  statsUrl,
  victim,
  victimName,
  fault,
  buyers,
  rate,
  paymentMethod,
}: {
  url: string;
  statsUrl: string;
  victim: ServiceProcess;
  victimName: string;
  fault: NonNullable<FlashSaleOptions['fault']>;
  buyers: Buyer[];
  rate: number;
  paymentMethod: (i: number) => string;
}): Promise<{ fire: FireResult; run: RetryingRun; outOfRotationMs: number | null }> {
  let outOfRotationMs: number | null = null;
  const watched = new Promise<void>((resolve) => {
    setTimeout(async () => {
      const signalled = Date.now();
      victim.child.kill(fault.signal);
      while (Date.now() - signalled < 15_000) {
        const state = (await serverStates(statsUrl).catch(() => null))?.get(victimName);
        if (state && !state.status.startsWith('UP')) {
          outOfRotationMs = Date.now() - signalled;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      resolve();
    }, fault.atSec * 1000);
  });
  const started = Date.now();
  const run = await retryingCheckouts({ url, buyers, rate, paymentMethod, address: ADDRESS });
  await watched;
  // The figures judge() reads, from the buyers' final answers.
  const statusCounts: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const [final, n] of Object.entries(run.finals)) {
    outcomes[final] = n;
    const status = final.slice(0, 3);
    statusCounts[status] = (statusCounts[status] ?? 0) + n;
  }
  const latency = { requests: buyers.length, p90: run.latency.p99, ...run.latency };
  return {
    run,
    outOfRotationMs,
    fire: {
      requests: buyers.length,
      durationSec: (Date.now() - started) / 1000,
      achievedRate: run.achievedRate,
      latency,
      byScenario: { 'POST /checkout': latency },
      byStatus: {},
      statusCounts,
      outcomes,
      errors: run.finals['gave up'] ?? 0,
      timeouts: 0,
      timeline: [],
    },
  };
}

/** Every buyer ended with one answer, and the orders agree with it: one for a 201, none for a 409. */
async function judgeFault(
  db: Db,
  { run, outOfRotationMs }: { run: RetryingRun; outOfRotationMs: number | null },
  fault: NonNullable<FlashSaleOptions['fault']>,
): Promise<{ figures: FaultFigures; failures: string[] }> {
  const { rows } = await db.raw<{ rows: { key: string; n: number }[] }>(
    `SELECT idempotency_key AS key, count(*)::int AS n FROM orders
      WHERE idempotency_key = ANY(?::text[]) GROUP BY 1`,
    [run.outcomes.map((o) => o.key)],
  );
  const orders = new Map(rows.map((r) => [r.key, r.n]));
  let duplicated = 0;
  let lost = 0;
  let orphaned = 0;
  for (const o of run.outcomes) {
    const n = orders.get(o.key) ?? 0;
    if (n > 1) duplicated += 1;
    if (o.final === '201' && n === 0) lost += 1;
    if (o.final !== '201' && n > 0) orphaned += 1;
  }
  const figures: FaultFigures = {
    signal: fault.signal,
    atSec: fault.atSec,
    outOfRotationMs,
    finals: run.finals,
    buyersWhoRetried: run.buyersWhoRetried,
    failedAttempts: run.failedAttempts,
    duplicated,
    lost,
    orphaned,
    latency: run.latency,
  };
  const failures: string[] = [];
  if (outOfRotationMs === null || outOfRotationMs > 2_000)
    failures.push(
      `the ${fault.signal} process was out of rotation after ${outOfRotationMs ?? 'never'} ms (goal 2 s)`,
    );
  const unfinished = Object.entries(run.finals).filter(([f]) => f !== '201' && !f.startsWith('409'));
  if (unfinished.length)
    failures.push(`buyers without a 201 or 409: ${unfinished.map(([f, n]) => `${f} × ${n}`).join(', ')}`);
  if (duplicated) failures.push(`${duplicated} buyers have more than one order`);
  if (lost) failures.push(`${lost} buyers got 201 but have no order`);
  if (orphaned) failures.push(`${orphaned} buyers were refused but have an order`);
  if (fault.signal === 'SIGTERM' && run.failedAttempts)
    failures.push(`${run.failedAttempts} requests failed while a process drained (goal: none)`);
  return { figures, failures };
}

import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { reconcile } from '../../src/audit/reconcile.js';
import { stockKey } from '../../src/catalog/cache-keys.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TTL_MS = 300;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition, parsed: one sample per line, plus the # TYPE of each family. */
function parseExposition(text: string) {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: m[1]!, labels, value });
  }

  const matches = (s: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    types,
    /** Every sample of a series name, optionally narrowed by some labels. */
    series: (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && matches(s, labels)),
    /** The one sample with exactly these labels (le included for buckets); fails when absent. */
    value(name: string, labels: Record<string, string> = {}) {
      const found = samples.filter(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === Object.keys(labels).length &&
          matches(s, labels),
      );
      expect(found, `${name}${JSON.stringify(labels)} in the scrape`).to.have.length(1);
      return found[0]!.value;
    },
  };
}

type Scrape = ReturnType<typeof parseExposition>;

/**
 * One scripted day of the shop through the HTTP API and the services, then GET /metrics: every
 * business series must show exactly what happened. Workers are off, so the test drives the
 * outbox (worker.drain) and the sweeper (sweep) itself. Reservations last 300 ms here, and
 * nothing expires until sweep() runs.
 */
describe('GET /metrics after a scripted scenario', function () {
  this.timeout(60_000);
  let t: TestContext;
  let scrape: Scrape;
  let afterSweep: Scrape;
  const orders: Record<string, string> = {};

  before(async () => {
    t = await createTestContext({ RESERVATION_TTL: `${TTL_MS}ms` });
    const c = t.container;
    const mug = await createProduct(c.db, { stock: 10, price_cents: 1_000, category: 'kitchen' });
    const lamp = await createProduct(c.db, { stock: 1, price_cents: 4_500, category: 'lighting' });

    // Browsing, a miss on a product id, a path no route serves, a method a route does not take.
    await t.request().get('/products').expect(200);
    await t.request().get(`/products/${mug.id}`).expect(200);
    await t.request().get('/products/999999').expect(404);
    await t.request().get('/categories').expect(200);
    await t.request().get('/no-such-page').expect(404);
    await t.request().post('/products').send({}).expect(405);

    // E checks out and never pays: the sweeper expires it (before the outbox runs its charge).
    const e = await shopperWithCart(t, [{ product_id: mug.id, quantity: 2 }]);
    orders.expired = (await postCheckout(t, e).expect(201)).body.order_id;
    await sleep(TTL_MS + 100);
    expect(await c.sweep()).to.deep.equal({ orders: 1, units: 2 });

    // A and B pay; C takes the last lamp and F, with a lamp in the cart too, is told it sold out.
    const a = await shopperWithCart(t, [{ product_id: mug.id, quantity: 1 }]);
    orders.shipped = (await postCheckout(t, a).expect(201)).body.order_id;
    const b = await shopperWithCart(t, [{ product_id: mug.id, quantity: 1 }]);
    orders.paid = (await postCheckout(t, b).expect(201)).body.order_id;
    const cShopper = await shopperWithCart(t, [{ product_id: lamp.id, quantity: 1 }]);
    const f = await shopperWithCart(t, [{ product_id: lamp.id, quantity: 1 }]);
    await postCheckout(t, cShopper).expect(201);
    const soldOut = await postCheckout(t, f).expect(409);
    expect(soldOut.body.error.code).to.equal('out_of_stock');
    // D's card is declined; G's asks for authentication, so G stays PENDING, holding 3 mugs.
    const d = await shopperWithCart(t, [{ product_id: mug.id, quantity: 1 }]);
    orders.declined = (
      await postCheckout(t, d, { payment_method: 'pm_card_chargeDeclined' }).expect(201)
    ).body.order_id;
    const g = await shopperWithCart(t, [{ product_id: mug.id, quantity: 3 }]);
    orders.pending = (
      await postCheckout(t, g, { payment_method: 'pm_card_authenticationRequired' }).expect(201)
    ).body.order_id;
    expect(await c.worker.drain()).to.deep.equal({ processed: 6, failed: 0 });

    const admin = await createUser(c, 'admin');
    await t
      .request()
      .post(`/admin/orders/${orders.shipped}/ship`)
      .set(admin.auth)
      .send({ carrier: 'ups', tracking_number: '1Z999AA10123456784' })
      .expect(200);

    // X fills a cart and leaves; a month later the retention job deletes it.
    const x = await shopperWithCart(t, [{ product_id: mug.id, quantity: 1 }]);
    await c.db.raw(`UPDATE carts SET updated_at = now() - interval '31 days' WHERE id = ?`, [x.cartId]);
    expect(await c.cart.purgeStaleCarts()).to.equal(1);

    // Redis claims 150 more mugs than PostgreSQL holds; the reconcile report measures it.
    const cached = (await c.catalog.getProducts([mug.id])).get(mug.id)!;
    await c.cache.setJson(stockKey(mug.id), cached.available + 150, 60_000);
    expect((await reconcile(c.db, c.cache)).maxCacheDrift).to.equal(150);

    // A lamp appears from nowhere (counters no longer match the ledger): the audit counts it.
    await c.db('inventory').where({ product_id: lamp.id }).increment('available_count', 1);
    expect((await checkInvariants(c.db)).violations.map((v) => v.name)).to.deep.equal(['conservation']);
    await c.db('inventory').where({ product_id: lamp.id }).decrement('available_count', 1);

    // G's reservation is due now, and the sweeper has not run: it is overdue at the scrape.
    const { expires_at } = await c.db('reservations').where({ order_id: orders.pending }).first('expires_at');
    await sleep(Math.max(0, expires_at.getTime() - Date.now()) + 50);

    scrape = parseExposition((await t.request().get('/metrics').expect(200)).text);
    expect(await c.sweep()).to.deep.equal({ orders: 1, units: 3 });
    afterSweep = parseExposition((await t.request().get('/metrics').expect(200)).text);
  });
  after(() => t?.close());

  it('counts checkouts started, completed and failed by reason, and the group-commit batches', () => {
    expect(scrape.value('shop_checkouts_started_total')).to.equal(7);
    expect(scrape.value('shop_checkouts_completed_total')).to.equal(6);
    expect(scrape.series('shop_checkouts_failed_total').map((s) => [s.labels, s.value])).to.deep.equal([
      [{ reason: 'out_of_stock' }, 1],
    ]);
    // Sequential requests: every checkout was a batch of its own.
    expect(scrape.value('shop_checkout_batch_size_count')).to.equal(7);
    expect(scrape.value('shop_checkout_batch_size_sum')).to.equal(7);
    expect(scrape.value('shop_checkout_batch_size_bucket', { le: '1' })).to.equal(7);
  });

  it('counts charges attempted and failed by code (the expired order is never charged)', () => {
    expect(scrape.value('shop_payments_attempted_total')).to.equal(5);
    expect(scrape.series('shop_payments_failed_total').map((s) => [s.labels, s.value])).to.deep.equal([
      [{ code: 'card_declined' }, 1],
    ]);
  });

  it('settles every charge result, times the provider and checkout → PAID, and leaves no backlog', () => {
    expect(
      scrape.series('shop_settlements_total').map((s) => [s.labels.outcome, s.value]),
    ).to.have.deep.members([
      ['expired', 1],
      ['paid', 3],
      ['payment_failed', 1],
      ['requires_action', 1],
    ]);
    // Five results through the settlement batcher (E's charge never started: it had expired).
    expect(scrape.value('shop_settlement_batch_size_sum')).to.equal(5);
    expect(scrape.value('shop_checkout_to_paid_seconds_count')).to.equal(3);
    expect(scrape.value('shop_checkout_to_paid_seconds_bucket', { le: '60' })).to.equal(3);
    expect(
      scrape.value('shop_payment_provider_call_seconds_count', {
        provider: 'sandbox',
        kind: 'charge',
        outcome: 'answered',
      }),
    ).to.equal(5);
    expect(scrape.series('shop_payment_retries_total')).to.deep.equal([]);
    expect(scrape.value('shop_payment_backlog')).to.equal(0);
    expect(scrape.value('shop_payment_backlog_oldest_seconds')).to.equal(0);
    expect(
      afterSweep.series('shop_settlements_total', { outcome: 'expired' }).map((s) => s.value),
    ).to.deep.equal([2]);
  });

  it('reports reservations: units held, overdue age, expiries and their release lag', () => {
    expect(scrape.value('shop_active_reservations')).to.equal(3);
    expect(scrape.value('shop_reservation_overdue_seconds')).to.be.within(0.01, 30);
    expect(scrape.value('shop_reservations_expired_total')).to.equal(1);
    expect(scrape.value('shop_reservation_release_lag_seconds_count')).to.equal(1);
    // Swept at least 100 ms after expires_at, and well within 5 s.
    expect(scrape.value('shop_reservation_release_lag_seconds_sum')).to.be.within(0.1, 5);
    expect(scrape.value('shop_reservation_release_lag_seconds_bucket', { le: '5' })).to.equal(1);
  });

  it('after the next sweep: nothing held, nothing overdue, two expiries', () => {
    expect(afterSweep.value('shop_active_reservations')).to.equal(0);
    expect(afterSweep.value('shop_reservation_overdue_seconds')).to.equal(0);
    expect(afterSweep.value('shop_reservations_expired_total')).to.equal(2);
    expect(afterSweep.value('shop_reservation_release_lag_seconds_count')).to.equal(2);
  });

  it('observes fulfillment latency from PAID to SHIPPED once per shipped order', () => {
    expect(scrape.value('shop_order_fulfillment_seconds_count')).to.equal(1);
    expect(scrape.value('shop_order_fulfillment_seconds_sum')).to.be.within(0, 30);
    expect(scrape.value('shop_order_fulfillment_seconds_bucket', { le: '600' })).to.equal(1);
  });

  // Depends on the cart counters being wired into src/cart/service.ts (and the checkout's conversion).
  it('counts carts created, converted and abandoned', () => {
    expect(scrape.value('shop_carts_created_total')).to.equal(8);
    expect(scrape.value('shop_carts_converted_total')).to.equal(6);
    expect(scrape.value('shop_carts_abandoned_total')).to.equal(1);
  });

  it('reads the shared ops counters: oversell incidents and inventory cache drift', () => {
    expect(scrape.value('shop_oversell_incidents_total')).to.equal(1);
    expect(scrape.value('shop_inventory_cache_drift')).to.equal(150);
  });

  it('reports the outbox drained: no lag, no parked jobs, no failed attempts', () => {
    expect(scrape.value('shop_outbox_lag_seconds')).to.equal(0);
    expect(scrape.value('shop_outbox_failed_jobs')).to.equal(0);
    expect(scrape.series('shop_outbox_failures_total')).to.deep.equal([]);
  });

  it('reports search on PostgreSQL alone as up, with nothing to fall back from', () => {
    expect(scrape.value('shop_search_backend_up')).to.equal(1);
    expect(scrape.series('shop_search_fallbacks_total')).to.deep.equal([]);
  });

  it('reports no search index lag where search runs on PostgreSQL: no index to trail it, nothing sent', () => {
    expect(scrape.value('shop_search_index_lag_seconds')).to.equal(0);
    expect(scrape.series('shop_search_index_documents_total')).to.deep.equal([]);
  });

  it('times HTTP requests by route template and status, never by raw path', () => {
    const counts = scrape
      .series('http_request_duration_seconds_count')
      .map((s) => `${s.labels.method} ${s.labels.route} ${s.labels.status} = ${s.value}`)
      .sort();
    expect(counts).to.deep.equal(
      [
        'GET /products 200 = 1',
        'GET /products/:id 200 = 1',
        'GET /products/:id 404 = 1',
        'GET /categories 200 = 1',
        'GET unmatched 404 = 1',
        'POST unmatched 405 = 1',
        'POST /cart/items 200 = 8',
        'POST /checkout 201 = 6',
        'POST /checkout 409 = 1',
        'POST /admin/orders/:id/ship 200 = 1',
      ].sort(),
    );
    // The first scrape is timed once it has answered, so the second one sees it.
    expect(
      afterSweep.value('http_request_duration_seconds_count', {
        method: 'GET',
        route: '/metrics',
        status: '200',
      }),
    ).to.equal(1);
    const buckets = scrape.series('http_request_duration_seconds_bucket', {
      route: '/checkout',
      status: '201',
    });
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).to.equal(6);
  });

  it('types every shop series as the alert rules expect, and exports the default process metrics', () => {
    const expected: Record<string, string> = {
      shop_checkouts_started_total: 'counter',
      shop_checkouts_completed_total: 'counter',
      shop_checkouts_failed_total: 'counter',
      shop_checkout_batch_size: 'histogram',
      shop_payments_attempted_total: 'counter',
      shop_payments_failed_total: 'counter',
      shop_payment_retries_total: 'counter',
      shop_payment_provider_call_seconds: 'histogram',
      shop_payment_backlog: 'gauge',
      shop_payment_backlog_oldest_seconds: 'gauge',
      shop_settlements_total: 'counter',
      shop_settlement_batch_size: 'histogram',
      shop_checkout_to_paid_seconds: 'histogram',
      shop_webhook_events_total: 'counter',
      shop_rate_limited_total: 'counter',
      shop_webhook_failures_total: 'counter',
      shop_carts_created_total: 'counter',
      shop_carts_converted_total: 'counter',
      shop_carts_abandoned_total: 'counter',
      shop_order_fulfillment_seconds: 'histogram',
      shop_reservations_expired_total: 'counter',
      shop_reservation_release_lag_seconds: 'histogram',
      shop_reservation_overdue_seconds: 'gauge',
      shop_active_reservations: 'gauge',
      shop_outbox_lag_seconds: 'gauge',
      shop_outbox_failed_jobs: 'gauge',
      shop_outbox_failures_total: 'counter',
      shop_events_published_total: 'counter',
      shop_event_relay_lag_seconds: 'histogram',
      shop_event_relay_errors_total: 'counter',
      shop_events_refused_total: 'counter',
      shop_event_backlog_oldest_seconds: 'gauge',
      shop_events_consumed_total: 'counter',
      shop_event_consumer_errors_total: 'counter',
      shop_event_dead_letters: 'gauge',
      shop_events_rejected_total: 'counter',
      shop_oversell_incidents_total: 'counter',
      shop_inventory_cache_drift: 'gauge',
      shop_search_fallbacks_total: 'counter',
      shop_search_backend_up: 'gauge',
      shop_search_index_lag_seconds: 'gauge',
      shop_search_index_apply_lag_seconds: 'histogram',
      shop_search_index_documents_total: 'counter',
      shop_recommendations_batch_age_seconds: 'gauge',
      shop_recommendations_batch_duration_seconds: 'gauge',
      http_request_duration_seconds: 'histogram',
    };
    const shopTypes = Object.fromEntries(
      [...scrape.types].filter(([name]) => name.startsWith('shop_') || name.startsWith('http_')),
    );
    expect(shopTypes).to.deep.equal(expected);
    expect(scrape.value('process_cpu_seconds_total')).to.be.above(0);
    expect(scrape.value('process_resident_memory_bytes')).to.be.above(0);
    expect(scrape.types.get('nodejs_eventloop_lag_seconds')).to.equal('gauge');
    // Gauges named *_total are removed: promtool check metrics rejects them.
    expect(
      [...scrape.types.keys()].filter((n) => n.endsWith('_total') && scrape.types.get(n) !== 'counter'),
    ).to.deep.equal([]);
  });
});

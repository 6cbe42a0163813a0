import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { backgroundTasks } from '../../src/jobs/index.js';
import { claimTurn } from '../../src/jobs/runs.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { listsOf } from '../../src/recommendations/queries.js';
import { listKey } from '../../src/recommendations/service.js';
import { DomainError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { placeOrder, shopctl } from '../support/cli.js';
import { baseUrls, createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

type Product = Awaited<ReturnType<typeof createProduct>>;

/**
 * `times` orders holding one each of `products`, placed `daysAgo` days ago with `status`: order
 * history written as the batch reads it (the checkout path has tests of its own).
 */
async function bought(
  t: TestContext,
  userId: string,
  products: Product[],
  times: number,
  { status = 'DELIVERED', daysAgo = 1 }: { status?: string; daysAgo?: number } = {},
) {
  await t.container.db.raw(
    `WITH o AS (
       INSERT INTO orders (user_id, status, total_cents, shipping_address, payment_method, created_at)
       SELECT :userId, :status, 0, '{}'::jsonb, 'pm_card_visa', now() - make_interval(days => :daysAgo)
         FROM generate_series(1, :times)
       RETURNING id)
     INSERT INTO order_items (order_id, product_id, sku, name, quantity, price_at_purchase_cents)
     SELECT o.id, p.id, p.sku, p.name, 1, 0 FROM o CROSS JOIN products p WHERE p.id = ANY(:ids::bigint[])`,
    { userId, status, daysAgo, times, ids: products.map((p) => p.id) },
  );
}

const ids = (body: { recommendations: { id: number }[] }) => body.recommendations.map((p) => p.id);

describe('recommendations: customers who bought this also bought', function () {
  this.timeout(60_000);
  let t: TestContext;
  let userId: string;
  /** skillet and scrubber go together, as do kettle and filter; salt is the bestseller bought with everything. */
  let skillet: Product;
  let scrubber: Product;
  let kettle: Product;
  let filter: Product;
  let salt: Product;
  let stale: Product;
  let unpaid: Product;
  let once: Product;

  const recommend = (id: number) => t.request().get(`/products/${id}/recommendations`).expect(200);

  beforeEach(async () => {
    t = await createTestContext();
    userId = (await createUser(t.container)).id;
    const make = (name: string, category = 'kitchen', price_cents = 1_000) =>
      createProduct(t.container.db, { name, category, price_cents, stock: 50 });
    skillet = await make('Cast iron skillet', 'kitchen', 3_499);
    scrubber = await make('Chain mail scrubber', 'kitchen', 1_299);
    kettle = await make('Gooseneck kettle', 'coffee', 5_900);
    filter = await make('Paper filters', 'coffee', 599);
    salt = await make('Sea salt', 'pantry', 499);
    stale = await make('Old apron', 'kitchen');
    unpaid = await make('Unpaid tongs', 'kitchen');
    once = await make('Once spatula', 'kitchen');
    // Salt is in every basket and sold alone besides: by raw count it is skillet's best partner
    // (6 orders against scrubber's 3).
    await bought(t, userId, [skillet, scrubber, salt], 3);
    await bought(t, userId, [skillet, salt], 3, { status: 'PAID' });
    await bought(t, userId, [kettle, filter, salt], 3, { status: 'SHIPPED' });
    await bought(t, userId, [salt], 20);
    // Outside the window, never paid, and below the minimum support: none of these count.
    await bought(t, userId, [skillet, stale], 10, { daysAgo: 120 });
    await bought(t, userId, [skillet, unpaid], 5, { status: 'CANCELLED' });
    await bought(t, userId, [skillet, unpaid], 5, { status: 'PENDING' });
    await bought(t, userId, [skillet, once], 1);
  });
  afterEach(() => t.close());

  it('ranks what is bought together first, normalised so the bestseller does not top every list', async () => {
    const batch = await t.container.recommendations.rebuild();
    expect(batch).to.include({ generation: 1, orders: 30, products: 6, min_support: 2 });

    const forSkillet = (await recommend(skillet.id)).body;
    expect(forSkillet).to.include({ product_id: skillet.id, source: 'co_purchase', generation: 1 });
    // cosine: scrubber 3/√(7·3) = 0.65, salt 6/√(7·29) = 0.42; old, unpaid and once-only pairs are absent.
    expect(ids(forSkillet)).to.deep.equal([scrubber.id, salt.id]);
    expect(ids((await recommend(scrubber.id)).body)).to.deep.equal([skillet.id, salt.id]);
    expect(ids((await recommend(kettle.id)).body)).to.deep.equal([filter.id, salt.id]);
    expect(ids((await recommend(filter.id)).body)).to.deep.equal([kettle.id, salt.id]);
    // Salt's own list: skillet 6/√(29·7) = 0.42, then the three bought with it 3 times of 3 (0.32), by id.
    expect(ids((await recommend(salt.id)).body)).to.deep.equal([
      skillet.id,
      scrubber.id,
      kettle.id,
      filter.id,
    ]);
    expect(forSkillet.recommendations[0]).to.include({ sku: scrubber.sku, in_stock: true });

    const [row] = await t.container.db('recommendation_batches').select('*');
    expect(row).to.include({ generation: 1, orders: 30, products: 6 });
    expect(row.duration_ms).to.be.a('number');

    // Every process reports the batch from the tables: its age (just built) and its length.
    const scrape = await t.container.metrics.registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1]);
    expect(value('shop_recommendations_batch_age_seconds')).to.be.within(0, 30);
    expect(value('shop_recommendations_batch_duration_seconds')).to.equal(row.duration_ms / 1_000);
  });

  it('a product with no co-purchase data gets similar products: same category, shared name words, near price', async () => {
    const pan = await createProduct(t.container.db, {
      name: 'Cast iron grill pan',
      category: 'kitchen',
      price_cents: 3_999,
    });
    const elsewhere = await createProduct(t.container.db, {
      name: 'Cast iron doorstop',
      category: 'hardware',
      price_cents: 3_999,
    });
    await t.container.recommendations.rebuild();
    const body = (await recommend(pan.id)).body;
    expect(body.source).to.equal('similar');
    // Skillet shares two name words; the rest of the kitchen only its category, nearest price first.
    expect(ids(body)[0]).to.equal(skillet.id);
    expect(ids(body)).to.not.include(elsewhere.id);
    expect(ids(body)).to.not.include(pan.id);
    expect(ids(body)).to.include.members([scrubber.id, stale.id]);
  });

  it('never shows an inactive or sold-out product, whatever the list says', async () => {
    await t.container.recommendations.rebuild();
    expect(ids((await recommend(salt.id)).body)).to.include.members([skillet.id, kettle.id]);
    await t.container.products.update(skillet.sku, { active: false }, 'test');
    await t.container.inventory.adjustStock(kettle.sku, -50, { actor: 'test', reason: 'sold out' });
    expect(ids((await recommend(salt.id)).body)).to.deep.equal([scrubber.id, filter.id]);
    // An inactive product has no recommendations to show, as it has no page.
    await t.request().get(`/products/${skillet.id}/recommendations`).expect(404);
    await t.request().get('/products/999999/recommendations').expect(404);
    expect(await t.container.cache.getJson(listKey(999_999))).to.equal(null);
  });

  it('the cart gets what goes with all of it, never what it holds', async () => {
    await t.container.recommendations.rebuild();
    const shopper = await createUser(t.container);
    for (const p of [skillet, kettle]) {
      await t
        .request()
        .post('/cart/items')
        .set(shopper.auth)
        .send({ product_id: p.id, quantity: 1 })
        .expect(200);
    }
    const body = (await t.request().get('/cart/recommendations').set(shopper.auth).expect(200)).body;
    expect(body.source).to.equal('co_purchase');
    // filter 1.0 (kettle), salt 0.42 + 0.32 (bought with both), scrubber 0.65 (skillet).
    expect(ids(body)).to.deep.equal([filter.id, salt.id, scrubber.id]);

    // A guest's cart, through its token; and an empty cart gets nothing.
    const add = await t
      .request()
      .post('/cart/items')
      .send({ product_id: scrubber.id, quantity: 1 })
      .expect(201);
    const guest = await t
      .request()
      .get('/cart/recommendations?limit=1')
      .set('X-Cart-Token', add.body.cart_token)
      .expect(200);
    expect(ids(guest.body)).to.deep.equal([skillet.id]);
    const none = (await t.request().get('/cart/recommendations').expect(200)).body;
    expect(none).to.include({ cart_id: null, source: 'co_purchase' });
    expect(none.recommendations).to.deep.equal([]);

    // A cart of products nobody bought together: similar products, none of the cart's.
    const lonely = await createUser(t.container);
    await t
      .request()
      .post('/cart/items')
      .set(lonely.auth)
      .send({ product_id: stale.id, quantity: 1 })
      .expect(200);
    const similar = (await t.request().get('/cart/recommendations').set(lonely.auth).expect(200)).body;
    expect(similar.source).to.equal('similar');
    expect(ids(similar)).to.not.include(stale.id);
    expect(ids(similar).length).to.be.greaterThan(0);
  });

  it('serves lists from Redis until the next batch, which replaces every one at once', async () => {
    await t.container.recommendations.rebuild();
    expect(ids((await recommend(skillet.id)).body)).to.deep.equal([scrubber.id, salt.id]);
    expect(await t.container.cache.getJson(listKey(skillet.id))).to.include({
      gen: 1,
      source: 'co_purchase',
    });

    const kettleNow = await createProduct(t.container.db, { name: 'Enamel kettle', category: 'kitchen' });
    await bought(t, userId, [skillet, kettleNow], 10);
    // Cached, and the table says the same until a batch runs: the batch is the only writer.
    expect(ids((await recommend(skillet.id)).body)).to.deep.equal([scrubber.id, salt.id]);

    await t.container.recommendations.rebuild();
    const after = (await recommend(skillet.id)).body;
    expect(after.generation).to.equal(2);
    expect(ids(after)[0]).to.equal(kettleNow.id);
    expect(await t.container.cache.getJson(listKey(skillet.id))).to.include({ gen: 2 });
    // The old generation is gone from the table.
    const gens = await t.container.db('product_recommendations').distinct('generation');
    expect(gens.map((g) => Number(g.generation))).to.deep.equal([2]);
  });

  it('swaps atomically: a reader during a batch sees the whole old result until it commits, then the whole new one', async () => {
    await t.container.recommendations.rebuild();
    const old = await listsOf(t.container.db, [skillet.id, salt.id]);
    const extra = await createProduct(t.container.db, { name: 'Trivet', category: 'kitchen' });
    await bought(t, userId, [skillet, extra, salt], 10);

    // Hold the batch after it wrote its rows, flipped the state row and deleted the old ones:
    // its last statement (the batch record) waits for this lock.
    const holder = await t.container.db.transaction();
    await holder.raw('LOCK TABLE recommendation_batches IN EXCLUSIVE MODE');
    const rebuilding = t.container.recommendations.rebuild();
    const reads: Awaited<ReturnType<typeof listsOf>>[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) reads.push(await listsOf(t.container.db, [skillet.id, salt.id]));
    })();
    for (;;) {
      const { rows } = await t.container.db.raw<{ rows: unknown[] }>(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'insert into "recommendation_batches"%'`,
      );
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const during = await listsOf(t.container.db, [skillet.id, salt.id]);
    expect(during).to.deep.equal(old);
    // Let the reader go round a few times while the batch is held, whatever the machine's pace.
    const heldFrom = reads.length;
    while (reads.length < heldFrom + 5) await new Promise((r) => setTimeout(r, 5));
    for (const read of reads) expect(read).to.deep.equal(old);
    await holder.commit();
    await rebuilding;
    stop = true;
    await reader;
    const fresh = await listsOf(t.container.db, [skillet.id, salt.id]);
    expect(fresh.generation).to.equal(2);
    expect(fresh.lists.get(skillet.id)!.map((r) => r.id)).to.include(extra.id);
    for (const read of reads) expect([old, fresh]).to.deep.include(read);
  });

  it('one batch at a time: a second one asked meanwhile is refused, and the batch runs while orders are paid', async () => {
    const product = await createProduct(t.container.db, {
      name: 'Hot item',
      category: 'kitchen',
      stock: 100,
    });
    const pending = await Promise.all(
      Array.from({ length: 6 }, () =>
        placeOrder(t, [
          { product_id: product.id, quantity: 1 },
          { product_id: skillet.id, quantity: 1 },
        ]),
      ),
    );
    expect(pending).to.have.length(6);
    // More orders being checked out and paid while two batches are asked for at once.
    const paying = Promise.all(
      Array.from({ length: 6 }, () =>
        placeOrder(t, [
          { product_id: product.id, quantity: 1 },
          { product_id: skillet.id, quantity: 1 },
        ]),
      ),
    );
    const [a, b] = await Promise.allSettled([
      t.container.recommendations.rebuild(),
      t.container.recommendations.rebuild(),
    ]);
    await paying;
    const outcomes = [a, b].map((r) => r.status);
    expect(outcomes.sort()).to.deep.equal(['fulfilled', 'rejected']);
    const refused = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).to.be.instanceOf(DomainError);
    expect(refused.reason).to.include({ code: 'conflict' });
    const done = [a, b].find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ orders: number }>;
    // It read one snapshot: the 30 of the history and between 6 and 12 of the orders paid since.
    expect(done.value.orders).to.be.within(36, 42);
    // The checkouts' orders (the history's are priced 0), every one paid.
    const paid = await t.container.db('orders').where({ status: 'PAID' }).andWhere('total_cents', '>', 0);
    expect(paid).to.have.length(12);

    const next = await t.container.recommendations.rebuild();
    expect(next.orders).to.equal(42);
    expect(ids((await recommend(product.id)).body)[0]).to.equal(skillet.id);
  });

  it('the daily job runs once across two processes', async () => {
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: baseUrls().redisUrl,
      REDIS_PREFIX: t.container.cache.prefix,
      WORKERS: 'false',
      RECOMMENDATIONS_INTERVAL: '2s',
    };
    const processes = [createContainer(loadConfig(env)), createContainer(loadConfig(env))];
    try {
      const task = (c: (typeof processes)[number]) =>
        backgroundTasks(c).find((x) => x.name === 'recommendations')!;
      expect(task(processes[0]!)).to.include({ fleet: 'once', intervalMs: 2_000 });
      const schedulers = processes.map((c) =>
        startScheduler([task(c)], createLogger('silent'), {
          claimTurn: (x) => claimTurn(c.db, x.name, x.intervalMs),
        }),
      );
      await new Promise((r) => setTimeout(r, 3_000));
      await Promise.all(schedulers.map((s) => s.stop()));
      const batches = await t.container.db('recommendation_batches').select('generation');
      expect(batches).to.have.length(1);
      const run = await t.container.db('job_runs').where({ name: 'recommendations' }).first();
      expect(run.started_at).to.be.instanceOf(Date);
    } finally {
      await Promise.all(processes.map((c) => c.close()));
    }
    // A production deployment's job: daily, looked for hourly.
    const daily = backgroundTasks(t.container).find((x) => x.name === 'recommendations')!;
    expect(daily).to.include({ intervalMs: 86_400_000, checkEveryMs: 3_600_000, fleet: 'once' });
  });

  it('shopctl recommendations rebuild and show', async () => {
    const rebuilt = await shopctl(t, ['recommendations', 'rebuild']);
    expect(rebuilt.code, rebuilt.stderr).to.equal(0);
    expect(rebuilt.stdout).to.match(
      /^generation 1: \d+ recommendations for 6 products from 30 paid orders of the last 90 days/,
    );
    expect(rebuilt.stderr).to.include('scoring the pairs bought together');

    const json = (await shopctl(t, ['--json', 'recommendations', 'rebuild'])).json();
    expect(json).to.include({ generation: 2, orders: 30, products: 6 });

    // Names come from the catalog: a control sequence in one is shown inert.
    await t.container.db('products').where({ id: scrubber.id }).update({ name: 'Scrubber \u001b[2J' });
    const shown = await shopctl(t, ['recommendations', 'show', skillet.sku]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.include('generation 2, built');
    expect(shown.stdout).to.include('Scrubber \\x1b[2J');
    expect(shown.stdout).to.not.include('\u001b');
    expect(shown.stdout).to.match(/1\s+\S+\s+Scrubber.*0\.655\s+3\s+yes/);

    const data = (await shopctl(t, ['--json', 'recommendations', 'show', skillet.sku])).json();
    expect(data.list.map((r: { recommended_id: number }) => r.recommended_id)).to.deep.equal([
      scrubber.id,
      salt.id,
    ]);
    expect(data.batch).to.include({ generation: 2, orders: 30 });

    const unknown = await shopctl(t, ['recommendations', 'show', 'NO-SUCH-SKU']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('Unknown SKU');
  });
});

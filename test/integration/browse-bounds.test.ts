import { expect } from 'chai';
import pino from 'pino';
import type supertest from 'supertest';
import { FIRST_MATCHES } from '../../src/catalog/postgres-pages.js';
import type { Db } from '../../src/db/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/**
 * Every statement that reads products waits behind an ACCESS EXCLUSIVE lock until `release`:
 * a search that reaches the table holds its slot of the gate for as long as the test says.
 */
async function lockProducts(db: Db) {
  const trx = await db.transaction();
  await trx.raw('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
  return () => trx.rollback();
}

/** Resolves once `n` statements of this database wait on a lock. */
const waitingOnLock = (db: Db, n = 1) =>
  until(
    async () =>
      Number(
        (
          await db.raw<{ rows: { n: string }[] }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
        ).rows[0]!.n,
      ),
    (waiting) => waiting >= n,
  );

async function timed(request: supertest.Test) {
  const started = performance.now();
  const res = await request;
  return { res, ms: performance.now() - started };
}

/**
 * Uncached searches are PostgreSQL's work, bounded twice: a few at a time per process with a
 * short queue (past it a 503 search_busy with Retry-After at once), and a time limit on each
 * statement (past it the same 503, never a 500 carrying SQL). Cached answers never wait.
 */
describe('browse bounds: searches PostgreSQL computes are admitted, queued briefly or refused fast', () => {
  describe('a full gate', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext({
        SEARCH_CONCURRENCY: '2',
        SEARCH_QUEUE: '1',
        SEARCH_QUEUE_WAIT: '150ms',
        SEARCH_STATEMENT_TIMEOUT: '10s',
      });
      await createProduct(t.container.db, { name: 'Brass lantern', price_cents: 2_500 });
    });
    after(() => t.close());

    it('refuses past its queue at once with 503 search_busy and Retry-After, answers cached searches, and lets the held one finish', async () => {
      const { db } = t.container;
      const first = await t.request().get('/products?search=lantern').expect(200);
      // The product's own data cached too: a cached page shows it without reading products.
      await t.request().get(`/products/${first.body.products[0].id}`).expect(200);
      // Its summary cached: in another sort this search computes its page alone.
      await t.request().get('/products?search=lantern&min_price=2').expect(200);
      const release = await lockProducts(db);
      let holding: Promise<supertest.Response> | undefined;
      try {
        // A search computes its summary and its page side by side: this one holds both slots.
        holding = t
          .request()
          .get('/products?search=lantern&min_price=1')
          .then((r) => r);
        await waitingOnLock(db, 2);
        const queued = timed(t.request().get('/products?search=lantern&min_price=2&sort=name'));
        await new Promise((r) => setTimeout(r, 30));
        // Both slots busy, the queue's one place taken: refused at once.
        const refused = await timed(t.request().get('/products?search=lantern&min_price=3'));
        expect(refused.res.status).to.equal(503);
        expect(refused.res.headers['retry-after']).to.equal('1');
        expect(refused.res.body.error).to.deep.include({ code: 'search_busy' });
        expect(refused.res.body.error.details).to.deep.equal({
          reason: 'queue_full',
          retry_after_seconds: 1,
        });
        expect(refused.ms).to.be.below(100);
        // The queued one gives up after SEARCH_QUEUE_WAIT rather than wait for the lock.
        const gaveUp = await queued;
        expect(gaveUp.res.status).to.equal(503);
        expect(gaveUp.res.body.error.details.reason).to.equal('queue_wait');
        expect(gaveUp.ms).to.be.within(140, 1_000);
        // A cached answer needs no slot.
        const cached = await timed(t.request().get('/products?search=lantern'));
        expect(cached.res.status).to.equal(200);
        expect(cached.ms).to.be.below(100);
      } finally {
        await release();
      }
      const held = await holding!;
      expect(held.status).to.equal(200);
      expect(held.body.products.map((p: { name: string }) => p.name)).to.deep.equal(['Brass lantern']);
      // Nothing is left holding a slot: the next uncached search runs.
      await t.request().get('/products?search=lantern&min_price=4').expect(200);
    });
  });

  describe('a statement past SEARCH_STATEMENT_TIMEOUT', () => {
    let t: TestContext;
    const logged: { level: number; msg: string; [k: string]: unknown }[] = [];
    before(async () => {
      t = await createTestContext(
        { SEARCH_STATEMENT_TIMEOUT: '150ms' },
        { logger: pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) }) },
      );
      await createProduct(t.container.db, { name: 'Copper kettle', price_cents: 4_000 });
    });
    after(() => t.close());

    it('is cancelled by PostgreSQL and answered 503 search_busy, with no SQL in the answer or the log', async () => {
      const release = await lockProducts(t.container.db);
      let stopped: Awaited<ReturnType<typeof timed>>;
      try {
        stopped = await timed(t.request().get('/products?search=kettle'));
      } finally {
        await release();
      }
      expect(stopped.res.status).to.equal(503);
      expect(stopped.res.headers['retry-after']).to.equal('1');
      expect(stopped.res.body.error).to.deep.include({
        code: 'search_busy',
        details: { reason: 'timeout', retry_after_seconds: 1 },
      });
      expect(stopped.ms).to.be.within(140, 1_000);
      const text = JSON.stringify(logged);
      expect(text).to.not.match(/select|statement timeout|canceling/i);
      expect(logged.filter((l) => l.level >= 50 && l.msg !== 'request')).to.deep.equal([]);
      expect(logged.some((l) => l.msg === 'service unavailable')).to.equal(true);
      // The cancelled transaction left nothing behind: the same search answers now.
      const res = await t.request().get('/products?search=kettle').expect(200);
      expect(res.body.products).to.have.length(1);
    });
  });

  describe('the work of one search', () => {
    let t: TestContext;
    const BROAD = FIRST_MATCHES + 100;
    before(async () => {
      t = await createTestContext();
      const { db } = t.container;
      await db('categories').insert({ slug: 'bulk', name: 'Bulk' });
      // Many matches of one word, in a table order that is not their price order, all dearer than
      // as many products without it: walking the price index from the cheapest end meets none.
      await db.raw(
        `INSERT INTO products (sku, name, category, price_cents)
         SELECT 'GIZMO-' || g, 'Plentiful gizmo ' || g, 'bulk', 10001 + (g * 7919) % :broad
           FROM generate_series(0, :broad - 1) g
         UNION ALL
         SELECT 'PLAIN-' || g, 'Plain widget ' || g, 'bulk', 100 + g FROM generate_series(1, 4000) g`,
        { broad: BROAD },
      );
      await db.raw(
        "INSERT INTO inventory (product_id, available_count) SELECT id, 5 FROM products WHERE category = 'bulk'",
      );
      await db.raw('ANALYZE products, inventory');
    });
    after(() => t.close());

    const list = (query: string) => t.request().get(`/products?${query}`).expect(200);
    const prices = (res: supertest.Response): number[] =>
      res.body.products.map((p: { price_cents: number }) => p.price_cents);
    /** Every product of a query, page after page by cursor. */
    async function walk(query: string) {
      const seen: { id: number; price_cents: number }[] = [];
      let cursor: string | null = null;
      do {
        const res: supertest.Response = await list(`${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.products);
        cursor = res.body.next_cursor;
      } while (cursor);
      return seen;
    }

    it(`ranks the first ${FIRST_MATCHES} matches: relevance lists no further, the total still counts them all`, async () => {
      const last = await list('search=plentiful&limit=100&page=20');
      expect(last.body.products).to.have.length(100);
      expect(last.body.next_page).to.equal(null);
      const beyond = await list('search=plentiful&limit=100&page=21');
      expect(beyond.body.products).to.deep.equal([]);
      expect(beyond.body.total).to.be.above(FIRST_MATCHES);
      expect(new Set((await walk('search=plentiful')).map((p) => p.id)).size).to.equal(FIRST_MATCHES);
    });

    it(`sorts exactly a match set of up to ${FIRST_MATCHES}, however far the sort's index is from it`, async () => {
      // 1,500 gizmos (past EXACT_TOTAL_LIMIT) and 4,000 cheaper widgets under the same price cap.
      const capped = 'search=plentiful&max_price=11500';
      expect(prices(await list(`${capped}&sort=price_asc`))).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => 10_001 + i),
      );
      expect(prices(await list(`${capped}&sort=price_desc&limit=100&page=15`))).to.deep.equal(
        Array.from({ length: 100 }, (_, i) => 11_500 - 1_400 - i),
      );
      const all = (await walk(`${capped}&sort=price_asc`)).map((p) => p.price_cents);
      expect(all).to.deep.equal(Array.from({ length: 1_500 }, (_, i) => 10_001 + i));
    });

    it('past that, sorts the first matches with those the sort meets first: in order, the top exact where the words are common', async () => {
      // Dearest first: the walk of the price index meets gizmos only, so the top is exact.
      expect(prices(await list('search=plentiful&sort=price_desc'))).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => 10_000 + BROAD - i),
      );
      // Cheapest first: the walk meets widgets only; the first matches' cheapest come, in order.
      const cheapest = prices(await list('search=plentiful&sort=price_asc&limit=100'));
      expect(cheapest).to.have.length(100);
      expect(cheapest).to.deep.equal([...cheapest].sort((a, b) => a - b));
      expect(cheapest.every((p) => p > 10_000)).to.equal(true);
      // By cursor every page follows the last: in order, never a product twice.
      const seen = await walk('search=plentiful&sort=price_asc');
      expect(new Set(seen.map((p) => p.id)).size).to.equal(seen.length);
      const order = seen.map((p) => p.price_cents);
      expect(order).to.deep.equal([...order].sort((a, b) => a - b));
      expect(seen.length).to.be.within(FIRST_MATCHES, BROAD);
    });
  });
});

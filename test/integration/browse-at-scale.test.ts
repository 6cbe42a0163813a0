import { expect } from 'chai';
import { BROWSE_SHAPES, explain, parseShape, statementsFor } from '../../loadtest/browse-plans.js';
import { SEARCH_VERSION_KEY } from '../../src/catalog/cache-keys.js';
import { createCursors, cursorKey } from '../../src/catalog/cursor.js';
import { queryFingerprint } from '../../src/catalog/schemas.js';
import { EXACT_TOTAL_LIMIT } from '../../src/catalog/search.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, ensureCategory } from '../support/fixtures.js';

interface Listed {
  id: number;
  available: number;
  in_stock: boolean;
}

/**
 * What browse does at catalog sizes where counting and OFFSET no longer pay: keyset cursors,
 * totals that are exact only up to a bound, facets, category counts kept by triggers, stock that
 * stays live without flushing cached results, and an index for every browse shape.
 */
describe('browse at scale: cursors, estimated totals, facets, live stock', () => {
  const SECRET = 'browse-at-scale-secret-0123456789';
  // Cursors signed as the service signs them, so a forged key is refused by its check, not the signature.
  const { encode: encodeCursor } = createCursors(cursorKey(SECRET));
  let t: TestContext;
  const TIES = 30;
  const MANY = 1_500;
  let ties: number[] = [];

  before(async () => {
    t = await createTestContext({ STOCK_CACHE_TTL: '300ms', AUTH_CACHE_SECRET: SECRET });
    const { db } = t.container;
    for (const slug of ['ties', 'many', 'facets', 'live', 'counted', 'moved']) await ensureCategory(db, slug);
    // Three prices, one creation time and look-alike names: every order has long runs of ties.
    const at = new Date(Date.UTC(2026, 0, 1));
    const rows: { id: number }[] = await db('products')
      .insert(
        Array.from({ length: TIES }, (_, i) => ({
          sku: `TIE-${i}`,
          name: `Tie item ${i % 3}`,
          category: 'ties',
          price_cents: 1_000 * (1 + (i % 3)),
          created_at: at,
        })),
      )
      .returning('id');
    await db('inventory').insert(rows.map((r) => ({ product_id: r.id, available_count: 1 })));
    ties = rows.map((r) => r.id);
    const many: { id: number }[] = await db('products')
      .insert(
        Array.from({ length: MANY }, (_, i) => ({
          sku: `MANY-${i}`,
          name: `Plentiful gadget ${i}`,
          category: 'many',
          price_cents: 500 + i,
        })),
      )
      .returning('id');
    await db('inventory').insert(many.map((r) => ({ product_id: r.id, available_count: 5 })));
    await db.raw('ANALYZE products, inventory');
  });

  after(() => t.close());

  const get = (query: string) => t.request().get(`/products?${query}`);

  describe('cursors', () => {
    for (const sort of ['newest', 'price_asc', 'price_desc', 'name', 'relevance']) {
      it(`walks every product exactly once by cursor, sorted ${sort}, through runs of ties`, async () => {
        const query = `category=ties&sort=${sort}${sort === 'relevance' ? '&search=tie' : ''}`;
        const whole = await get(`${query}&limit=100`).expect(200);
        expect(whole.body.products).to.have.length(TIES);

        const seen: number[] = [];
        let cursor: string | null = null as string | null;
        let pages = 0;
        do {
          const res: { body: { page: number | null; products: Listed[]; next_cursor: string | null } } =
            await get(`${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
          expect(res.body.page).to.equal(cursor ? null : 1);
          seen.push(...(res.body.products as Listed[]).map((p) => p.id));
          cursor = res.body.next_cursor;
          pages++;
        } while (cursor);
        expect(pages).to.equal(Math.ceil(TIES / 7));
        expect(seen).to.deep.equal((whole.body.products as Listed[]).map((p) => p.id));
        expect(new Set(seen).size).to.equal(TIES);
        expect([...seen].sort((a, b) => a - b)).to.deep.equal([...ties].sort((a, b) => a - b));
      });
    }

    it('reads on from a cursor past the page cap, where page numbers are refused with a pointer to cursor', async () => {
      const capped = await get('category=many&limit=10&page=51').expect(400);
      expect(capped.body.error.code).to.equal('validation_failed');
      expect(capped.body.error.details[0]).to.include({ path: 'page' });
      expect(capped.body.error.details[0].message).to.include('cursor');

      const last = await get('category=many&limit=10&page=50').expect(200);
      expect(last.body.next_page).to.equal(null);
      const beyond = await get(`category=many&limit=10&cursor=${last.body.next_cursor}`).expect(200);
      expect((beyond.body.products as { price_cents: number }[]).map((p) => p.price_cents)).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => 500 + MANY - 1 - 500 - i),
      );
    });

    it('refuses a cursor from another query, a forged one, garbage, and page with cursor', async () => {
      const first = await get('category=ties&sort=price_asc&limit=5').expect(200);
      const cursor = first.body.next_cursor as string;
      const forged = encodeCursor(queryFingerprint({ category: 'ties', inStock: false }, 'price_asc'), {
        key: '1; DROP TABLE products',
        id: 1,
      });
      for (const query of [
        `category=ties&sort=price_desc&cursor=${cursor}`,
        `category=many&sort=price_asc&cursor=${cursor}`,
        `category=ties&sort=price_asc&cursor=${forged}`,
        'category=ties&cursor=bm90LWEtY3Vyc29y',
        'category=ties&cursor=%2A%2A',
        `category=ties&sort=price_asc&page=2&cursor=${cursor}`,
      ]) {
        const res = await get(query).expect(400);
        expect(res.body.error.code, query).to.equal('validation_failed');
        expect(
          (res.body.error.details as { path: string }[]).map((d) => d.path),
          query,
        ).to.include('cursor');
      }
      expect(await t.container.db('products').count('* as n').first()).to.deep.equal({ n: TIES + MANY });
    });

    it('refuses a re-encoded cursor whose key PostgreSQL could not cast, rather than fail', async () => {
      const forge = (sort: string, key: string, search?: string) =>
        encodeCursor(
          queryFingerprint({ category: 'ties', inStock: false, ...(search ? { search } : {}) }, sort),
          {
            key,
            id: 1,
          },
        );
      for (const [sort, key, search] of [
        ['price_asc', '9999999999'],
        ['relevance', '1e999', 'tie'],
        ['newest', '2026-13-45 99:99:99+00'],
        ['newest', '2026-02-31 10:00:00+00'],
      ] as const) {
        const query = `category=ties&sort=${sort}${search ? `&search=${search}` : ''}&cursor=${forge(sort, key, search)}`;
        const res = await get(query).expect(400);
        expect(res.body.error.details[0], key).to.include({ path: 'cursor' });
      }
    });
  });

  describe('totals', () => {
    it('counts exactly up to the bound', async () => {
      const res = await get('category=ties&in_stock=true').expect(200);
      expect(res.body).to.include({ total: TIES, total_is_estimate: false });
    });

    it('estimates beyond the bound and says so', async () => {
      const res = await get('search=plentiful&in_stock=true').expect(200);
      expect(res.body.total_is_estimate).to.equal(true);
      expect(res.body.total).to.be.above(EXACT_TOTAL_LIMIT);
      // The planner's estimate, from fresh statistics: near the truth, not equal to it by design.
      expect(res.body.total).to.be.within(MANY / 2, MANY * 2);
      expect(res.body.products).to.have.length(20);
    });

    it('answers a category alone from its kept count: exact however large', async () => {
      const res = await get('category=many').expect(200);
      expect(res.body).to.include({ total: MANY, total_is_estimate: false });
    });
  });

  describe('facets', () => {
    before(async () => {
      const { db } = t.container;
      await ensureCategory(db, 'facets-b');
      for (const [category, price_cents] of [
        ['facets', 500],
        ['facets', 999],
        ['facets', 1_000],
        ['facets', 30_000],
        ['facets-b', 2_400],
        ['facets-b', 75_000],
      ] as const) {
        await createProduct(db, { name: 'Facet lantern', category, price_cents });
      }
    });

    it('counts categories and price buckets of the whole match set', async () => {
      const res = await get('search=lantern&limit=1').expect(200);
      expect(res.body.total).to.equal(6);
      expect(res.body.facets).to.deep.equal({
        is_estimate: false,
        categories: [
          { slug: 'facets', count: 4 },
          { slug: 'facets-b', count: 2 },
        ],
        prices: [
          { min_cents: 0, max_cents: 1_000, count: 2 },
          { min_cents: 1_000, max_cents: 2_500, count: 2 },
          { min_cents: 25_000, max_cents: 50_000, count: 1 },
          { min_cents: 50_000, max_cents: null, count: 1 },
        ],
      });
    });

    it('follows the filters', async () => {
      const res = await get('search=lantern&min_price=1000&max_price=50000').expect(200);
      expect(res.body.facets.categories).to.deep.equal([
        { slug: 'facets', count: 2 },
        { slug: 'facets-b', count: 1 },
      ]);
    });

    it('scales the first matches to the estimated total beyond the bound, flagged', async () => {
      const res = await get('search=plentiful').expect(200);
      expect(res.body.facets.is_estimate).to.equal(true);
      const [many] = res.body.facets.categories as { slug: string; count: number }[];
      expect(many!.slug).to.equal('many');
      expect(many!.count).to.equal(res.body.total);
    });
  });

  describe('live stock without flushing results', () => {
    it('shows a stock change at once, from the same cached page, without bumping the search version', async () => {
      const { db, cache, catalog } = t.container;
      const p = await createProduct(db, { name: 'Live stock probe', category: 'live', stock: 9 });
      await catalog.invalidateProducts([p.id]);
      const version = await cache.get(SEARCH_VERSION_KEY);
      // The first read computes the page; the second caches the product's data.
      await get('category=live').expect(200);
      const first = await get('category=live').expect(200);
      expect(first.body.products[0]).to.include({ id: p.id, available: 9 });

      await db('inventory').where({ product_id: p.id }).update({ available_count: 4 });
      await catalog.stockChanged([p.id]);
      // The page itself is not recomputed: a product renamed behind the service's back keeps its old
      // name here, which only a cached page can show.
      await db('products').where({ id: p.id }).update({ name: 'Renamed behind the cache' });
      const second = await get('category=live').expect(200);
      expect(second.body.products[0]).to.include({ id: p.id, available: 4, name: 'Live stock probe' });
      expect(await cache.get(SEARCH_VERSION_KEY)).to.equal(version);
      const product = await t.request().get(`/products/${p.id}`).expect(200);
      expect(product.body).to.include({ available: 4, in_stock: true });
    });

    it('catches up within the stock TTL even when nobody says the stock changed', async () => {
      const { db } = t.container;
      const p = await createProduct(db, { name: 'Silent stock probe', category: 'live', stock: 3 });
      expect((await t.request().get(`/products/${p.id}`).expect(200)).body.available).to.equal(3);
      await db('inventory').where({ product_id: p.id }).update({ available_count: 1 });
      await new Promise((r) => setTimeout(r, 350));
      expect((await t.request().get(`/products/${p.id}`).expect(200)).body.available).to.equal(1);
    });

    it('drops a product that sold out since an in-stock page was cached', async () => {
      const { db, catalog } = t.container;
      const [a, b] = [
        await createProduct(db, { name: 'Sellout probe A', category: 'live', stock: 2 }),
        await createProduct(db, { name: 'Sellout probe B', category: 'live', stock: 2 }),
      ];
      await catalog.invalidateProducts([a!.id, b!.id]);
      const query = 'search=sellout&in_stock=true';
      expect((await get(query).expect(200)).body.products.map((x: Listed) => x.id)).to.have.members([
        a!.id,
        b!.id,
      ]);
      await db('inventory').where({ product_id: a!.id }).update({ available_count: 0, reserved_count: 2 });
      await catalog.stockChanged([a!.id]);
      expect((await get(query).expect(200)).body.products.map((x: Listed) => x.id)).to.deep.equal([b!.id]);
    });
  });

  describe('category counts kept by triggers', () => {
    const count = async (slug: string) =>
      (await t.container.db('categories').where({ slug }).first('product_count')).product_count as number;

    it('follow inserts, deactivation, moves between categories and deletes, one statement at a time or many', async () => {
      const { db } = t.container;
      const rows: { id: number }[] = await db('products')
        .insert(
          Array.from({ length: 5 }, (_, i) => ({
            sku: `COUNT-${i}`,
            name: `Counted ${i}`,
            category: 'counted',
            price_cents: 100,
          })),
        )
        .returning('id');
      await db('inventory').insert(rows.map((r) => ({ product_id: r.id })));
      expect(await count('counted')).to.equal(5);

      await db('products').where({ id: rows[0]!.id }).update({ active: false });
      expect(await count('counted')).to.equal(4);
      await db('products').where({ id: rows[0]!.id }).update({ name: 'Still inactive' });
      expect(await count('counted')).to.equal(4);

      await db('products').whereIn('id', [rows[1]!.id, rows[2]!.id]).update({ category: 'moved' });
      expect([await count('counted'), await count('moved')]).to.deep.equal([2, 2]);

      await db('products').where({ id: rows[0]!.id }).update({ active: true, category: 'moved' });
      expect([await count('counted'), await count('moved')]).to.deep.equal([2, 3]);

      await db('products').whereIn('id', [rows[3]!.id, rows[1]!.id]).del();
      expect([await count('counted'), await count('moved')]).to.deep.equal([1, 2]);

      // A renamed category carries its products over (ON UPDATE CASCADE), counted once.
      await db('categories').where({ slug: 'moved' }).update({ slug: 'renamed' });
      expect(await count('renamed')).to.equal(2);

      const { rows: truth } = await db.raw<{ rows: { slug: string; kept: number; real: number }[] }>(
        `SELECT c.slug, c.product_count AS kept, count(p.id)::int AS real
           FROM categories c LEFT JOIN products p ON p.category = c.slug AND p.active
          GROUP BY c.slug, c.product_count HAVING c.product_count <> count(p.id)`,
      );
      expect(truth).to.deep.equal([]);
    });
  });

  describe('plans', () => {
    // The test catalog is small enough that a sequential scan is the planner's best choice; with
    // it priced out, a shape that still scans a table whole has no index that can serve it.
    for (const shape of BROWSE_SHAPES) {
      it(`has an index for ${shape}`, async () => {
        const { db, search } = t.container;
        const query = parseShape(shape);
        const { statements } = await statementsFor(db, search, query, false);
        expect(statements.length).to.be.at.least(2);
        await db.transaction(async (trx) => {
          await trx.raw('SET LOCAL enable_seqscan = off');
          for (const statement of statements) {
            const report = await explain(trx, statement, true);
            expect(report.seqScans, `${statement.sql}\n${report.nodes.join(' > ')}`).to.deep.equal([]);
          }
        });
      });
    }
  });
});

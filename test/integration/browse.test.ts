import { expect } from 'chai';
import { createClient } from 'redis';
import type supertest from 'supertest';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, ensureCategory } from '../support/fixtures.js';

type Res = supertest.Response;

const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12));
const names = (res: Res) => (res.body.products as { name: string }[]).map((p) => p.name);
const ids = (res: Res) => (res.body.products as { id: number }[]).map((p) => p.id);
const NO_FACETS = { is_estimate: false, categories: [], prices: [] };
const emptyPage = (total: number, page: number, facets: unknown = NO_FACETS) => ({
  products: [],
  total,
  total_is_estimate: false,
  facets,
  page,
  next_page: null,
  next_cursor: null,
});

// Every "known" product costs less than this; the bulk and cache products cost more, so
// `max_price=KNOWN_MAX` selects exactly the hand-made catalog below.
const KNOWN_MAX = 99_999;
const BULK = 120;

describe('browse: GET /products, /products/:id, /categories', () => {
  let t: TestContext;
  const id: Record<string, number> = {};
  let bulkIdsByPrice: number[] = [];

  before(async () => {
    t = await createTestContext();
    const { db } = t.container;
    for (const [slug, name] of [
      ['audio', 'Audio'],
      ['kitchen', 'Kitchen'],
      ['books', 'Books'],
      ['archive', 'Archive'],
      ['bulk', 'Bulk'],
      ['cachetest', 'Cache test'],
    ] as const) {
      await ensureCategory(db, slug, name);
    }
    const known = {
      headphones: {
        name: 'Wireless Headphones',
        description: 'Over-ear, with active noise cancelling.',
        category: 'audio',
        price_cents: 19_999,
        stock: 12,
        created_at: day(10),
      },
      amp: {
        name: 'Headphone Amplifier',
        description: 'Drives high impedance studio cans.',
        category: 'audio',
        price_cents: 8_999,
        stock: 4,
        created_at: day(8),
      },
      speaker: {
        name: 'Bluetooth Speaker',
        description: 'Sits on a desk next to your wireless headphones.',
        category: 'audio',
        price_cents: 4_999,
        stock: 0,
        created_at: day(6),
      },
      earbuds: {
        name: 'Sport Earbuds',
        description: 'Sweat-proof buds for running.',
        category: 'audio',
        price_cents: 2_999,
        stock: 5,
        created_at: day(4),
      },
      skillet: {
        name: 'Cast Iron Skillet',
        description: 'Pre-seasoned 12-inch pan.',
        category: 'kitchen',
        price_cents: 3_999,
        stock: 30,
        created_at: day(9),
      },
      // Lower-case on purpose: name sort must ignore case.
      knife: {
        name: 'chef knife',
        description: 'Carbon steel blade.',
        category: 'kitchen',
        price_cents: 5_999,
        stock: 8,
        created_at: day(7),
      },
      kettle: {
        name: 'Electric Kettle',
        description: 'Boils a litre in three minutes.',
        category: 'kitchen',
        price_cents: 1_999,
        stock: 15,
        created_at: day(5),
      },
      atlas: {
        name: 'Atlas of Coastlines',
        description: 'Maps and photographs.',
        category: 'books',
        price_cents: 2_499,
        stock: 3,
        created_at: day(3),
      },
      novel: {
        name: 'Zephyr: A Novel',
        description: 'A story about the wind.',
        category: 'books',
        price_cents: 999,
        stock: 3,
        created_at: day(11),
      },
      // Inactive products match searches and filters, so a missing `active` check would show them.
      retired: {
        name: 'Wireless Headphones Classic',
        description: 'Discontinued wireless headphones.',
        category: 'audio',
        price_cents: 9_999,
        stock: 7,
        created_at: day(12),
        active: false,
      },
      archived: {
        name: 'Archived Headphones',
        description: 'Wireless headphones, retired.',
        category: 'archive',
        price_cents: 1_500,
        stock: 2,
        created_at: day(12),
        active: false,
      },
      cachedItem: { name: 'Cache Probe', category: 'cachetest', price_cents: 150_000, created_at: day(1) },
      cachedSearch: {
        name: 'Search Cache Probe',
        category: 'cachetest',
        price_cents: 160_000,
        created_at: day(1),
      },
    };
    for (const [key, fixture] of Object.entries(known)) {
      id[key] = (await createProduct(db, fixture)).id;
    }
    // Units held by pending orders are not for sale: in_stock must look at available_count only.
    await db('inventory').where({ product_id: id.earbuds }).update({ available_count: 0, reserved_count: 5 });

    const inserted: { id: number }[] = await db('products')
      .insert(
        Array.from({ length: BULK }, (_, i) => ({
          sku: `BULK-${String(i).padStart(3, '0')}`,
          name: `Bulk item ${String(i).padStart(3, '0')}`,
          description: 'Filler for pagination.',
          category: 'bulk',
          // Inserted in descending price, so id order and price order disagree.
          price_cents: 100_000 + (BULK - i),
          created_at: new Date(Date.UTC(2020, 0, 1, 0, i)),
        })),
      )
      .returning('id');
    await db('inventory').insert(inserted.map((row) => ({ product_id: row.id, available_count: 1 })));
    bulkIdsByPrice = inserted.map((row) => row.id).reverse();
  });

  after(() => t.close());

  const get = (query: string) => t.request().get(`/products${query}`);

  describe('search', () => {
    it('ranks a product with the words in its name above one with them only in the description', async () => {
      const res = await get('?search=wireless%20headphones').expect(200);
      expect(names(res)).to.deep.equal(['Wireless Headphones', 'Bluetooth Speaker']);
      expect(res.body.total).to.equal(2);
    });

    it('uses relevance as the default sort when searching', async () => {
      const explicit = await get('?search=headphones&sort=relevance').expect(200);
      const implicit = await get('?search=headphones').expect(200);
      expect(ids(implicit)).to.deep.equal(ids(explicit));
      const order = names(explicit);
      expect(order).to.have.members(['Wireless Headphones', 'Headphone Amplifier', 'Bluetooth Speaker']);
      expect(order.indexOf('Headphone Amplifier')).to.be.below(order.indexOf('Bluetooth Speaker'));
    });

    it('tolerates a one-letter typo in each word', async () => {
      const res = await get('?search=wireles%20headphones').expect(200);
      expect(names(res)[0]).to.equal('Wireless Headphones');
      expect(names(res)).to.not.include('Wireless Headphones Classic');

      const single = await get('?search=hedphones').expect(200);
      expect(names(single)[0]).to.equal('Wireless Headphones');
    });

    it('matches a word prefix', async () => {
      const res = await get('?search=headph').expect(200);
      expect(names(res)).to.have.members(['Wireless Headphones', 'Headphone Amplifier', 'Bluetooth Speaker']);
    });

    it('finds nothing for words no product has', async () => {
      const res = await get('?search=xylophone').expect(200);
      expect(res.body).to.deep.equal(emptyPage(0, 1));
    });

    it('requires every word to match', async () => {
      const res = await get('?search=wireless%20skillet').expect(200);
      expect(res.body.total).to.equal(0);
    });
  });

  describe('filters', () => {
    it('filters by category', async () => {
      const res = await get('?category=kitchen').expect(200);
      expect(names(res)).to.deep.equal(['Cast Iron Skillet', 'chef knife', 'Electric Kettle']);
      expect(res.body.total).to.equal(3);
      const none = await get('?category=nosuch').expect(200);
      expect(none.body).to.deep.equal(emptyPage(0, 1));
    });

    it('combines search and category', async () => {
      const res = await get('?search=headphones&category=kitchen').expect(200);
      expect(res.body.total).to.equal(0);
    });

    it('treats min_price and max_price as inclusive bounds', async () => {
      const inclusive = await get('?min_price=1999&max_price=4999&sort=price_asc').expect(200);
      expect(names(inclusive)).to.deep.equal([
        'Electric Kettle',
        'Atlas of Coastlines',
        'Sport Earbuds',
        'Cast Iron Skillet',
        'Bluetooth Speaker',
      ]);
      const inside = await get('?min_price=2000&max_price=4998&sort=price_asc').expect(200);
      expect(names(inside)).to.deep.equal(['Atlas of Coastlines', 'Sport Earbuds', 'Cast Iron Skillet']);
      const exact = await get('?min_price=8999&max_price=8999').expect(200);
      expect(names(exact)).to.deep.equal(['Headphone Amplifier']);
    });

    it('in_stock=true keeps only products with available units, not merely reserved ones', async () => {
      const res = await get(`?max_price=${KNOWN_MAX}&in_stock=true&sort=name`).expect(200);
      expect(names(res)).to.deep.equal([
        'Atlas of Coastlines',
        'Cast Iron Skillet',
        'chef knife',
        'Electric Kettle',
        'Headphone Amplifier',
        'Wireless Headphones',
        'Zephyr: A Novel',
      ]);
      expect(res.body.total).to.equal(7);
      const all = await get(`?max_price=${KNOWN_MAX}&in_stock=false`).expect(200);
      expect(all.body.total).to.equal(9);
      expect(names(all)).to.include.members(['Sport Earbuds', 'Bluetooth Speaker']);
    });

    it('never lists inactive products', async () => {
      for (const query of [
        '',
        '?search=classic',
        '?search=archived',
        '?category=archive',
        '?category=audio',
      ]) {
        const res = await get(query).expect(200);
        expect(ids(res), query).to.not.include.members([id.retired, id.archived]);
      }
      const archive = await get('?category=archive').expect(200);
      expect(archive.body.total).to.equal(0);
    });
  });

  describe('sort', () => {
    const known = (sort: string) => get(`?max_price=${KNOWN_MAX}&sort=${sort}`).expect(200);
    const newest = [
      'Zephyr: A Novel',
      'Wireless Headphones',
      'Cast Iron Skillet',
      'Headphone Amplifier',
      'chef knife',
      'Bluetooth Speaker',
      'Electric Kettle',
      'Sport Earbuds',
      'Atlas of Coastlines',
    ];
    const byPrice = [
      'Zephyr: A Novel',
      'Electric Kettle',
      'Atlas of Coastlines',
      'Sport Earbuds',
      'Cast Iron Skillet',
      'Bluetooth Speaker',
      'chef knife',
      'Headphone Amplifier',
      'Wireless Headphones',
    ];

    it('price_asc', async () => {
      expect(names(await known('price_asc'))).to.deep.equal(byPrice);
    });

    it('price_desc', async () => {
      expect(names(await known('price_desc'))).to.deep.equal([...byPrice].reverse());
    });

    it('newest, which is also the default without a search', async () => {
      expect(names(await known('newest'))).to.deep.equal(newest);
      expect(names(await get(`?max_price=${KNOWN_MAX}`).expect(200))).to.deep.equal(newest);
    });

    it('relevance without a search falls back to newest', async () => {
      expect(names(await known('relevance'))).to.deep.equal(newest);
    });

    it('name, ignoring case', async () => {
      expect(names(await known('name'))).to.deep.equal([
        'Atlas of Coastlines',
        'Bluetooth Speaker',
        'Cast Iron Skillet',
        'chef knife',
        'Electric Kettle',
        'Headphone Amplifier',
        'Sport Earbuds',
        'Wireless Headphones',
        'Zephyr: A Novel',
      ]);
    });
  });

  describe('pagination', () => {
    const bulk = (query: string) => get(`?category=bulk&sort=price_asc${query}`).expect(200);

    it('walks every page once, with next_page a number until the last page', async () => {
      const seen: number[] = [];
      const pages = [
        { page: 1, size: 50, next: 2 },
        { page: 2, size: 50, next: 3 },
        { page: 3, size: 20, next: null },
      ];
      for (const { page, size, next } of pages) {
        const res = await bulk(`&limit=50&page=${page}`);
        expect(res.body.products).to.have.length(size);
        expect(res.body).to.include({ total: BULK, page, next_page: next });
        seen.push(...ids(res));
      }
      expect(seen).to.deep.equal(bulkIdsByPrice);
    });

    it('has no next page when the last page is exactly full', async () => {
      const res = await bulk('&limit=40&page=3');
      expect(res.body.products).to.have.length(40);
      expect(res.body).to.include({ total: BULK, page: 3, next_page: null });
    });

    it('answers an empty page beyond the end, with the real total', async () => {
      const res = await bulk('&limit=50&page=4');
      expect(res.body).to.deep.equal(
        emptyPage(BULK, 4, {
          is_estimate: false,
          categories: [{ slug: 'bulk', count: BULK }],
          prices: [{ min_cents: 50_000, max_cents: null, count: BULK }],
        }),
      );
    });

    it('defaults limit to 20', async () => {
      const res = await bulk('');
      expect(ids(res)).to.deep.equal(bulkIdsByPrice.slice(0, 20));
      expect(res.body).to.include({ total: BULK, page: 1, next_page: 2 });
    });

    it('clamps a limit above 100 to 100', async () => {
      const res = await bulk('&limit=500');
      expect(ids(res)).to.deep.equal(bulkIdsByPrice.slice(0, 100));
      expect(res.body).to.include({ total: BULK, next_page: 2 });
      const second = await bulk('&limit=500&page=2');
      expect(ids(second)).to.deep.equal(bulkIdsByPrice.slice(100));
    });
  });

  describe('validation', () => {
    const cases: [query: string, param: string][] = [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=-5', 'limit'],
      ['page=0', 'page'],
      ['page=1.5', 'page'],
      ['min_price=-1', 'min_price'],
      ['min_price=1.5', 'min_price'],
      ['max_price=ten', 'max_price'],
      ['min_price=500&max_price=100', 'min_price'],
      ['sort=bogus', 'sort'],
      ['in_stock=maybe', 'in_stock'],
      ['category=Not%20A%20Slug', 'category'],
      ['limit=1&limit=2', 'limit'],
    ];
    for (const [query, param] of cases) {
      it(`rejects ${query} naming ${param}`, async () => {
        const res = await get(`?${query}`).expect(400);
        expect(res.body.error.code).to.equal('validation_failed');
        expect(res.body.error.message).to.include(param);
        const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
        expect(paths).to.include(param);
      });
    }

    it('rejects an unknown parameter, naming it', async () => {
      const res = await get('?foo=1').expect(400);
      expect(res.body.error.code).to.equal('validation_failed');
      const details = res.body.error.details as { path: string; message: string }[];
      expect(details.some((d) => d.path === 'foo' || d.message.includes('foo'))).to.equal(true);
    });
  });

  describe('GET /products/:id', () => {
    it('answers the product', async () => {
      const res = await t.request().get(`/products/${id.headphones}`).expect(200);
      expect(res.body).to.have.all.keys(
        'id',
        'sku',
        'name',
        'description',
        'category',
        'price_cents',
        'currency',
        'available',
        'in_stock',
        'created_at',
      );
      expect(res.body).to.include({
        id: id.headphones,
        name: 'Wireless Headphones',
        description: 'Over-ear, with active noise cancelling.',
        category: 'audio',
        price_cents: 19_999,
        currency: 'USD',
        available: 12,
        in_stock: true,
        created_at: day(10).toISOString(),
      });
      expect(res.body.sku).to.be.a('string').and.not.be.empty;
    });

    it('reports reserved-only stock as unavailable', async () => {
      const res = await t.request().get(`/products/${id.earbuds}`).expect(200);
      expect(res.body).to.include({ available: 0, in_stock: false });
    });

    it('answers 404 with the error shape for an unknown or inactive product', async () => {
      for (const missing of [999_999, id.retired]) {
        const res = await t.request().get(`/products/${missing}`).expect(404);
        expect(res.body.error).to.include({ code: 'not_found' });
        expect(res.body.error.message).to.be.a('string').and.not.be.empty;
      }
    });

    it('answers 400 for an id that is not a positive integer', async () => {
      for (const bad of ['abc', '0', '-1', '1.5']) {
        const res = await t.request().get(`/products/${bad}`).expect(400);
        expect(res.body.error.code, bad).to.equal('validation_failed');
        expect(res.body.error.details[0].path, bad).to.equal('id');
      }
    });
  });

  describe('GET /categories', () => {
    it('lists every category with its count of active products', async () => {
      const res = await t.request().get('/categories').expect(200);
      expect(res.body).to.deep.equal({
        categories: [
          { slug: 'archive', name: 'Archive', product_count: 0 },
          { slug: 'audio', name: 'Audio', product_count: 4 },
          { slug: 'books', name: 'Books', product_count: 2 },
          { slug: 'bulk', name: 'Bulk', product_count: BULK },
          { slug: 'cachetest', name: 'Cache test', product_count: 2 },
          { slug: 'kitchen', name: 'Kitchen', product_count: 3 },
        ],
      });
    });
  });

  describe('cache', () => {
    const setPrice = (productId: number, cents: number) =>
      t.container.db('products').where({ id: productId }).update({ price_cents: cents });

    it('serves a repeated product read from Redis until the product is invalidated', async () => {
      const productId = id.cachedItem!;
      const redis = createClient({ url: t.container.config.redis.url });
      await redis.connect();
      try {
        const key = `${t.container.cache.prefix}product:${productId}`;
        const first = await t.request().get(`/products/${productId}`).expect(200);
        expect(first.body.price_cents).to.equal(150_000);
        expect(await redis.exists(key)).to.equal(1);

        // Changed behind the service's back: only a cached answer can still show the old price.
        await setPrice(productId, 150_500);
        const second = await t.request().get(`/products/${productId}`).expect(200);
        expect(second.body).to.deep.equal(first.body);

        await t.container.catalog.invalidateProducts([productId]);
        expect(await redis.exists(key)).to.equal(0);
        const third = await t.request().get(`/products/${productId}`).expect(200);
        expect(third.body.price_cents).to.equal(150_500);
      } finally {
        await redis.quit();
      }
    });

    it('serves a repeated search from Redis until a product is invalidated', async () => {
      const productId = id.cachedSearch!;
      const query = '?category=cachetest&search=search%20probe';
      // The first read computes the page (its products shown as read); the second caches their data.
      await get(query).expect(200);
      const first = await get(query).expect(200);
      expect(first.body.products.map((p: { price_cents: number }) => p.price_cents)).to.deep.equal([160_000]);

      await setPrice(productId, 160_500);
      const second = await get(query).expect(200);
      expect(second.body).to.deep.equal(first.body);

      await t.container.catalog.invalidateProducts([productId]);
      const third = await get(query).expect(200);
      expect(third.body.products.map((p: { price_cents: number }) => p.price_cents)).to.deep.equal([160_500]);
    });
  });
});

import { expect } from 'chai';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser, ensureCategory } from '../support/fixtures.js';

describe('Redis is only a cache', () => {
  describe('with Redis unreachable', () => {
    let t: TestContext;
    let lamp: number;
    let mug: number;

    before(async () => {
      // Port 1 refuses connections at once, so every cache call must fall back to PostgreSQL.
      t = await createTestContext({ REDIS_URL: 'redis://127.0.0.1:1' });
      const { db } = t.container;
      await ensureCategory(db, 'lighting', 'Lighting');
      await ensureCategory(db, 'kitchen', 'Kitchen');
      lamp = (await createProduct(db, { name: 'Brass Desk Lamp', category: 'lighting', price_cents: 4_500 }))
        .id;
      mug = (
        await createProduct(db, { name: 'Stoneware Mug', category: 'kitchen', price_cents: 1_200, stock: 0 })
      ).id;
      await createProduct(db, { name: 'Old Lamp', category: 'lighting', active: false });
    });

    after(async () => {
      // node-redis 5 never settles quit() on a client that is still reconnecting, so
      // container.close() would hang; closing the cache first (not awaited) marks it closed and
      // stops the reconnect loop. Harmless once Cache.close() destroys an unready client itself.
      void t.container.cache.close();
      await t.close();
    });

    it('really has no Redis', () => {
      expect(t.container.cache.ready).to.equal(false);
    });

    it('browses from PostgreSQL', async () => {
      const res = await t.request().get('/products?search=lamp').expect(200);
      expect(res.body).to.include({ total: 1, page: 1, next_page: null });
      expect(res.body.products.map((p: { id: number }) => p.id)).to.deep.equal([lamp]);

      const filtered = await t.request().get('/products?in_stock=true&sort=price_asc').expect(200);
      expect(filtered.body.products.map((p: { id: number }) => p.id)).to.deep.equal([lamp]);
    });

    it('reads a product from PostgreSQL, and sees a change at once', async () => {
      const first = await t.request().get(`/products/${mug}`).expect(200);
      expect(first.body).to.include({ id: mug, name: 'Stoneware Mug', price_cents: 1_200, available: 0 });

      await t.container.db('products').where({ id: mug }).update({ price_cents: 1_300 });
      // With no cache to drop, invalidation must be a harmless no-op.
      await t.container.catalog.invalidateProducts([mug]);
      const second = await t.request().get(`/products/${mug}`).expect(200);
      expect(second.body.price_cents).to.equal(1_300);

      await t.request().get('/products/999999').expect(404);
    });

    it('lists categories with counts', async () => {
      const res = await t.request().get('/categories').expect(200);
      expect(res.body.categories).to.deep.equal([
        { slug: 'kitchen', name: 'Kitchen', product_count: 1 },
        { slug: 'lighting', name: 'Lighting', product_count: 1 },
      ]);
    });

    it('registers, logs in and authenticates', async () => {
      const credentials = { email: 'offline@example.com', password: 'no cache needed' };
      const registered = await t.request().post('/auth/register').send(credentials).expect(201);
      const login = await t.request().post('/auth/login').send(credentials).expect(200);
      for (const token of [registered.body.token, login.body.token]) {
        const me = await t.request().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
        expect(me.body).to.include({ id: registered.body.user_id, role: 'customer' });
      }
      await t.request().get('/auth/me').set('Authorization', 'Bearer shp_unknown').expect(401);

      const admin = await createUser(t.container, 'admin');
      const customer = await createUser(t.container);
      await t.request().get('/admin/users').set(admin.auth).expect(200);
      await t.request().get('/admin/users').set(customer.auth).expect(403);
    });

    it('reports /readyz as 200 degraded', async () => {
      const res = await t.request().get('/readyz').expect(200);
      expect(res.body).to.deep.equal({ status: 'degraded', checks: { postgres: 'up', redis: 'down' } });
    });
  });

  describe('with Redis up', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext();
    });
    after(() => t.close());

    it('reports /readyz as 200 ready', async () => {
      const res = await t.request().get('/readyz').expect(200);
      expect(res.body).to.deep.equal({ status: 'ready', checks: { postgres: 'up', redis: 'up' } });
    });

    it('reports /healthz as 200 ok', async () => {
      const res = await t.request().get('/healthz').expect(200);
      expect(res.body).to.deep.equal({ status: 'ok' });
    });
  });
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { routeInventory } from '../../src/app.js';
import { checkoutBody, postCheckout, shopperWithCart } from '../support/checkout.js';
import { ROOT } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { PRODUCTION } from '../support/env.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { fullRouteInventory } from '../support/routes.js';

/**
 * The OWASP API Security Top 10 (2023), row by row: each `describe` is one risk, each `it` an
 * attack and the answer the shop must give.
 */
describe('OWASP API Security Top 10 (2023)', function () {
  this.timeout(60_000);
  let t: TestContext;
  before(async () => {
    t = await createTestContext({
      RATE_LIMITS: 'true',
      RATE_LIMIT_LOGIN_ACCOUNT: '5/15m',
      RATE_LIMIT_LOGIN_IP: '1000/1m',
      RATE_LIMIT_REGISTER_IP: '1000/1m',
      RATE_LIMIT_CHECKOUT_USER: '1000/1m',
      RATE_LIMIT_CHECKOUT_IP: '10000/1m',
      RATE_LIMIT_CART_USER: '1000/1m',
      RATE_LIMIT_BROWSE_IP: '1000/1m',
      MAX_PENDING_ORDERS: '5',
    });
  });
  after(() => t.close());

  async function orderOf(paymentMethod = 'pm_card_visa') {
    const p = await createProduct(t.container.db, { stock: 10 });
    const owner = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    const res = await postCheckout(t, owner, { payment_method: paymentMethod }).expect(201);
    return { owner, orderId: res.body.order_id as string, productId: p.id };
  }

  describe('API1 broken object level authorization', () => {
    it("another customer's order, its cancel and its payment confirm are 404s; nothing changes", async () => {
      const { orderId } = await orderOf('pm_card_authenticationRequired');
      await t.container.worker.drain();
      const intruder = await createUser(t.container);
      await t.request().get(`/orders/${orderId}`).set(intruder.auth).expect(404);
      await t.request().post(`/orders/${orderId}/cancel`).set(intruder.auth).send({}).expect(404);
      await t.request().post(`/orders/${orderId}/payment/confirm`).set(intruder.auth).expect(404);
      expect((await t.container.db('orders').where({ id: orderId }).first()).status).to.equal('PENDING');
      // Nor does it list among theirs.
      expect((await t.request().get('/orders').set(intruder.auth).expect(200)).body.orders).to.deep.equal([]);
    });

    it("checking out another customer's cart is a 404, and the cart stays theirs", async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      const victim = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      const intruder = await createUser(t.container);
      const res = await postCheckout(t, { auth: intruder.auth, cartId: victim.cartId }).expect(404);
      expect(res.body.error.code).to.equal('cart_not_found');
      expect((await t.container.db('carts').where({ id: victim.cartId }).first()).status).to.equal('active');
    });

    it("a guest cannot read or change another guest's cart without its token", async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      const guest = await t.request().post('/cart/items').send({ product_id: p.id, quantity: 1 }).expect(201);
      const other = await t.request().get('/cart').set('X-Cart-Token', 'shpc_not_the_token');
      expect(other.status).to.be.oneOf([200, 404]);
      expect(other.body.items ?? []).to.deep.equal([]);
      expect(other.body.cart_id ?? null).to.not.equal(guest.body.cart_id);
    });
  });

  describe('API2 broken authentication', () => {
    it('expired, revoked, forged and malformed tokens are 401s', async () => {
      const user = await createUser(t.container);
      await t.container
        .db('api_tokens')
        .where({ user_id: user.id })
        .update({ expires_at: t.container.db.raw("now() - interval '1 second'") });
      await t.request().get('/auth/me').set(user.auth).expect(401);
      const second = await createUser(t.container);
      await t.request().post('/auth/logout').set(second.auth).expect(204);
      await t.request().get('/auth/me').set(second.auth).expect(401);
      await t.request().get('/auth/me').set('Authorization', `Bearer shp_${randomUUID()}`).expect(401);
      await t.request().get('/auth/me').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
    });

    it('login brute force on one account is stopped with 429s, and the answers never tell which part was wrong', async () => {
      await t
        .request()
        .post('/auth/register')
        .send({ email: 'target@test.local', password: 'the real password' })
        .expect(201);
      const unknown = await t
        .request()
        .post('/auth/login')
        .send({ email: 'nobody@test.local', password: 'x' })
        .expect(401);
      const wrong = await t
        .request()
        .post('/auth/login')
        .send({ email: 'target@test.local', password: 'x' })
        .expect(401);
      expect(unknown.body.error.message).to.equal(wrong.body.error.message);
      const answers = [];
      for (let i = 0; i < 6; i++) {
        answers.push(
          (
            await t
              .request()
              .post('/auth/login')
              .send({ email: 'target@test.local', password: `try ${i}` })
          ).status,
        );
      }
      expect(answers.at(-1)).to.equal(429);
      expect(answers.filter((s) => s !== 401 && s !== 429)).to.deep.equal([]);
    });
  });

  describe('API3 broken object property level authorization', () => {
    it('price, status, totals, user ids or roles in a body are 400s, never stored', async () => {
      const p = await createProduct(t.container.db, { stock: 5, price_cents: 5_000 });
      const user = await createUser(t.container);
      await t
        .request()
        .post('/cart/items')
        .set(user.auth)
        .send({ product_id: p.id, quantity: 1, price_cents: 1 })
        .expect(400);
      const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      for (const extra of [{ total_cents: 1 }, { status: 'PAID' }, { user_id: user.id }]) {
        await t
          .request()
          .post('/checkout')
          .set(shopper.auth)
          .set('Idempotency-Key', randomUUID())
          .send({ ...checkoutBody(shopper.cartId), ...extra })
          .expect(400);
      }
      await t
        .request()
        .post('/auth/register')
        .send({ email: 'sneaky@test.local', password: 'long enough', role: 'admin' })
        .expect(400);
      expect(await t.container.users.findByEmail('sneaky@test.local')).to.equal(undefined);
    });

    it("an order shows no one else's ids, and fraud decline codes read as a plain decline", async () => {
      const { owner, orderId } = await orderOf('pm_card_chargeDeclinedFraudulent');
      await t.container.worker.drain();
      const admin = await createUser(t.container, 'admin');
      const view = (await t.request().get(`/orders/${orderId}`).set(owner.auth).expect(200)).body;
      expect(view.payment.failure_code).to.equal('card_declined');
      expect(JSON.stringify(view)).to.not.include(admin.id);
      for (const h of view.status_history) expect(h.actor).to.not.match(/:/);
      const staff = (await t.request().get(`/admin/orders/${orderId}`).set(admin.auth).expect(200)).body;
      expect(staff.payment.failure_code).to.equal('fraudulent');
      expect(view).to.not.have.any.keys('user_id', 'idempotency_key', 'cart_id');
    });
  });

  describe('API4 unrestricted resource consumption', () => {
    it('deep pages, huge limits, nested and oversized bodies, quantities past the cap', async () => {
      await t.request().get('/products?page=101').expect(400);
      const clamped = await t.request().get('/products?limit=100000').expect(200);
      expect(clamped.body.products.length).to.be.at.most(100);
      const nested = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
      await t.request().post('/auth/login').set('content-type', 'application/json').send(nested).expect(400);
      await t
        .request()
        .post('/auth/login')
        .send({ email: 'a@test.local', password: 'x'.repeat(200_000) })
        .expect(413);
      const p = await createProduct(t.container.db, { stock: 500 });
      const user = await createUser(t.container);
      await t
        .request()
        .post('/cart/items')
        .set(user.auth)
        .send({ product_id: p.id, quantity: 100 })
        .expect(400);
    });
  });

  describe('API5 broken function level authorization', () => {
    it('every admin route answers a customer 403 and a stranger 401', async () => {
      const customer = await createUser(t.container);
      const admin = routeInventory(t.container).filter((r) => r.includes(' /admin/'));
      expect(admin.length).to.be.above(10);
      for (const route of admin) {
        const [method, template] = route.split(' ') as [string, string];
        const url = template.replace(':sku', 'ANY-SKU').replace(':id', randomUUID());
        const call = () => {
          const agent = t.request();
          if (method === 'GET') return agent.get(url);
          if (method === 'POST') return agent.post(url);
          if (method === 'PUT') return agent.put(url);
          if (method === 'PATCH') return agent.patch(url);
          return agent.delete(url);
        };
        const asCustomer = await call().set(customer.auth).send({});
        expect(asCustomer.status, route).to.equal(403);
        const asNobody = await call().send({});
        expect(asNobody.status, route).to.equal(401);
      }
    });
  });

  describe('API6 unrestricted access to sensitive business flows', () => {
    it('one customer cannot buy or hold more than the cap of a hot SKU, even with 50 concurrent checkouts', async () => {
      const hot = await createProduct(t.container.db, { stock: 100 });
      await t.container.db('products').where({ id: hot.id }).update({ max_per_customer: 2 });
      const bot = await createUser(t.container);
      const cartId = (
        await t
          .request()
          .post('/cart/items')
          .set(bot.auth)
          .send({ product_id: hot.id, quantity: 2 })
          .expect(200)
      ).body.cart_id;
      const first = await Promise.all(
        Array.from({ length: 50 }, () =>
          postCheckout(t, { auth: bot.auth, cartId }, { payment_method: 'pm_card_authenticationRequired' }),
        ),
      );
      expect(first.filter((r) => r.status === 201)).to.have.length(1);
      // Again and again, each with a fresh cart: the cap holds over PENDING orders.
      for (let i = 0; i < 3; i++) {
        const again = await t
          .request()
          .post('/cart/items')
          .set(bot.auth)
          .send({ product_id: hot.id, quantity: 1 })
          .expect(200);
        const res = await postCheckout(t, { auth: bot.auth, cartId: again.body.cart_id });
        expect(res.status).to.equal(409);
        expect(res.body.error.code).to.equal('purchase_limit');
        await t.request().delete('/cart').set(bot.auth);
      }
      const held = await t.container
        .db('reservations')
        .where({ product_id: hot.id, state: 'ACTIVE' })
        .sum<{ n: number }[]>({ n: 'quantity' });
      expect(Number(held[0]!.n)).to.equal(2);
    });
  });

  describe('API7 server side request forgery', () => {
    it('no input is a URL the service fetches: a carrier is a closed list, tracking links are built server-side', async () => {
      const { orderId } = await orderOf();
      await t.container.worker.drain();
      const admin = await createUser(t.container, 'admin');
      const res = await t
        .request()
        .post(`/admin/orders/${orderId}/ship`)
        .set(admin.auth)
        .send({ carrier: 'http://169.254.169.254/latest/meta-data', tracking_number: '1Z999AA10123456784' });
      expect(res.status).to.equal(400);
      const shipped = await t
        .request()
        .post(`/admin/orders/${orderId}/ship`)
        .set(admin.auth)
        .send({ carrier: 'ups', tracking_number: '../../admin?x=1' });
      // Whatever the number, the link stays on the carrier's host.
      if (shipped.status === 200) expect(new URL(shipped.body.tracking_url).hostname).to.match(/ups\.com$/);
      else expect(shipped.status).to.equal(400);
    });
  });

  describe('API8 security misconfiguration', () => {
    it('security headers on every answer; no stack traces or framework banners; errors in one shape', async () => {
      for (const res of [
        await t.request().get('/products'),
        await t.request().get('/nope'),
        await t.request().post('/checkout').send({}),
      ]) {
        expect(res.headers['x-content-type-options']).to.equal('nosniff');
        expect(res.headers['x-frame-options']).to.equal('DENY');
        expect(res.headers['content-security-policy']).to.include("default-src 'none'");
        expect(res.headers).to.not.have.property('x-powered-by');
      }
      const broken = await t
        .request()
        .post('/auth/login')
        .set('content-type', 'application/json')
        .send('{"email": ');
      expect(broken.status).to.equal(400);
      expect(JSON.stringify(broken.body)).to.not.match(/at \w+ \(|node_modules|\.ts:\d+/);
      const user = await createUser(t.container);
      expect((await t.request().get('/auth/me').set(user.auth)).headers['cache-control']).to.equal(
        'no-store',
      );
    });

    it('/metrics behind a token when one is configured', async () => {
      const guarded = await createTestContext({ METRICS_TOKEN: 'a-long-metrics-token-123' });
      try {
        await guarded.request().get('/metrics').expect(401);
        await guarded
          .request()
          .get('/metrics')
          .set('Authorization', 'Bearer wrong-token-of-some-length')
          .expect(401);
        await guarded
          .request()
          .get('/metrics')
          .set('Authorization', 'Bearer a-long-metrics-token-123')
          .expect(200);
      } finally {
        await guarded.close();
      }
    });

    it('the demo store and its published password refuse NODE_ENV=production', async () => {
      const { spawnSync } = await import('node:child_process');
      const server = spawnSync(process.execPath, ['--import', 'tsx', 'bin/server.ts', '--demo'], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...PRODUCTION,
          DATABASE_URL: t.databaseUrl,
          PORT: '0',
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(server.status).to.equal(1);
      expect(server.stderr).to.match(/demo store does not run with NODE_ENV=production/);
      const seed = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bin/shopctl.ts', 'db', 'seed', '--products', '1'],
        {
          cwd: ROOT,
          env: { ...process.env, ...PRODUCTION, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(seed.status).to.equal(1);
      expect(seed.stderr).to.match(/refusing to seed the demo store with NODE_ENV=production/);
    });
  });

  describe('API9 improper inventory management', () => {
    it('every route the service answers is documented in the README, and every documented route exists', async () => {
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const block = /Every route, as `routeInventory\(\)` reports it[^`]*```\n([\s\S]*?)```/.exec(readme);
      expect(block, 'the README has a route inventory').to.not.equal(null);
      const documented = block![1]!.trim().split('\n');
      expect(documented).to.deep.equal((await fullRouteInventory(t.databaseUrl)).routes);
    });
  });

  describe('API10 unsafe consumption of APIs', () => {
    it("a provider's charge whose amount does not match the order is not fulfilled", async () => {
      const { orderId } = await orderOf('pm_card_authenticationRequired');
      await t.container.worker.drain();
      // The provider's charge is for the checkout total; the order now says otherwise (a tampered
      // total, or a charge made for a different amount): re-fetched, the two disagree.
      const ref = (await t.container.db('payments').where({ order_id: orderId }).first())
        .provider_ref as string;
      await t.container.db('orders').where({ id: orderId }).update({ total_cents: 999_999 });
      expect(await t.container.payments.syncCharge(ref, 'test')).to.equal('mismatch');
      expect((await t.container.db('orders').where({ id: orderId }).first()).status).to.equal('PENDING');
      const text = await t.container.metrics.registry.getSingleMetricAsString('shop_webhook_failures_total');
      expect(text).to.include('reason="amount_mismatch"} 1');
    });
  });
});

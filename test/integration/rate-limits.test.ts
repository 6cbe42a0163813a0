import { expect } from 'chai';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

const LOW = {
  RATE_LIMITS: 'true',
  RATE_LIMIT_LOGIN_IP: '6/1m',
  RATE_LIMIT_LOGIN_ACCOUNT: '3/15m',
  RATE_LIMIT_REGISTER_IP: '3/1h',
  RATE_LIMIT_CHECKOUT_USER: '2/1m',
  RATE_LIMIT_CART_USER: '4/1m',
  RATE_LIMIT_BROWSE_IP: '5/1m',
} as const;

function expectLimited(
  res: {
    status: number;
    body: { error: { code: string; details: { limit: string } } };
    headers: Record<string, string>;
  },
  limit: string,
) {
  expect(res.status).to.equal(429);
  expect(res.body.error.code).to.equal('rate_limited');
  expect(res.body.error.details.limit).to.equal(limit);
  expect(Number(res.headers['retry-after'])).to.be.within(1, 3_600);
}

for (const [label, redis] of [
  ['Redis', undefined],
  ['Redis down (in-memory insurance limiter)', 'redis://127.0.0.1:1'],
] as const) {
  describe(`rate limits (${label})`, function () {
    this.timeout(60_000);
    let t: TestContext;
    beforeEach(async () => {
      t = await createTestContext({ ...LOW, ...(redis ? { REDIS_URL: redis } : {}) });
    });
    afterEach(() => t.close());

    it('login: failed attempts per account, then any attempt per address', async () => {
      await t
        .request()
        .post('/auth/register')
        .send({ email: 'victim@test.local', password: 'right password' })
        .expect(201);
      for (let i = 0; i < 3; i++) {
        await t
          .request()
          .post('/auth/login')
          .send({ email: 'victim@test.local', password: `guess ${i}` })
          .expect(401);
      }
      // This address has used its attempts at this account: even the right password waits here
      // (from another address the owner still signs in: test/security/abuse-limits.test.ts).
      expectLimited(
        await t
          .request()
          .post('/auth/login')
          .send({ email: 'victim@test.local', password: 'right password' }),
        'login_account',
      );
      // Another account from the same address still signs in, until the address's own limit.
      await t
        .request()
        .post('/auth/register')
        .send({ email: 'other@test.local', password: 'other password' })
        .expect(201);
      await t
        .request()
        .post('/auth/login')
        .send({ email: 'other@test.local', password: 'other password' })
        .expect(200);
      await t
        .request()
        .post('/auth/login')
        .send({ email: 'other@test.local', password: 'other password' })
        .expect(200);
      expectLimited(
        await t.request().post('/auth/login').send({ email: 'other@test.local', password: 'other password' }),
        'login_ip',
      );
    });

    it('register per address', async () => {
      for (let i = 0; i < 3; i++) {
        await t
          .request()
          .post('/auth/register')
          .send({ email: `new${i}@test.local`, password: 'a fine password' })
          .expect(201);
      }
      expectLimited(
        await t
          .request()
          .post('/auth/register')
          .send({ email: 'new9@test.local', password: 'a fine password' }),
        'register_ip',
      );
      // The limit comes before any work: the refused registration made no account.
      expect(await t.container.users.findByEmail('new9@test.local')).to.equal(undefined);
    });

    it('checkout per user and cart writes per shopper; another shopper is not affected', async () => {
      const p = await createProduct(t.container.db, { stock: 50 });
      const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      await postCheckout(t, shopper).expect(201);
      await postCheckout(t, shopper).expect(409); // cart converted: still counted
      expectLimited(await postCheckout(t, shopper), 'checkout_user');
      for (let i = 0; i < 3; i++) {
        await t
          .request()
          .post('/cart/items')
          .set(shopper.auth)
          .send({ product_id: p.id, quantity: 1 })
          .expect(200);
      }
      expectLimited(
        await t.request().post('/cart/items').set(shopper.auth).send({ product_id: p.id, quantity: 1 }),
        'cart_user',
      );
      const other = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      await postCheckout(t, other).expect(201);
    });

    it('browse per address', async () => {
      for (let i = 0; i < 5; i++) await t.request().get('/categories').expect(200);
      expectLimited(await t.request().get('/products'), 'browse_ip');
      const text = await t.container.metrics.registry.getSingleMetricAsString('shop_rate_limited_total');
      expect(text).to.include('shop_rate_limited_total{limit="browse_ip"} 1');
    });

    it('X-Forwarded-For is ignored unless TRUST_PROXY_HOPS is set: a spoofed address does not reset the count', async () => {
      for (let i = 0; i < 5; i++)
        await t.request().get('/categories').set('X-Forwarded-For', `203.0.113.${i}`).expect(200);
      expectLimited(await t.request().get('/categories').set('X-Forwarded-For', '198.51.100.7'), 'browse_ip');
    });
  });
}

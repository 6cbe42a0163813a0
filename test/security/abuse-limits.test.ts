import { expect } from 'chai';
import {
  hashPassword,
  passwordWork,
  verifyAccountPassword,
  verifyPassword,
} from '../../src/users/passwords.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

/** Limits keyed on what the client cannot choose, and checked before the costly work they guard. */
describe('abuse limits hold against bursts and client-chosen keys', function () {
  this.timeout(120_000);
  let t: TestContext;
  afterEach(() => t?.close());

  const register = async (email: string, password = 'the right password') =>
    (await t.request().post('/auth/register').send({ email, password }).expect(201)).body as {
      user_id: string;
      token: string;
    };
  const login = (email: string, password: string, from?: string) => {
    const req = t.request().post('/auth/login');
    if (from) req.set('X-Forwarded-For', from);
    return req.send({ email, password });
  };

  describe('login (finding 2)', () => {
    beforeEach(async () => {
      t = await createTestContext({
        RATE_LIMITS: 'true',
        RATE_LIMIT_LOGIN_ACCOUNT: '10/15m',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
        RATE_LIMIT_REGISTER_IP: '1000/1m',
        TRUST_PROXY_HOPS: '1',
      });
    });

    it('a concurrent burst of 25 guesses gets at most 10 checked, and no token', async () => {
      await register('burst@test.local');
      const guesses = Array.from({ length: 24 }, (_, i) => `wrong ${i}`).concat('the right password');
      const answers = await Promise.all(guesses.map((g) => login('burst@test.local', g, '203.0.113.5')));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s !== 429)).to.have.length.at.most(10);
      expect(statuses.filter((s) => s === 429)).to.have.length.at.least(15);
      // The right password sent last in a burst is refused with the rest once the 10 are used.
      expect(answers.filter((a) => a.body.token)).to.have.length.at.most(1);
      expect(
        statuses.filter((s) => s === 401).length + statuses.filter((s) => s === 200).length,
      ).to.be.at.most(10);
    });

    it('ten wrong guesses from one address do not lock the owner out from theirs', async () => {
      await register('owner@test.local');
      for (let i = 0; i < 10; i++) await login('owner@test.local', `guess ${i}`, '203.0.113.66').expect(401);
      const attacker = await login('owner@test.local', 'guess 11', '203.0.113.66');
      expect(attacker.status).to.equal(429);
      const owner = await login('owner@test.local', 'the right password', '198.51.100.20');
      expect(owner.status).to.equal(200);
      expect(owner.body.token).to.be.a('string');
    });

    it('a right password after failures from the same address clears them', async () => {
      await register('clears@test.local');
      for (let i = 0; i < 9; i++) await login('clears@test.local', `guess ${i}`, '203.0.113.7').expect(401);
      await login('clears@test.local', 'the right password', '203.0.113.7').expect(200);
      for (let i = 0; i < 9; i++) await login('clears@test.local', `again ${i}`, '203.0.113.7').expect(401);
    });
  });

  describe('client addresses (finding 3)', () => {
    beforeEach(async () => {
      t = await createTestContext({
        RATE_LIMITS: 'true',
        RATE_LIMIT_BROWSE_IP: '5/1m',
        RATE_LIMIT_GUEST_CART_IP: '3/1h',
        RATE_LIMIT_CART_USER: '1000/1m',
        // The older spelling: one proxy in front.
        TRUST_PROXY: 'true',
      });
    });

    it('behind one proxy, the client is the rightmost X-Forwarded-For entry: a forged left part changes nothing', async () => {
      for (let i = 0; i < 5; i++) {
        await t.request().get('/categories').set('X-Forwarded-For', `10.0.0.${i}, 198.51.100.7`).expect(200);
      }
      const res = await t.request().get('/categories').set('X-Forwarded-For', '10.9.9.9, 198.51.100.7');
      expect(res.status).to.equal(429);
      // Another client behind the same proxy has its own count.
      await t.request().get('/categories').set('X-Forwarded-For', '198.51.100.8').expect(200);
    });

    it('IPv6 clients are counted per /64: walking the interface identifier resets nothing', async () => {
      for (let i = 1; i <= 5; i++) {
        await t
          .request()
          .get('/categories')
          .set('X-Forwarded-For', `2001:db8:7:1::${i.toString(16)}`)
          .expect(200);
      }
      const res = await t.request().get('/categories').set('X-Forwarded-For', '2001:db8:7:1:dead:beef:0:1');
      expect(res.status).to.equal(429);
      await t.request().get('/categories').set('X-Forwarded-For', '2001:db8:7:2::1').expect(200);
    });

    it('a fresh random X-Cart-Token per request does not buy unlimited guest carts', async () => {
      const p = await createProduct(t.container.db, { stock: 50 });
      const answers = [];
      for (let i = 0; i < 6; i++) {
        answers.push(
          await t
            .request()
            .post('/cart/items')
            .set('X-Forwarded-For', '203.0.113.40')
            .set('X-Cart-Token', `cart_forged_${i}_${Math.random().toString(36).slice(2)}`)
            .send({ product_id: p.id, quantity: 1 }),
        );
      }
      expect(answers.map((a) => a.status)).to.deep.equal([201, 201, 201, 429, 429, 429]);
      expect(answers[3]!.body.error.details.limit).to.equal('guest_cart_ip');
      const carts = await t.container
        .db('carts')
        .whereNull('user_id')
        .count<{ count: string }[]>('* as count');
      expect(Number(carts[0]!.count)).to.equal(3);
      // A guest with a cart keeps using it.
      const token = answers[0]!.body.cart_token as string;
      await t
        .request()
        .post('/cart/items')
        .set('X-Forwarded-For', '203.0.113.40')
        .set('X-Cart-Token', token)
        .send({ product_id: p.id, quantity: 2 })
        .expect(200);
    });

    it('a concurrent burst of new guest carts from one address creates no more than the limit', async () => {
      const p = await createProduct(t.container.db, { stock: 50 });
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          t
            .request()
            .post('/cart/items')
            .set('X-Forwarded-For', '203.0.113.41')
            .send({ product_id: p.id, quantity: 1 }),
        ),
      );
      expect(answers.filter((a) => a.status === 201)).to.have.length(3);
      expect(answers.filter((a) => a.status === 429)).to.have.length(9);
      const carts = await t.container
        .db('carts')
        .whereNull('user_id')
        .count<{ count: string }[]>('* as count');
      expect(Number(carts[0]!.count)).to.equal(3);
    });
  });

  describe('password change (finding 4)', () => {
    beforeEach(async () => {
      t = await createTestContext({
        RATE_LIMITS: 'true',
        RATE_LIMIT_PASSWORD_USER: '5/15m',
        RATE_LIMIT_LOGIN_ACCOUNT: '3/15m',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
        RATE_LIMIT_REGISTER_IP: '1000/1m',
      });
    });

    it('a stolen token cannot guess the current password: a burst is cut at the per-user limit', async () => {
      const { token } = await register('stolen@test.local');
      const guesses = Array.from({ length: 16 }, (_, i) => `guess ${i}`);
      const answers = await Promise.all(
        guesses.map((g) =>
          t
            .request()
            .post('/auth/password')
            .set('Authorization', `Bearer ${token}`)
            .send({ current_password: g, new_password: 'attacker password 1' }),
        ),
      );
      const checked = answers.filter((a) => a.status !== 429);
      expect(checked).to.have.length.at.most(5);
      expect(answers.filter((a) => a.status === 429)).to.have.length.at.least(11);
    });

    it('wrong current passwords count with failed logins of the account', async () => {
      const { token } = await register('counted@test.local');
      for (let i = 0; i < 3; i++) {
        await t
          .request()
          .post('/auth/password')
          .set('Authorization', `Bearer ${token}`)
          .send({ current_password: `guess ${i}`, new_password: 'attacker password 1' })
          .expect(403);
      }
      const res = await login('counted@test.local', 'another guess');
      expect(res.status).to.equal(429);
      expect(res.body.error.details.limit).to.equal('login_account');
    });

    it('password hashing runs at most two at a time, whatever the burst', async () => {
      const stored = await hashPassword('x');
      let peak = 0;
      const timer = setInterval(() => {
        peak = Math.max(peak, passwordWork.running);
      }, 1);
      try {
        await Promise.all(Array.from({ length: 16 }, () => verifyPassword('wrong', stored)));
      } finally {
        clearInterval(timer);
      }
      expect(peak).to.be.within(1, 2);
    });
  });

  describe('one account cannot take the hashing slots from the others (finding 4)', () => {
    it("an account's burst is checked one at a time, and another account's check runs beside it", async () => {
      const stored = await hashPassword('x');
      let peak = 0;
      const timer = setInterval(() => {
        peak = Math.max(peak, passwordWork.running);
      }, 1);
      try {
        const burst = Promise.all(
          Array.from({ length: 6 }, () => verifyAccountPassword('burst@test.local', 'wrong', stored)),
        );
        const started = performance.now();
        // The other account's one check waits for at most the burst's running hash, not its queue.
        const other = await verifyAccountPassword('other@test.local', 'x', stored);
        const otherMs = performance.now() - started;
        const burstStarted = performance.now();
        await burst;
        const burstMs = performance.now() - burstStarted + otherMs;
        expect(other).to.equal(true);
        expect(peak).to.be.at.most(2);
        expect(otherMs).to.be.below(burstMs / 2);
      } finally {
        clearInterval(timer);
      }
    });
  });

  describe('payment confirmations (finding 4)', () => {
    beforeEach(async () => {
      t = await createTestContext({ RATE_LIMITS: 'true', RATE_LIMIT_PAYMENT_CONFIRM_USER: '3/1m' });
    });

    it('each user may ask for a confirmation a few times a minute, whatever the order', async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      const order = await postCheckout(t, shopper, {
        payment_method: 'pm_card_authenticationRequired',
      }).expect(201);
      const confirm = () =>
        t.request().post(`/orders/${order.body.order_id}/payment/confirm`).set(shopper.auth).send();
      const answers = await Promise.all(Array.from({ length: 8 }, confirm));
      expect(answers.filter((a) => a.status === 429)).to.have.length(5);
      expect(answers.find((a) => a.status === 429)!.body.error.details.limit).to.equal(
        'payment_confirm_user',
      );
      // Another customer is not held back by this one.
      const other = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
      const theirs = await postCheckout(t, other, {
        payment_method: 'pm_card_authenticationRequired',
      }).expect(201);
      const res = await t
        .request()
        .post(`/orders/${theirs.body.order_id}/payment/confirm`)
        .set(other.auth)
        .send();
      expect(res.status).to.not.equal(429);
    });
  });

  describe('password hashes (finding 14)', () => {
    beforeEach(async () => {
      t = await createTestContext({});
    });

    // OWASP's Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1, or an equivalent pair.
    const OWASP_FLOOR: [n: number, r: number, p: number][] = [
      [2 ** 17, 8, 1],
      [2 ** 16, 8, 2],
      [2 ** 15, 8, 3],
      [2 ** 14, 8, 5],
      [2 ** 13, 8, 10],
    ];
    const atFloor = (hash: string) => {
      const [, n, r, p] = hash.split('$').map(Number);
      return OWASP_FLOOR.some(([fn, fr, fp]) => n! >= fn && r! >= fr && p! >= fp);
    };

    it('a new password is stored at or above the OWASP floor', async () => {
      const { user_id } = await register('floor@test.local');
      const row = await t.container.db('users').where({ id: user_id }).first();
      expect(row.password_hash, row.password_hash).to.satisfy(atFloor);
    });

    it('a password stored below the floor is upgraded at its next login', async () => {
      const { user_id } = await register('legacy@test.local', 'legacy password');
      // What the service stored before: N=2^15, r=8, p=1.
      const legacy = await import('node:crypto').then(({ scryptSync, randomBytes }) => {
        const salt = randomBytes(16);
        const key = scryptSync('legacy password', salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 << 20 });
        return `scrypt$32768$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
      });
      await t.container.db('users').where({ id: user_id }).update({ password_hash: legacy });
      expect(legacy).to.not.satisfy(atFloor);
      await login('legacy@test.local', 'legacy password').expect(200);
      const row = await t.container.db('users').where({ id: user_id }).first();
      expect(row.password_hash).to.satisfy(atFloor);
      await login('legacy@test.local', 'legacy password').expect(200);
    });
  });

  describe('answers that carry a credential are never stored (finding 8)', () => {
    beforeEach(async () => {
      t = await createTestContext({});
    });

    it('register, login and the first guest cart answer with Cache-Control: no-store', async () => {
      const reg = await t
        .request()
        .post('/auth/register')
        .send({ email: 'nostore@test.local', password: 'pw pw pw pw' });
      expect(reg.status).to.equal(201);
      expect(reg.headers['cache-control']).to.equal('no-store');
      const li = await login('nostore@test.local', 'pw pw pw pw');
      expect(li.status).to.equal(200);
      expect(li.headers['cache-control']).to.equal('no-store');
      const p = await createProduct(t.container.db, { stock: 5 });
      const cart = await t.request().post('/cart/items').send({ product_id: p.id, quantity: 1 });
      expect(cart.status).to.equal(201);
      expect(cart.headers['cache-control']).to.equal('no-store');
      // A refusal of a credential is not cached either.
      const wrong = await login('nostore@test.local', 'wrong');
      expect(wrong.headers['cache-control']).to.equal('no-store');
    });
  });
});

import { expect } from 'chai';
import { hashToken } from '../../src/users/passwords.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createUser } from '../support/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('sessions: expiry, logout, password change, revocation, a cache that cannot be forged', function () {
  this.timeout(60_000);
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ TOKEN_TTL: '3s' });
  });
  after(() => t.close());

  async function account(email: string, password = 'correct horse battery') {
    const res = await t.request().post('/auth/register').send({ email, password }).expect(201);
    return res.body.token as string;
  }

  it('a token stops working when it expires, even while cached', async () => {
    const token = await account('expiring@test.local');
    await t.request().get('/auth/me').set(bearer(token)).expect(200);
    await sleep(3_200);
    const res = await t.request().get('/auth/me').set(bearer(token)).expect(401);
    expect(res.body.error.message).to.match(/invalid, expired or revoked/);
  });

  it('logout ends this session only', async () => {
    const first = await account('leaving@test.local');
    const second = (
      await t
        .request()
        .post('/auth/login')
        .send({ email: 'leaving@test.local', password: 'correct horse battery' })
        .expect(200)
    ).body.token;
    await t.request().get('/auth/me').set(bearer(first)).expect(200); // cached now
    await t.request().post('/auth/logout').set(bearer(first)).expect(204);
    await t.request().get('/auth/me').set(bearer(first)).expect(401);
    await t.request().post('/auth/logout').set(bearer(first)).expect(401);
    await t.request().get('/auth/me').set(bearer(second)).expect(200);
  });

  it('a password change ends every session and answers a fresh token; the old password stops working', async () => {
    const a = await account('moving@test.local', 'old password 1');
    const b = (
      await t
        .request()
        .post('/auth/login')
        .send({ email: 'moving@test.local', password: 'old password 1' })
        .expect(200)
    ).body.token;
    await t
      .request()
      .post('/auth/password')
      .set(bearer(a))
      .send({ current_password: 'wrong', new_password: 'new password 2' })
      .expect(403);
    await t
      .request()
      .post('/auth/password')
      .set(bearer(a))
      .send({ current_password: 'old password 1', new_password: 'short' })
      .expect(400);
    const changed = await t
      .request()
      .post('/auth/password')
      .set(bearer(a))
      .send({ current_password: 'old password 1', new_password: 'new password 2' })
      .expect(200);
    expect(changed.body.revoked_sessions).to.equal(2);
    for (const old of [a, b]) await t.request().get('/auth/me').set(bearer(old)).expect(401);
    await t.request().get('/auth/me').set(bearer(changed.body.token)).expect(200);
    await t
      .request()
      .post('/auth/login')
      .send({ email: 'moving@test.local', password: 'old password 1' })
      .expect(401);
    await t
      .request()
      .post('/auth/login')
      .send({ email: 'moving@test.local', password: 'new password 2' })
      .expect(200);
  });

  it('shopctl users revoke ends every session of a user at once, across processes', async () => {
    const token = await account('mallory@test.local');
    await t.request().get('/auth/me').set(bearer(token)).expect(200); // cached in Redis
    const res = await shopctl(t, ['users', 'revoke', 'mallory@test.local', '--json']);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.json()).to.deep.equal({ email: 'mallory@test.local', revoked: 1 });
    await t.request().get('/auth/me').set(bearer(token)).expect(401);
    const unknown = await shopctl(t, ['users', 'revoke', 'nobody@test.local']);
    expect(unknown.code).to.equal(1);
  });

  it('an entry written straight into Redis mints no session and no admin', async () => {
    const customer = await createUser(t.container);
    // A made-up token with a hand-written entry claiming an admin.
    const forged = 'shp_made_up_token_0123456789';
    await t.container.cache.setJson(
      `auth:${hashToken(forged)}`,
      { user: { id: customer.id, email: customer.email, role: 'admin' }, expiresAt: null, sig: 'x' },
      60_000,
    );
    await t.request().get('/auth/me').set(bearer(forged)).expect(401);
    // The customer's own cached entry, its role rewritten: PostgreSQL says customer.
    await t.request().get('/auth/me').set(customer.auth).expect(200);
    const key = `auth:${hashToken(customer.token)}`;
    const entry = await t.container.cache.getJson<{ user: { role: string } }>(key);
    await t.container.cache.setJson(key, { ...entry, user: { ...entry!.user, role: 'admin' } }, 60_000);
    const me = await t.request().get('/auth/me').set(customer.auth).expect(200);
    expect(me.body.role).to.equal('customer');
    await t.request().get('/admin/orders').set(customer.auth).expect(403);
  });
});

import { expect } from 'chai';
import { createTestContext, type TestContext } from '../support/context.js';
import { createUser } from '../support/fixtures.js';

const PASSWORD = 'correct horse battery';

describe('auth: register, login, bearer tokens, roles', () => {
  let t: TestContext;
  let registered: { user_id: string; token: string };
  const email = 'Shopper.One@Example.com';

  before(async () => {
    t = await createTestContext();
    const res = await t
      .request()
      .post('/auth/register')
      .send({ email, password: PASSWORD, name: 'Shopper One' })
      .expect(201);
    registered = res.body;
  });

  after(() => t.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  describe('POST /auth/register', () => {
    it('answers 201 with the user id and a working token', async () => {
      expect(registered).to.have.all.keys('user_id', 'token');
      expect(registered.user_id).to.match(/^[0-9a-f-]{36}$/);
      expect(registered.token).to.be.a('string').with.length.above(20);

      const me = await t.request().get('/auth/me').set(bearer(registered.token)).expect(200);
      expect(me.body).to.deep.equal({ id: registered.user_id, email: email.toLowerCase(), role: 'customer' });
    });

    it('refuses a duplicate email, whatever its case, with 409 already_exists', async () => {
      for (const again of [email, email.toUpperCase(), email.toLowerCase()]) {
        const res = await t
          .request()
          .post('/auth/register')
          .send({ email: again, password: 'another password' })
          .expect(409);
        expect(res.body.error.code, again).to.equal('already_exists');
      }
      const rows = await t.container
        .db('users')
        .whereRaw('lower(email) = ?', [email.toLowerCase()])
        .count<{ count: number }[]>('* as count');
      expect(rows[0]?.count).to.equal(1);
    });

    const invalid: [what: string, body: Record<string, unknown>, field: string][] = [
      ['a bad email', { email: 'not-an-email', password: PASSWORD }, 'email'],
      ['a missing email', { password: PASSWORD }, 'email'],
      ['a short password', { email: 'short@example.com', password: 'short' }, 'password'],
      ['a missing password', { email: 'nopass@example.com' }, 'password'],
    ];
    for (const [what, body, field] of invalid) {
      it(`answers 400 naming ${field} for ${what}`, async () => {
        const res = await t.request().post('/auth/register').send(body).expect(400);
        expect(res.body.error.code).to.equal('validation_failed');
        expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include(field);
      });
    }

    it('refuses an unknown field (no mass assignment of role), naming it', async () => {
      const res = await t
        .request()
        .post('/auth/register')
        .send({ email: 'sneaky@example.com', password: PASSWORD, role: 'admin' })
        .expect(400);
      expect(res.body.error.code).to.equal('validation_failed');
      const details = res.body.error.details as { path: string; message: string }[];
      expect(details.some((d) => d.path === 'role' || d.message.includes('role'))).to.equal(true);
      expect(await t.container.users.findByEmail('sneaky@example.com')).to.equal(undefined);
    });
  });

  describe('POST /auth/login', () => {
    it('answers 200 with a new token; old and new tokens both work', async () => {
      const res = await t
        .request()
        .post('/auth/login')
        .send({ email: email.toUpperCase(), password: PASSWORD })
        .expect(200);
      expect(res.body).to.have.all.keys('user_id', 'token');
      expect(res.body.user_id).to.equal(registered.user_id);
      expect(res.body.token).to.not.equal(registered.token);
      for (const token of [res.body.token, registered.token]) {
        const me = await t.request().get('/auth/me').set(bearer(token)).expect(200);
        expect(me.body.id).to.equal(registered.user_id);
      }
    });

    it('answers the same 401 for a wrong password and an unknown email', async () => {
      const wrong = await t
        .request()
        .post('/auth/login')
        .send({ email, password: 'wrong password' })
        .expect(401);
      const unknown = await t
        .request()
        .post('/auth/login')
        .send({ email: 'nobody@example.com', password: PASSWORD })
        .expect(401);
      expect(wrong.body.error.code).to.equal('unauthorized');
      expect(unknown.body).to.deep.equal(wrong.body);
    });

    it('answers 401 for a user created without a password', async () => {
      const user = await createUser(t.container);
      const res = await t
        .request()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(401);
      expect(res.body.error.code).to.equal('unauthorized');
    });
  });

  describe('bearer tokens', () => {
    const headers: [what: string, value: string | undefined][] = [
      ['no Authorization header', undefined],
      ['an unknown token', 'Bearer shp_thisTokenWasNeverIssuedToAnyone'],
      ['a scheme other than Bearer', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['Bearer without a token', 'Bearer'],
      ['a token with spaces', 'Bearer two words'],
    ];
    for (const [what, value] of headers) {
      it(`answers 401 unauthorized for ${what}`, async () => {
        const req = t.request().get('/auth/me');
        if (value !== undefined) req.set('Authorization', value);
        const res = await req.expect(401);
        expect(res.body.error.code).to.equal('unauthorized');
        expect(res.body.error.message).to.be.a('string').and.not.be.empty;
      });
    }

    it('refuses a revoked token', async () => {
      const user = await createUser(t.container);
      await t.container.db('api_tokens').where({ user_id: user.id }).update({ revoked_at: new Date() });
      await t.request().get('/auth/me').set(user.auth).expect(401);
    });
  });

  describe('roles', () => {
    it('answers 403 forbidden to a customer on an admin route', async () => {
      const res = await t.request().get('/admin/users').set(bearer(registered.token)).expect(403);
      expect(res.body.error.code).to.equal('forbidden');
    });

    it('answers 401 on an admin route without a token', async () => {
      const res = await t.request().get('/admin/users').expect(401);
      expect(res.body.error.code).to.equal('unauthorized');
    });

    it('lets an admin list users, without password hashes', async () => {
      const admin = await createUser(t.container, 'admin');
      const res = await t.request().get('/admin/users').set(admin.auth).expect(200);
      const users = res.body.users as Record<string, unknown>[];
      expect(users.map((u) => u.email)).to.include.members([email.toLowerCase(), admin.email]);
      for (const u of users) expect(u).to.not.have.any.keys('password_hash', 'token_hash');
    });
  });

  describe('storage', () => {
    it('stores passwords as scrypt hashes only', async () => {
      const row = await t.container.db('users').where({ id: registered.user_id }).first('password_hash');
      expect(row.password_hash).to.match(/^scrypt\$/);
      expect(row.password_hash).to.not.include(PASSWORD);
    });

    it('stores tokens as hashes only', async () => {
      const rows: { token_hash: string }[] = await t.container
        .db('api_tokens')
        .where({ user_id: registered.user_id })
        .select('token_hash');
      expect(rows.length).to.be.at.least(1);
      for (const { token_hash } of rows) {
        expect(token_hash).to.not.equal(registered.token);
        expect(token_hash).to.not.include(registered.token);
      }
      const matches = await t.container
        .db('api_tokens')
        .where({ token_hash: registered.token })
        .count<{ count: number }[]>('* as count');
      expect(matches[0]?.count).to.equal(0);
    });
  });
});

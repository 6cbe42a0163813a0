import { expect } from 'chai';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('platform: errors, body limits, request ids', () => {
  describe('with a healthy store', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext();
    });
    after(() => t.close());

    it('answers an unknown route with 404 and the error shape', async () => {
      const res = await t.request().get('/no/such/route').expect(404);
      expect(res.body).to.have.all.keys('error');
      expect(res.body.error).to.have.all.keys('code', 'message');
      expect(res.body.error.code).to.equal('not_found');
      expect(res.body.error.message).to.include('/no/such/route');
    });

    it('answers malformed JSON with 400 bad_request', async () => {
      const res = await t
        .request()
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email": "a@b.c", "password": ')
        .expect(400);
      expect(res.body.error.code).to.equal('bad_request');
    });

    it('echoes a sane X-Request-Id', async () => {
      const res = await t.request().get('/healthz').set('X-Request-Id', 'client-req-42').expect(200);
      expect(res.headers['x-request-id']).to.equal('client-req-42');
    });

    it('generates an X-Request-Id when none or a malformed one is sent', async () => {
      const none = await t.request().get('/healthz').expect(200);
      expect(none.headers['x-request-id']).to.match(UUID);
      const other = await t.request().get('/healthz').expect(200);
      expect(other.headers['x-request-id']).to.match(UUID).and.not.equal(none.headers['x-request-id']);

      const injected = await t
        .request()
        .get('/healthz')
        .set('X-Request-Id', 'has spaces; and <html>')
        .expect(200);
      expect(injected.headers['x-request-id']).to.match(UUID);
    });

    it('sets X-Request-Id on error answers too', async () => {
      const res = await t.request().get('/products/999999').set('X-Request-Id', 'err-req-1').expect(404);
      expect(res.headers['x-request-id']).to.equal('err-req-1');
    });
  });

  describe('with a 1kb body limit', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext({ BODY_LIMIT: '1kb' });
    });
    after(() => t.close());

    it('answers a body over the limit with 413 payload_too_large', async () => {
      const res = await t
        .request()
        .post('/auth/register')
        .send({ email: 'big@example.com', password: 'x'.repeat(2_000) })
        .expect(413);
      expect(res.body).to.deep.equal({
        error: { code: 'payload_too_large', message: res.body.error.message },
      });
      expect(await t.container.users.findByEmail('big@example.com')).to.equal(undefined);
    });

    it('still accepts a body under the limit', async () => {
      await t
        .request()
        .post('/auth/register')
        .send({ email: 'small@example.com', password: 'long enough' })
        .expect(201);
    });
  });

  describe('when PostgreSQL is gone', () => {
    let t: TestContext;
    let productId: number;
    before(async () => {
      t = await createTestContext();
      productId = (await createProduct(t.container.db)).id;
      await t.container.db.destroy();
    });
    after(() => t.close());

    it('answers 500 internal with a generic message and no stack trace', async () => {
      const res = await t.request().get(`/products/${productId}`).set('X-Request-Id', 'boom-1').expect(500);
      expect(res.body).to.have.all.keys('error');
      expect(res.body.error).to.have.all.keys('code', 'message');
      expect(res.body.error.code).to.equal('internal');
      // The request id lets support find the logged error; nothing of the error itself leaks.
      expect(res.body.error.message).to.equal('Internal error (request boom-1)');
      expect(res.text).to.not.match(/\bat .+\.(ts|js):\d+/);
      expect(res.text.toLowerCase()).to.not.include('knex');
      expect(res.text.toLowerCase()).to.not.include('pool');
    });

    it('reports /readyz as 503 unavailable', async () => {
      const res = await t.request().get('/readyz').expect(503);
      expect(res.body).to.deep.equal({ status: 'unavailable', checks: { postgres: 'down', redis: 'up' } });
    });

    it('keeps /healthz (liveness) at 200', async () => {
      await t.request().get('/healthz').expect(200);
    });
  });
});

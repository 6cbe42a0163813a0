import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import supertest from 'supertest';
import { clientSchemaDrift } from '../../scripts/openapi-client.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { paymentsOf, placeOrder, statusOf } from '../support/orders.js';

/** The answer's body as bytes, whatever its type (supertest parses only what it knows). */
const bytes = (req: supertest.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe('storefront: the page, its files and the sandbox 3-D Secure page', function () {
  this.timeout(60_000);
  let t: TestContext;
  // The raw app: these pages are HTML for people, outside the API document the checked client uses.
  let http: () => supertest.Agent;

  before(async () => {
    t = await createTestContext();
    const server = createApp(t.container).callback();
    http = () => supertest.agent(server);
  });
  after(() => t.close());

  const assetsOf = (html: string) => ({
    script: /<script type="module" src="\/assets\/(app-[0-9a-f]+\.js)"><\/script>/.exec(html)?.[1],
    stylesheet: /<link rel="stylesheet" href="\/assets\/(styles-[0-9a-f]+\.css)">/.exec(html)?.[1],
  });

  it('GET / is the app shell: HTML, revalidated, under a CSP with no inline code and this origin alone', async () => {
    const res = await http().get('/').set('Accept-Encoding', 'identity').expect(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-cache');
    expect(res.headers.etag).to.match(/^"[\w-]+"$/);
    expect(res.headers.vary).to.equal('Accept-Encoding');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.include("script-src 'self';");
    expect(csp).to.include("connect-src 'self';");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).to.not.match(/unsafe-inline|unsafe-eval|stripe/);
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.text).to.match(/^<!DOCTYPE html>/);
    expect(res.text).to.include('<html lang="en">');
    expect(res.text).to.include('data-payments="sandbox"');
    expect(res.text, 'no inline script').to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    const { script, stylesheet } = assetsOf(res.text);
    expect(script, 'a hashed script').to.be.a('string');
    expect(stylesheet, 'a hashed stylesheet').to.be.a('string');

    await http()
      .get('/')
      .set('If-None-Match', res.headers.etag as string)
      .expect(304);
  });

  it('serves its files with their types, cached for a year, brotli or gzip as the client accepts', async () => {
    const shell = await http().get('/').expect(200);
    const { script, stylesheet } = assetsOf(shell.text);
    for (const [name, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [stylesheet, 'text/css; charset=utf-8'],
    ] as const) {
      const plain = await bytes(http().get(`/assets/${name}`).set('Accept-Encoding', 'identity')).expect(200);
      expect(plain.headers['content-type']).to.equal(type);
      expect(plain.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding']).to.equal(undefined);
      expect(plain.headers['content-security-policy']).to.include("script-src 'self'");

      const br = await http().get(`/assets/${name}`).set('Accept-Encoding', 'gzip, deflate, br').expect(200);
      expect(br.headers['content-encoding']).to.equal('br');
      expect(Number(br.headers['content-length'])).to.be.below((plain.body as Buffer).length / 2);

      const gz = await bytes(http().get(`/assets/${name}`).set('Accept-Encoding', 'gzip')).expect(200);
      expect(gz.headers['content-encoding']).to.equal('gzip');
      // supertest may or may not have inflated it: either way the bytes are the file's.
      const body = gz.body as Buffer;
      const inflated = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
      expect(inflated.equals(plain.body as Buffer)).to.equal(true);
    }
    // The script is the whole app: small enough for the page budget (100 KB compressed).
    const js = await bytes(http().get(`/assets/${script}`).set('Accept-Encoding', 'gzip')).expect(200);
    expect(Number(js.headers['content-length'])).to.be.below(100_000);
  });

  it('answers 404 for a file it does not have, and never a page for an API path', async () => {
    const res = await http().get('/assets/app-000000000000.js').expect(404);
    expect(res.body.error.code).to.equal('not_found');
    await http().get('/assets/..%2Fpackage.json').expect(404);
    const api = await http().get('/products').expect(200);
    expect(api.headers['content-type']).to.match(/^application\/json/);
  });

  describe('the sandbox 3-D Secure challenge', () => {
    it('completing it pays the order at once, also in a process that did not make the charge', async () => {
      const p = await createProduct(t.container.db, { stock: 3, price_cents: 1250 });
      const { orderId, shopper } = await placeOrder(
        t,
        [{ product_id: p.id, quantity: 1 }],
        'pm_card_threeDSecure2Required',
      );
      await t.container.worker.drain();
      expect(await statusOf(t, orderId)).to.equal('PENDING');
      const ref = (await paymentsOf(t, orderId))[0].provider_ref as string;

      // Another process (a fresh sandbox, with nothing of this charge in memory) shows the page.
      const other = createContainer(t.container.config, { logger: createLogger('silent') });
      try {
        const page = supertest(createApp(other).callback());
        const res = await page.get(`/sandbox/3ds/${ref}`).expect(200);
        expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).to.match(/^default-src 'none'; style-src 'sha256-/);
        expect(res.text).to.include('$12.50');
        expect(res.text).to.include('Complete authentication');
        expect(res.text).to.include('Fail authentication');

        const done = await page.post(`/sandbox/3ds/${ref}/complete`).expect(303);
        expect(done.headers.location).to.equal(`/#/orders/${orderId}?confirm=1`);
      } finally {
        await other.close();
      }
      expect(await statusOf(t, orderId)).to.equal('PAID');
      // The store's confirm, on any process, finds it settled.
      const view = await t.request().post(`/orders/${orderId}/payment/confirm`).set(shopper.auth).expect(200);
      expect(view.body.status).to.equal('PAID');
    });

    it('failing it fails the payment with a code the store explains', async () => {
      const p = await createProduct(t.container.db, { stock: 3 });
      const { orderId, shopper } = await placeOrder(
        t,
        [{ product_id: p.id, quantity: 1 }],
        'pm_card_threeDSecure2Required',
      );
      await t.container.worker.drain();
      const ref = (await paymentsOf(t, orderId))[0].provider_ref as string;
      await http().post(`/sandbox/3ds/${ref}/fail`).expect(303);
      const view = await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200);
      expect(view.body.status).to.equal('PAYMENT_FAILED');
      expect(view.body.payment.failure_code).to.equal('payment_intent_authentication_failure');
    });

    it('knows no reference it did not make', async () => {
      await http().get('/sandbox/3ds/pi_sandbox_bm90LWEtY2hhcmdl').expect(404);
      await http().post('/sandbox/3ds/pi_other_123/complete').expect(404);
    });

    it('exists only with the sandbox provider; with Stripe the CSP allows Stripe.js and nothing else new', async () => {
      const stripe = createContainer(
        loadConfig({
          LOG_LEVEL: 'silent',
          DATABASE_URL: t.databaseUrl,
          PAYMENT_PROVIDER: 'stripe',
          STRIPE_SECRET_KEY: 'sk_test_storefront',
          STRIPE_WEBHOOK_SECRET: 'whsec_storefront',
          STRIPE_PUBLISHABLE_KEY: 'pk_test_storefront',
        }),
        { logger: createLogger('silent') },
      );
      try {
        const app = supertest(createApp(stripe).callback());
        const res = await app.get('/sandbox/3ds/pi_sandbox_x').expect(404);
        expect(res.body.error.message).to.match(/^No route for/);
        await app.post('/sandbox/3ds/pi_sandbox_x/complete').expect(404);
        const shell = await app.get('/').expect(200);
        expect(shell.text).to.include('data-payments="stripe" data-stripe-key="pk_test_storefront"');
        const csp = shell.headers['content-security-policy'] as string;
        expect(csp).to.include("script-src 'self' https://js.stripe.com;");
        expect(csp).to.include('frame-src https://js.stripe.com https://hooks.stripe.com');
        expect(csp).to.not.include('unsafe-inline');
      } finally {
        await stripe.close();
      }
    });
  });

  it('the storefront client is generated from the current API document (npm run client:generate)', async () => {
    expect(await clientSchemaDrift()).to.equal(null);
  });
});

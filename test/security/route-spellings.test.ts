import { expect } from 'chai';
import supertest from 'supertest';
import { createApp, routeInventory } from '../../src/app.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

/**
 * Routes anyone may call. Every other route of the inventory needs a signed-in caller (and those
 * under /admin an admin), so a route added without a place here is tested as a guarded one.
 */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /docs',
  'GET /docs/:file',
  'GET /openapi.json',
  'GET /products',
  'GET /products/:id',
  'GET /products/suggest',
  'GET /categories',
  'GET /products/:id/recommendations',
  'POST /auth/register',
  'POST /auth/login',
  // A guest cart is the X-Cart-Token's; a signed-in caller's is their own.
  'GET /cart',
  'DELETE /cart',
  'POST /cart/items',
  'PATCH /cart/items/:product_id',
  'DELETE /cart/items/:product_id',
  'GET /cart/recommendations',
  // Signed by Stripe, checked by the route.
  'POST /webhooks/stripe',
  // The storefront: its page and files, for anyone; it calls the API like any client.
  'GET /',
  'GET /assets/:file',
  // The sandbox's 3-D Secure page (sandbox payments only): the charge reference is the secret, as
  // in a bank's challenge URL, and only the order's owner is shown it.
  'GET /sandbox/3ds/:ref',
  'POST /sandbox/3ds/:ref/complete',
  'POST /sandbox/3ds/:ref/fail',
]);

const METRICS_TOKEN = 'metrics-token-for-the-spelling-test';

/**
 * The ways a path can be spelt that a router, a proxy or a browser may treat as the same route:
 * each is tried on every guarded route.
 */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const [first = '', ...rest] = segments;
  const encodeFirstLetter = (s: string) =>
    s ? `%${s.charCodeAt(0).toString(16).padStart(2, '0')}${s.slice(1)}` : s;
  const encodeFirstLetterUpper = (s: string) =>
    s ? `%${s.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${s.slice(1)}` : s;
  const last = segments.length - 1;
  return [
    path,
    path.toUpperCase(),
    `/${first.charAt(0).toUpperCase()}${first.slice(1)}${rest.length ? `/${rest.join('/')}` : ''}`,
    `/${[first, ...rest.map((s, i) => (i === rest.length - 1 ? s.toUpperCase() : s))].join('/')}`,
    `${path}/`,
    `${path.toUpperCase()}/`,
    `/${path}`,
    path.replace(/\/(?=[^/]*$)/, '//'),
    `${path.replace(/^\//, '/./')}`,
    `/${[encodeFirstLetter(first), ...rest].join('/')}`,
    `/${[encodeFirstLetterUpper(first), ...rest].join('/')}`,
    `/${segments.map((s, i) => (i === last ? encodeFirstLetter(s) : s)).join('/')}`,
    `/${[first.replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`).toUpperCase(), ...rest].join('/')}`,
    `${path};x=1`,
    `${path}%2F`,
  ].filter((v, i, all) => all.indexOf(v) === i);
}

describe('guards hold whatever the spelling of a path', function () {
  this.timeout(120_000);
  let t: TestContext;
  let http: () => supertest.Agent;
  let guarded: { method: string; path: string; admin: boolean }[];
  let customer: Awaited<ReturnType<typeof createUser>>;

  before(async () => {
    t = await createTestContext({ METRICS_TOKEN });
    // The raw app, not the contract-checked client: most of these paths are in no document.
    const server = createApp(t.container).callback();
    http = () => supertest.agent(server);

    // Real ids, so that a request that slipped past a guard would reach a handler that answers.
    const product = await createProduct(t.container.db, { stock: 5 });
    const shopper = await shopperWithCart(t, [{ product_id: product.id, quantity: 1 }]);
    const order = await postCheckout(t, shopper).expect(201);
    customer = shopper;
    const values: Record<string, string> = {
      ':sku': product.sku,
      ':id': order.body.order_id,
      ':product_id': String(product.id),
    };
    guarded = routeInventory(t.container)
      .filter((route) => !PUBLIC.has(route))
      .map((route) => {
        const [method, template] = route.split(' ') as [string, string];
        const path = template.replace(/:\w+/g, (param) => values[param] ?? param);
        return { method, path, admin: template.startsWith('/admin') };
      });
  });
  after(() => t.close());

  it('the inventory has guarded routes of each kind, and every one refuses a caller without a token', async () => {
    const paths = guarded.map((r) => r.path);
    expect(paths.some((p) => p.startsWith('/admin/'))).to.equal(true);
    for (const prefix of ['/orders', '/notifications', '/auth/me', '/checkout', '/metrics']) {
      expect(
        paths.some((p) => p.startsWith(prefix)),
        prefix,
      ).to.equal(true);
    }
    for (const { method, path } of guarded) {
      const res = await send(method, path);
      expect(res.status, `${method} ${path}`).to.equal(401);
    }
  });

  /** What a refusal may be: 401, 403, or a 404 from the router itself (no handler ran). */
  function refused(res: supertest.Response) {
    if (res.status === 401 || res.status === 403) return true;
    return res.status === 404 && /^No route for /.test(res.body?.error?.message ?? '');
  }

  function send(method: string, path: string, headers: Record<string, string> = {}) {
    const agent = http();
    const req = agent[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path).set(headers);
    return method === 'GET' || method === 'DELETE' ? req : req.send({});
  }

  it('no spelling of a guarded path answers a caller without a token', async () => {
    const slipped: string[] = [];
    for (const { method, path } of guarded) {
      for (const spelt of spellings(path)) {
        const res = await send(method, spelt);
        if (!refused(res)) slipped.push(`${method} ${spelt} → ${res.status}`);
      }
    }
    expect(slipped).to.deep.equal([]);
  });

  it("no spelling of an admin path answers a customer's token", async () => {
    const slipped: string[] = [];
    for (const { method, path } of guarded.filter((r) => r.admin)) {
      for (const spelt of spellings(path)) {
        const res = await send(method, spelt, customer.auth);
        if (!refused(res)) slipped.push(`${method} ${spelt} → ${res.status}`);
      }
    }
    expect(slipped).to.deep.equal([]);
  });

  it('the app refuses any spelling of /admin before routing, as defence in depth', async () => {
    const spelt = [
      '/Admin/anything',
      '/ADMIN',
      '/%61dmin/users',
      '//admin/users',
      '/admin/',
      '/aDmIn%2Fusers',
    ];
    for (const path of spelt) {
      const anonymous = await http().get(path);
      expect(anonymous.status, path).to.equal(401);
      const asCustomer = await http().get(path).set(customer.auth);
      expect(asCustomer.status, path).to.equal(403);
    }
  });

  it('an admin still reaches the admin API, and the exact spelling is the only one routed', async () => {
    const admin = await createUser(t.container, 'admin');
    const ok = await http().get('/admin/users').set(admin.auth);
    expect(ok.status).to.equal(200);
    const res = await http().get('/Admin/users').set(admin.auth);
    expect(res.status).to.equal(404);
  });
});

import { expect } from 'chai';
import Koa from 'koa';
import supertest from 'supertest';
import { createContract, toOpenApiPath } from '../../src/openapi/contract.js';
import { createApiSpec } from '../../src/openapi/document.js';
import { createLogger } from '../../src/shared/logger.js';
import { requestContext } from '../../src/shared/middleware.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { ContractViolation, checkedAgent } from '../support/contract.js';
import { createProduct } from '../support/fixtures.js';
import { fullRouteInventory } from '../support/routes.js';

const operationsOf = (document: Record<string, unknown>) =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

/** Every `$ref` in the document, to check that each names a component that exists. */
function refsOf(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.add(inner);
      else refsOf(inner, found);
    }
  }
  return found;
}

describe('API document: the contract and its reference', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  describe('the document and the routes agree', () => {
    it('every route has an operation, and every operation a route', async () => {
      const inventory = await fullRouteInventory(t.databaseUrl);
      // The storefront's pages and the sandbox's challenge page are HTML for people, not API operations.
      const routes = inventory.routes
        .filter((r) => !inventory.pages.includes(r))
        .map((r) => {
          const [method, path] = r.split(' ') as [string, string];
          return `${method} ${toOpenApiPath(path)}`;
        });
      const documented = operationsOf(createApiSpec(inventory.config).document());
      expect(
        routes.filter((r) => !documented.includes(r)),
        'routes without an operation',
      ).to.deep.equal([]);
      expect(
        documented.filter((d) => !routes.includes(d)),
        'operations without a route',
      ).to.deep.equal([]);
    });

    it('GET /openapi.json serves the OpenAPI 3.1 document, whole and consistent', async () => {
      const res = await t.request().get('/openapi.json').expect(200);
      expect(res.body.openapi).to.equal('3.1.0');
      expect(res.body).to.deep.equal(createApiSpec(t.container.config).document());
      const components = res.body.components as Record<string, Record<string, unknown>>;
      for (const ref of refsOf(res.body)) {
        const [, , kind, name] = ref.split('/') as [string, string, string, string];
        expect(components[kind]?.[name], `${ref} resolves`).to.not.equal(undefined);
      }
      const ids = new Set<string>();
      type Op = { operationId?: string; responses: object; parameters?: { in: string; name: string }[] };
      for (const [path, item] of Object.entries(res.body.paths as Record<string, Record<string, Op>>)) {
        for (const [method, op] of Object.entries(item)) {
          expect(op.operationId, `${method} ${path} has an operationId`).to.be.a('string');
          expect(ids.has(op.operationId!), `${op.operationId} is unique`).to.equal(false);
          ids.add(op.operationId!);
          expect(op.responses, `${method} ${path} answers 500 on a fault`).to.have.property('500');
          // Every template parameter is declared as a path parameter.
          for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
            expect(
              op.parameters?.some((p) => p.in === 'path' && p.name === name),
              `${method} ${path} declares {${name}}`,
            ).to.equal(true);
          }
        }
      }
    });

    it('documents the error codes from the error table, each under its status', () => {
      type Enum = { enum: string[] };
      // Error<status>: an Error, narrowed to the codes of its status.
      type ErrorSchema = {
        allOf: [{ $ref: string }, { properties: { error: { properties: { code: Enum } } } }];
      };
      const doc = createApiSpec(t.container.config).document() as {
        components: { schemas: Record<string, ErrorSchema> & { ErrorCode: Enum } };
      };
      const schemas = doc.components.schemas;
      const codesOf = (status: number) =>
        schemas[`Error${status}`]!.allOf[1].properties.error.properties.code.enum;
      expect(schemas.ErrorCode.enum).to.include.members(['insufficient_stock', 'idempotency_key_reused']);
      expect(schemas.Error409!.allOf[0].$ref).to.equal('#/components/schemas/Error');
      expect(codesOf(409)).to.include('insufficient_stock');
      expect(codesOf(409)).to.not.include('not_found');
      expect(codesOf(422)).to.include('idempotency_key_reused');
    });
  });

  describe('answers are checked against it', () => {
    /** A stand-in service answering one fixed response, checked by the same agent the tests use. */
    function stub(answer: (ctx: Koa.Context) => void) {
      const app = new Koa();
      app.use(requestContext(createLogger('silent')) as Koa.Middleware);
      app.use(async (ctx) => answer(ctx));
      const contract = createContract(createApiSpec(t.container.config).routes);
      return checkedAgent(supertest.agent(app.callback()), contract);
    }
    const categories = { categories: [{ slug: 'kitchen', name: 'Kitchen', product_count: 3 }] };

    it('a body of the documented shape passes', async () => {
      await stub((ctx) => {
        ctx.body = categories;
      })
        .get('/categories')
        .expect(200);
    });

    it('a wrong shape fails the request that received it', async () => {
      const wrong = { categories: [{ slug: 'kitchen', name: 'Kitchen', product_count: '3' }] };
      const err = await stub((ctx) => {
        ctx.body = wrong;
      })
        .get('/categories')
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(ContractViolation);
      expect((err as Error).message)
        .to.include('GET /categories → 200')
        .and.include('categories.0.product_count');
    });

    it('an undocumented field, status, code or header fails too', async () => {
      const failures: [supertest.Test, string][] = [
        [
          stub((ctx) => {
            ctx.body = { categories: [], total: 1 };
          }).get('/categories'),
          'Unrecognized key: "total"',
        ],
        [
          stub((ctx) => {
            ctx.status = 202;
            ctx.body = categories;
          }).get('/categories'),
          'answered 202, which the document does not list',
        ],
        [
          stub((ctx) => {
            ctx.status = 409;
            ctx.body = { error: { code: 'not_found', message: 'x' } };
          }).post('/checkout'),
          'error.code',
        ],
        [
          stub((ctx) => {
            ctx.status = 201;
            ctx.body = {
              cart_id: '0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b',
              item_count: 1,
              total_cents: 100,
              cart_token: 'cart_x',
            };
          }).post('/cart/items'),
          'the X-Cart-Token header is missing',
        ],
        [
          stub((ctx) => {
            ctx.type = 'text/plain';
            ctx.body = 'ok';
          }).get('/healthz'),
          'the media type is text/plain, not application/json',
        ],
      ];
      for (const [request, problem] of failures) {
        const err = await request.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ContractViolation);
        expect((err as Error).message).to.include(problem);
      }
    });

    it("the test's own expectations are reported first", async () => {
      const err = await stub((ctx) => {
        ctx.body = { wrong: true };
      })
        .get('/categories')
        .expect(201)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect((err as Error).message).to.include('expected 201');
    });

    it('requests to no operation must answer the error body', async () => {
      await t.request().get('/no/such/route').expect(404);
      await t.request().post('/healthz').expect(405);
      const err = await stub((ctx) => {
        ctx.status = 404;
        ctx.body = { message: 'nope' };
      })
        .get('/no/such/route')
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(ContractViolation);
    });
  });

  describe('the reference page', () => {
    it('GET /docs is served with a policy that allows this origin alone', async () => {
      const res = await t
        .request()
        .get('/docs')
        .expect(200)
        .expect('Content-Type', /text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).to.include("script-src 'self'").and.include("connect-src 'self'");
      expect(csp).to.not.include('unsafe-inline').and.not.include('unsafe-eval').and.not.include('http');
      expect(res.text).to.include('/docs/swagger-ui-bundle.js').and.include('/docs/swagger-initializer.js');
      expect(res.text).to.not.match(/<script>|<style|https?:\/\//);
    });

    it("serves swagger-ui-dist's files and the initializer, nothing else", async () => {
      const css = await t
        .request()
        .get('/docs/swagger-ui.css')
        .expect(200)
        .expect('Content-Type', /text\/css/);
      expect(css.text.length).to.be.above(10_000);
      await t
        .request()
        .get('/docs/swagger-ui-bundle.js')
        .expect(200)
        .expect('Content-Type', /javascript/);
      const init = await t.request().get('/docs/swagger-initializer.js').expect(200);
      expect(init.text).to.include("url: '/openapi.json'").and.include('tryItOutEnabled: true');
      await t.request().get('/docs/favicon-32x32.png').expect(200).expect('Content-Type', 'image/png');
      for (const path of [
        '/docs/index.html',
        '/docs/package.json',
        '/docs/..%2Fpackage.json',
        '/docs/swagger-ui.js.map',
      ]) {
        await t.request().get(path).expect(404);
      }
    });

    it('the rest of the API keeps its own policy', async () => {
      await createProduct(t.container.db);
      const res = await t.request().get('/products').expect(200);
      expect(res.headers['content-security-policy']).to.equal("default-src 'none'; frame-ancestors 'none'");
    });
  });
});

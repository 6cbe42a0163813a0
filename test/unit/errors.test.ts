import { expect } from 'chai';
import Koa from 'koa';
import pino from 'pino';
import supertest from 'supertest';
import { z } from 'zod';
import { DomainError, ERROR_STATUS, isUniqueViolation, notFound } from '../../src/shared/errors.js';
import type { AppState } from '../../src/shared/http.js';
import { errorHandler } from '../../src/shared/middleware.js';

/** Every code the API speaks and its one status, written out: a new code must be added here on purpose. */
const EXPECTED_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  idempotency_key_missing: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  cart_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  insufficient_stock: 409,
  out_of_stock: 409,
  invalid_transition: 409,
  purchase_limit: 409,
  cart_converted: 409,
  cart_empty: 409,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  unprocessable: 422,
  quantity_limit_exceeded: 422,
  cart_full: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
  search_busy: 503,
} as const;

describe('domain errors (pure)', () => {
  it('has one status for each code of the closed set', () => {
    expect(ERROR_STATUS).to.deep.equal(EXPECTED_STATUS);
  });

  it('a DomainError carries its code, the status of that code, its message and details', () => {
    const err = new DomainError('insufficient_stock', 'Only 2 available', { product_id: 9, available: 2 });
    expect(err).to.be.instanceOf(Error);
    expect(err).to.include({
      name: 'DomainError',
      code: 'insufficient_stock',
      status: 409,
      message: 'Only 2 available',
    });
    expect(err.details).to.deep.equal({ product_id: 9, available: 2 });
    expect(new DomainError('rate_limited', 'Slow down').details).to.equal(undefined);
  });

  it('notFound() is a 404 not_found naming what is missing', () => {
    const err = notFound('Order', { order_id: 'o-1' });
    expect(err).to.include({ code: 'not_found', status: 404, message: 'Order not found' });
    expect(err.details).to.deep.equal({ order_id: 'o-1' });
  });

  it('isUniqueViolation() recognises PostgreSQL 23505, optionally of one constraint', () => {
    const dup = { code: '23505', constraint: 'users_email_key' };
    expect(isUniqueViolation(dup)).to.equal(true);
    expect(isUniqueViolation(dup, 'users_email_key')).to.equal(true);
    expect(isUniqueViolation(dup, 'products_sku_key')).to.equal(false);
    expect(isUniqueViolation({ code: '23503', constraint: 'users_email_key' })).to.equal(false);
    expect(isUniqueViolation({ code: 23505 })).to.equal(false);
    expect(isUniqueViolation(new Error('duplicate key'))).to.equal(false);
    expect(isUniqueViolation(null)).to.equal(false);
    expect(isUniqueViolation(undefined)).to.equal(false);
  });
});

/**
 * The error middleware alone in a Koa app (no database): `fail` decides what the handler after it
 * throws or leaves behind; every line logged at error level is kept in `logged`.
 */
function errorApp(fail: (ctx: Koa.ParameterizedContext<AppState>) => unknown) {
  const logged: { msg: string; err?: { message: string } }[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const app = new Koa<AppState>();
  app.use(async (ctx, next) => {
    ctx.state.requestId = 'req-42';
    ctx.state.logger = logger;
    await next();
  });
  app.use(errorHandler());
  app.use(async (ctx) => {
    await fail(ctx);
  });
  return { request: supertest(app.callback()), logged };
}

const thrown = (err: unknown) => () => {
  throw err;
};

describe('error middleware (no database)', () => {
  it('answers every DomainError code with the status of the table', async () => {
    for (const [code, status] of Object.entries(EXPECTED_STATUS)) {
      const { request } = errorApp(
        thrown(new DomainError(code as keyof typeof EXPECTED_STATUS, `m-${code}`)),
      );
      const res = await request.get('/');
      expect([code, res.status]).to.deep.equal([code, status]);
      expect(res.body).to.deep.equal({ error: { code, message: `m-${code}` } });
    }
  });

  it("passes a DomainError's details through, and sets Retry-After on a 429 that says when", async () => {
    const stock = errorApp(
      thrown(new DomainError('insufficient_stock', 'Only 2 available', { available: 2 })),
    );
    const res = await stock.request.get('/');
    expect(res.status).to.equal(409);
    expect(res.body).to.deep.equal({
      error: { code: 'insufficient_stock', message: 'Only 2 available', details: { available: 2 } },
    });
    expect(stock.logged).to.deep.equal([]);

    const limited = errorApp(
      thrown(new DomainError('rate_limited', 'Slow down', { retry_after_seconds: 7 })),
    );
    const slow = await limited.request.get('/');
    expect(slow.status).to.equal(429);
    expect(slow.headers['retry-after']).to.equal('7');
  });

  it('sets Retry-After on a 503 that says when, and logs a 503 it chose below error level', async () => {
    const busy = errorApp(
      thrown(new DomainError('search_busy', 'Too many searches', { retry_after_seconds: 1 })),
    );
    const res = await busy.request.get('/');
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect(busy.logged).to.deep.equal([]);
  });

  it('turns zod issues into a 400 validation_failed listing each path and message', async () => {
    const schema = z.object({ quantity: z.number().int('quantity must be a whole number') }).strict();
    const { request } = errorApp(() => schema.parse({ quantity: 1.5, price_cents: 1 }));
    const res = await request.get('/');
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({
      error: {
        code: 'validation_failed',
        message: 'Invalid request: quantity, price_cents',
        details: [
          { path: 'quantity', message: 'quantity must be a whole number' },
          { path: 'price_cents', message: 'unknown field(s): price_cents' },
        ],
      },
    });
  });

  it('names the body itself when a zod issue has no path', async () => {
    const { request } = errorApp(() =>
      z
        .object({})
        .strict()
        .parse('text', { error: () => 'send an object' }),
    );
    const res = await request.get('/');
    expect(res.status).to.equal(400);
    expect(res.body.error).to.deep.equal({
      code: 'validation_failed',
      message: 'Invalid request: (body)',
      details: [{ path: '', message: 'send an object' }],
    });
  });

  it('answers a PostgreSQL unique violation (23505) with a 409 conflict that leaks no SQL', async () => {
    const dup = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      constraint: 'users_email_key',
    });
    const { request, logged } = errorApp(thrown(dup));
    const res = await request.get('/');
    expect(res.status).to.equal(409);
    expect(res.body).to.deep.equal({ error: { code: 'conflict', message: 'The resource already exists' } });
    expect(logged).to.deep.equal([]);
  });

  it('answers anything unknown with a 500 naming only the request id, and logs the error', async () => {
    const { request, logged } = errorApp(thrown(new Error('password=hunter2 in a connection string')));
    const res = await request.get('/');
    expect(res.status).to.equal(500);
    expect(res.body).to.deep.equal({
      error: { code: 'internal', message: 'Internal error (request req-42)' },
    });
    expect(JSON.stringify(res.body)).to.not.include('hunter2');
    expect(logged.map((l) => [l.msg, l.err?.message])).to.deep.equal([
      ['unhandled error', 'password=hunter2 in a connection string'],
    ]);
  });

  it("maps the body parser's errors: too large, not JSON, malformed; an unexposed 400 stays a 500", async () => {
    const cases: [unknown, number, { code: string; message: string }][] = [
      [{ status: 413 }, 413, { code: 'payload_too_large', message: 'Request body is too large' }],
      [
        { type: 'entity.too.large' },
        413,
        { code: 'payload_too_large', message: 'Request body is too large' },
      ],
      [{ status: 415 }, 415, { code: 'unsupported_media_type', message: 'Send JSON' }],
      [
        Object.assign(new Error('Unexpected end of JSON input'), { status: 400, expose: true }),
        400,
        { code: 'bad_request', message: 'Unexpected end of JSON input' },
      ],
      [
        Object.assign(new Error('internal detail'), { status: 400, expose: false }),
        500,
        { code: 'internal', message: 'Internal error (request req-42)' },
      ],
    ];
    for (const [err, status, body] of cases) {
      const res = await errorApp(thrown(err)).request.get('/');
      expect([res.status, res.body]).to.deep.equal([status, { error: body }]);
    }
  });

  it('answers an unrouted path with 404 not_found and a 405 left without a body with method_not_allowed', async () => {
    const nowhere = await errorApp(() => undefined).request.get('/nowhere');
    expect([nowhere.status, nowhere.body]).to.deep.equal([
      404,
      { error: { code: 'not_found', message: 'No route for GET /nowhere' } },
    ]);
    const wrongMethod = await errorApp((ctx) => {
      ctx.status = 405;
    }).request.delete('/products');
    expect([wrongMethod.status, wrongMethod.body]).to.deep.equal([
      405,
      { error: { code: 'method_not_allowed', message: 'DELETE is not allowed on /products' } },
    ]);
  });

  it('leaves a handled answer alone', async () => {
    const res = await errorApp((ctx) => {
      ctx.status = 201;
      ctx.body = { ok: true };
    }).request.post('/');
    expect([res.status, res.body]).to.deep.equal([201, { ok: true }]);
  });
});

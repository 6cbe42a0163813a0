import { expect } from 'chai';
import { createContract, toOpenApiPath } from '../../src/openapi/contract.js';
import { createApiSpec } from '../../src/openapi/document.js';

const contract = createContract(createApiSpec({ cart: { maxQuantity: 10 } }).routes);
const ORDER = '5f3e2d1c-0b9a-4877-a665-544332211000';
const ok = { 'x-request-id': 'r-1', 'content-type': 'application/json; charset=utf-8' };
const opOf = (method: string, path: string) => {
  const op = contract.findOperation(method, path);
  return op && `${op.method} ${op.template}`;
};

describe('API contract checker', () => {
  it("writes the router's templates as the document does", () => {
    expect(toOpenApiPath('/orders/:id/payment/confirm')).to.equal('/orders/{id}/payment/confirm');
    expect(toOpenApiPath('/cart/items/:product_id')).to.equal('/cart/items/{product_id}');
  });

  it('finds the operation of a request as the router would', () => {
    expect(opOf('GET', `/orders/${ORDER}`)).to.equal('GET /orders/{id}');
    expect(opOf('POST', `/orders/${ORDER}/payment/confirm`)).to.equal('POST /orders/{id}/payment/confirm');
    expect(opOf('POST', '/admin/inventory/KIT-1/adjust')).to.equal('POST /admin/inventory/{sku}/adjust');
    expect(opOf('GET', '/docs')).to.equal('GET /docs');
    expect(opOf('GET', '/docs/swagger-ui.css')).to.equal('GET /docs/{file}');
    expect(opOf('GET', '/products?limit=5')).to.equal('GET /products');
    expect(opOf('GET', '/cart/')).to.equal('GET /cart');
    // The router answers HEAD for every GET route.
    expect(opOf('HEAD', '/products')).to.equal('GET /products');
    expect(opOf('PUT', '/products')).to.equal(undefined);
    expect(opOf('GET', '/orders/1/2')).to.equal(undefined);
  });

  it('accepts an answer the document describes', () => {
    const answer = { method: 'GET', path: '/healthz', status: 200, headers: ok, body: { status: 'ok' } };
    expect(contract.check(answer)).to.deep.equal([]);
    const noContent = {
      method: 'POST',
      path: '/auth/logout',
      status: 204,
      headers: { 'x-request-id': 'r' },
      body: {},
    };
    expect(contract.check({ ...noContent, text: '' })).to.deep.equal([]);
  });

  it('refuses a wrong body, status, header or media type', () => {
    const answer = { method: 'GET', path: '/healthz', status: 200, headers: ok, body: { status: 'ok' } };
    expect(contract.check({ ...answer, body: { status: 'fine' } })[0]).to.include('status');
    expect(contract.check({ ...answer, status: 201 })[0]).to.include('does not list');
    expect(contract.check({ ...answer, headers: { 'content-type': 'application/json' } })[0]).to.include(
      'X-Request-Id header is missing',
    );
    expect(contract.check({ ...answer, headers: { ...ok, 'content-type': 'text/html' } })[0]).to.include(
      'media type',
    );
    const logout = { method: 'POST', path: '/auth/logout', status: 204, headers: ok, body: {}, text: 'x' };
    expect(contract.check(logout)[0]).to.include('expected no body');
  });

  it("checks an error's code against its status", () => {
    const error = (status: number, code: string) => ({
      method: 'POST',
      path: '/checkout',
      status,
      headers: ok,
      body: { error: { code, message: 'm' } },
    });
    expect(contract.check(error(409, 'out_of_stock'))).to.deep.equal([]);
    expect(contract.check(error(409, 'not_found'))[0]).to.include('error.code');
    expect(contract.check(error(422, 'idempotency_key_reused'))).to.deep.equal([]);
    // Validation details are [{path, message}].
    const invalid = error(400, 'validation_failed');
    expect(
      contract.check({
        ...invalid,
        body: { error: { ...invalid.body.error, details: [{ path: 'cart_id' }] } },
      }),
    ).to.have.length(1);
  });

  it('requests to no operation must still answer the error body', () => {
    const unrouted = { method: 'GET', path: '/nope', status: 404, headers: ok };
    expect(
      contract.check({ ...unrouted, body: { error: { code: 'not_found', message: 'No route' } } }),
    ).to.deep.equal([]);
    expect(contract.check({ ...unrouted, body: { message: 'No route' } })).to.have.length(1);
    expect(contract.check({ ...unrouted, status: 200, body: {} })[0]).to.include('is no operation');
  });
});

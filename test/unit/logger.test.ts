import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/shared/logger.js';

describe('the logger', () => {
  it('redacts passwords at the top level and one level down, and the credentials in request headers', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const log = createLogger('info', {}, sink);
    log.info({ password: 'hunter2', email: 'a@example.test' }, 'top level');
    log.info({ user: { password: 'hunter2', email: 'a@example.test' } }, 'nested');
    log.info(
      {
        req: {
          headers: { authorization: 'Bearer secret-token', 'x-cart-token': 'cart-secret', accept: '*/*' },
        },
      },
      'request',
    );
    const text = JSON.stringify(lines);
    expect(text).not.to.include('hunter2');
    expect(text).not.to.include('secret-token');
    expect(text).not.to.include('cart-secret');
    expect(lines[0]).to.include({ password: '[Redacted]', email: 'a@example.test' });
    expect(lines[1]!.user).to.deep.equal({ password: '[Redacted]', email: 'a@example.test' });
    expect((lines[2]!.req as { headers: Record<string, string> }).headers).to.deep.equal({
      authorization: '[Redacted]',
      'x-cart-token': '[Redacted]',
      accept: '*/*',
    });
  });
});

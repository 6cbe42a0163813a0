import { expect } from 'chai';
import { drainingSchema } from '../../src/health/schemas.js';
import { startServer } from '../../src/server.js';
import { createTestContext, type TestContext } from '../support/context.js';

/** GET through a real socket: the status, or the error a closed port gives. */
const get = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
    (res) => res.status,
    (err: Error) => (err.cause as { code?: string })?.code ?? err.message,
  );

describe('stopping a process behind a load balancer', () => {
  let t: TestContext;

  afterEach(() => t?.close());

  it('drains: /readyz answers 503 for SHUTDOWN_DRAIN while every other request is served, then the port closes', async () => {
    t = await createTestContext({ SHUTDOWN_DRAIN: '600ms' });
    const running = await startServer(t.container, 0);
    expect(await get(`${running.url}/readyz`)).to.equal(200);

    const started = Date.now();
    const stopped = running.stop();
    expect(running.draining).to.equal(true);
    const readyz = await fetch(`${running.url}/readyz`);
    expect(readyz.status).to.equal(503);
    // The answer the document gives for it (Draining), not a readiness report with its checks missing.
    expect(drainingSchema.parse(await readyz.json())).to.deep.equal({ status: 'draining' });
    expect(await get(`${running.url}/healthz`)).to.equal(200);
    expect(await get(`${running.url}/categories`)).to.equal(200);
    await stopped;
    expect(Date.now() - started).to.be.at.least(600);
    expect(await get(`${running.url}/healthz`)).to.equal('ECONNREFUSED');
  });

  it('without a balancer (SHUTDOWN_DRAIN unset, no TRUST_PROXY_HOPS) or with drain: false it stops at once', async () => {
    t = await createTestContext({ TRUST_PROXY_HOPS: '1' });
    expect(t.container.config.shutdown.drainMs).to.equal(2_000);
    const running = await startServer(t.container, 0);
    const started = Date.now();
    await running.stop({ drain: false });
    expect(Date.now() - started).to.be.below(1_000);

    const alone = await createTestContext();
    try {
      expect(alone.container.config.shutdown.drainMs).to.equal(0);
    } finally {
      await alone.close();
    }
  });
});

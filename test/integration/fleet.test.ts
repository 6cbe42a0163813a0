import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import {
  haproxyPresent,
  type Proc,
  serverStates,
  startHaproxy,
  startService,
  stopProc,
} from '../../scripts/fleet.js';
import { loadConfig } from '../../src/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { ADDRESS } from '../support/checkout.js';
import { baseUrls, createTestDatabase, dropTestDatabase } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

/** A port nothing listens on now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

interface Answer {
  status: number | string;
  body?: Record<string, unknown>;
}

/** One request through the balancer: the status (or the network error's code) and the JSON body. */
async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  } catch (err) {
    return { status: ((err as Error).cause as { code?: string })?.code ?? (err as Error).message };
  }
}

/** Reads from `workers` loops until stop(): every answer's status, counted. */
function readLoad(url: string, workers: number) {
  const statuses = new Map<number | string, number>();
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const { status } = await call(url);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  return {
    statuses,
    async stop() {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

// HAProxy and three real service processes (bin/server.ts, background jobs on) on a database of
// their own: what the balancer, the proxy hop and the drain promise, shown from outside.
describe('the fleet: HAProxy in front of three service processes', function () {
  this.timeout(120_000);
  let databaseUrl: string;
  let container: Container;
  let services: (Proc & { url: string })[] = [];
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  let url: string;
  let productId: number;

  before(async function () {
    if (!haproxyPresent()) {
      process.stderr.write(
        'haproxy is not installed (apt-get install haproxy): the fleet tests are skipped\n',
      );
      this.skip();
    }
    databaseUrl = await createTestDatabase();
    const { redisUrl } = baseUrls();
    const prefix = `test:${process.pid}:fleet:`;
    container = createContainer(
      loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        WORKERS: 'false',
      }),
    );
    productId = (await createProduct(container.db, { stock: 10_000, price_cents: 1_500 })).id;

    const ports = await Promise.all([1, 2, 3].map(freePort));
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      DB_POOL_MAX: '5',
      SANDBOX_LATENCY: '0',
      MAX_PENDING_ORDERS: '0',
      // The limits are on, all of them far off but login's, which the forged addresses test.
      RATE_LIMITS: 'true',
      RATE_LIMIT_LOGIN_IP: '5/1m',
      RATE_LIMIT_CHECKOUT_IP: '100000/1m',
      RATE_LIMIT_CHECKOUT_USER: '100000/1m',
      RATE_LIMIT_CART_USER: '100000/1m',
      RATE_LIMIT_BROWSE_IP: '100000/1m',
    };
    services = await Promise.all(ports.map((port, i) => startService({ name: `shop${i + 1}`, port, env })));
    const [port, statsPort] = [await freePort(), await freePort()];
    haproxy = await startHaproxy({ ports, bind: `127.0.0.1:${port}`, statsBind: `127.0.0.1:${statsPort}` });
    url = `http://127.0.0.1:${port}`;
    await waitForStates(['UP', 'UP', 'UP'], 5_000);
  });

  after(async () => {
    await Promise.all(services.map((s) => stopProc(s, 'SIGINT')));
    await haproxy?.stop();
    await container?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const states = async () => [...(await serverStates(haproxy!.statsUrl)).values()];

  /** Waits until HAProxy shows the servers in these states (UP, DOWN, …, as a prefix); answers how long it took. */
  async function waitForStates(expected: string[], timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const now = (await states()).map((s) => s.status);
      if (expected.every((e, i) => now[i]?.startsWith(e))) return Date.now() - started;
      if (Date.now() - started > timeoutMs)
        throw new Error(`servers ${now.join(', ')}, waited for ${expected}`);
      await sleep(50);
    }
  }

  /** A shopper with the product in their cart, ready to check out through the balancer. */
  async function shopper() {
    const user = await createUser(container);
    const added = await call(`${url}/cart/items`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ product_id: productId, quantity: 1 }),
    });
    expect(added.status).to.be.oneOf([200, 201]);
    return { ...user, cartId: added.body!.cart_id as string };
  }

  const checkout = (s: Awaited<ReturnType<typeof shopper>>, key: string) =>
    call(`${url}/checkout`, {
      method: 'POST',
      headers: { ...s.auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ cart_id: s.cartId, shipping_address: ADDRESS, payment_method: 'pm_card_visa' }),
    });

  it('spreads requests over every process', async () => {
    const before = await states();
    const answers = await Promise.all(Array.from({ length: 90 }, () => call(`${url}/categories`)));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(90).fill(200));
    const served = (await states()).map((s, i) => s.ok - before[i]!.ok);
    expect(served.reduce((a, b) => a + b, 0)).to.equal(90);
    for (const n of served) expect(n, `answers per process: ${served}`).to.be.at.least(15);
  });

  it('counts a client under its own address whatever X-Forwarded-For it sends', async () => {
    const statuses: (number | string)[] = [];
    for (let i = 1; i <= 8; i++) {
      const { status } = await call(`${url}/auth/login`, {
        method: 'POST',
        // A new forged address every time, and a chain that names a trusted-looking proxy.
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}, 10.0.0.${i}` },
        body: JSON.stringify({ email: `nobody${i}@test.local`, password: 'wrong-password' }),
      });
      statuses.push(status);
    }
    // RATE_LIMIT_LOGIN_IP=5/1m: the forged addresses all counted as 127.0.0.1, HAProxy's entry.
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it('a process killed (SIGKILL) is out of rotation within 2 s, reads keep succeeding, and keyed checkouts retried after the kill end with one order each', async () => {
    const buyers = await Promise.all(Array.from({ length: 24 }, () => shopper()));
    const load = readLoad(`${url}/products/${productId}`, 6);
    await sleep(300);
    // Checkouts in flight as the process dies: each buyer retries with the same key until an answer.
    const outcomes = buyers.map(async (b, i) => {
      await sleep(i * 25);
      const key = `fleet-kill-${i}`;
      const seen: (number | string)[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        const { status, body } = await checkout(b, key);
        seen.push(status);
        if (status === 201) return { seen, orderId: body!.order_id as string };
        await sleep(200);
      }
      return { seen, orderId: null };
    });
    await sleep(300);
    const killedAt = Date.now();
    services[2]!.child.kill('SIGKILL');
    const out = await waitForStates(['UP', 'UP', 'DOWN'], 5_000);
    expect(Date.now() - killedAt, 'time until HAProxy marked it DOWN').to.be.below(2_000);
    await sleep(500);
    const reads = await load.stop();
    const results = await Promise.all(outcomes);

    expect(Object.fromEntries(reads), `reads (out of rotation after ${out} ms)`).to.have.keys('200');
    for (const [i, r] of results.entries()) {
      expect(r.orderId, `buyer ${i}: ${r.seen}`).to.be.a('string');
    }
    const orders = await container
      .db('orders')
      .whereIn(
        'user_id',
        buyers.map((b) => b.id),
      )
      .select('user_id', 'id', 'idempotency_key');
    expect(orders).to.have.length(buyers.length);
    expect(new Set(orders.map((o) => o.user_id)).size).to.equal(buyers.length);
    expect(orders.map((o) => o.id).sort()).to.deep.equal(results.map((r) => r.orderId).sort());
  });

  it('a process stopped with SIGTERM while requests are in flight drains: no request fails', async () => {
    const buyers = await Promise.all(Array.from({ length: 16 }, () => shopper()));
    const load = readLoad(`${url}/products/${productId}`, 6);
    await sleep(300);
    const term = stopProc(services[1]!, 'SIGTERM');
    // Checkouts sent through the drain, one try each: none may fail.
    const checkouts = await Promise.all(
      buyers.map(async (b, i) => {
        await sleep(i * 150);
        return (await checkout(b, `fleet-term-${i}`)).status;
      }),
    );
    expect(await term).to.equal(0);
    const reads = await load.stop();
    expect(checkouts).to.deep.equal(Array(buyers.length).fill(201));
    expect(Object.fromEntries(reads)).to.have.keys('200');
    expect((await states()).map((s) => s.status.split(' ')[0])).to.deep.equal(['UP', 'DOWN', 'DOWN']);
  });
});

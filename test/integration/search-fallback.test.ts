import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import type supertest from 'supertest';
import type { Env } from '../../src/config.js';
import type { SearchClient } from '../../src/search/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { requireOpenSearch } from '../support/opensearch.js';
import { adminClient, buildIndex, dropIndexes, testIndexPrefix } from '../support/search-index.js';
import { until } from '../support/wait.js';

/**
 * The engine failing, and browse not: down, slower than SEARCH_TIMEOUT or without its index, every
 * search is answered from PostgreSQL (never a 5xx), counted by reason; the breaker opens after
 * SEARCH_BREAKER_FAILURES in a row (/readyz degraded, shop_search_backend_up 0) and closes once a
 * probe finds the engine back.
 */

type Res = supertest.Response;
const names = (res: Res) => (res.body.products as { name: string }[]).map((p) => p.name);

/** A TCP server that accepts connections and never answers: an engine stuck in a long GC pause. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * The real engine behind a cable the test can pull: cut, every connection (open or new) is dropped
 * at once, as when the engine's host goes away; mended, connections reach the engine again.
 */
async function cable(target: string) {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let cut = false;
  const server = createServer((socket) => {
    if (cut) {
      socket.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const s of [socket, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    mend() {
      cut = false;
    },
    close: async () => {
      cut = true;
      for (const s of open) s.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

async function fallbacks(t: TestContext): Promise<Record<string, number>> {
  const { values } = await t.container.metrics.searchFallbacks.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.reason), v.value]));
}

/** /readyz's answer, always a 200 here: PostgreSQL and Redis are up, the engine is `search`. */
const readiness = async (t: TestContext, search: 'up' | 'down') => {
  const res = await t.request().get('/readyz').expect(200);
  expect(res.body).to.deep.equal({
    status: search === 'up' ? 'ready' : 'degraded',
    checks: { postgres: 'up', redis: 'up', search },
  });
};

const backendUp = async (t: TestContext) =>
  (await t.container.metrics.searchBackendUp.get()).values[0]?.value;

/** Browse without Redis's copies: every request asks the search backend. */
async function browse(t: TestContext, query: string, status = 200): Promise<Res> {
  await t.container.cache.delPattern('search:*');
  return t.request().get(`/products${query}`).expect(status);
}

async function seed(t: TestContext) {
  const { db } = t.container;
  await createProduct(db, {
    name: 'Smart Television',
    description: 'A 55-inch 4K panel.',
    category: 'video',
  });
  await createProduct(db, { name: 'Wireless Headphones', description: 'Over-ear.', category: 'audio' });
  for (let i = 0; i < 12; i++) {
    await createProduct(db, { name: `Bulk Item ${i}`, category: 'bulk', price_cents: 1_000 + (i % 4) });
  }
}

const SHOPPER_QUERIES = [
  '?search=wireless',
  '?search=wireles%20headph&in_stock=true',
  '?category=bulk&sort=price_asc&limit=5',
  '?category=bulk&sort=name&page=2&limit=5',
  '?min_price=1000&max_price=1002&sort=newest',
];

describe('search fallback: the engine fails, browse does not', () => {
  describe('engine unreachable (a closed port)', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext({
        SEARCH_BACKEND: 'opensearch',
        OPENSEARCH_URL: `http://127.0.0.1:${await closedPort()}`,
        SEARCH_BREAKER_FAILURES: '3',
        // Long enough that no probe runs during this suite.
        SEARCH_BREAKER_PROBE: '10m',
      });
      await seed(t);
    });
    after(() => t.close());

    it('answers browse and suggest from PostgreSQL, counting each failure as unreachable', async () => {
      const res = await browse(t, '?search=wireless');
      expect(names(res)).to.deep.equal(['Wireless Headphones']);
      expect(res.body).to.include({ total: 1, total_is_estimate: false });
      // The summary and the page are one search on the engine: one failure.
      expect(await fallbacks(t)).to.deep.equal({ unreachable: 1 });
      expect(await backendUp(t)).to.equal(1);
      await readiness(t, 'up');
    });

    it('opens the breaker at the third failure in a row: /readyz degraded, the engine no longer tried', async () => {
      expect(names(await browse(t, '?search=television'))).to.deep.equal(['Smart Television']);
      expect(await fallbacks(t)).to.deep.equal({ unreachable: 2 });
      await readiness(t, 'up');
      const suggest = await t.request().get('/products/suggest?q=headph').expect(200);
      expect(suggest.body).to.deep.equal({ suggestions: [{ text: 'Wireless Headphones' }] });
      expect(await fallbacks(t)).to.deep.equal({ unreachable: 3 });
      expect(await backendUp(t)).to.equal(0);
      await readiness(t, 'down');
      const res = await browse(t, '?category=bulk&sort=price_asc&limit=5');
      expect(res.body.total).to.equal(12);
      expect(await fallbacks(t)).to.deep.equal({ unreachable: 3, breaker_open: 1 });
      const scrape = (await t.request().get('/metrics').expect(200)).text;
      expect(scrape).to.match(/^shop_search_backend_up 0$/m);
      expect(scrape).to.match(/^shop_search_fallbacks_total\{reason="breaker_open"\} 1$/m);
    });

    it('never answers a shopper with a 5xx: pages, cursors and suggestions at once', async () => {
      await t.container.cache.delPattern('search:*');
      const first = await t.request().get('/products?category=bulk&sort=price_desc&limit=5').expect(200);
      const answers = await Promise.all([
        ...SHOPPER_QUERIES.map((q) => t.request().get(`/products${q}`)),
        t.request().get(`/products?category=bulk&sort=price_desc&limit=5&cursor=${first.body.next_cursor}`),
        t.request().get('/products/suggest?q=bulk%20it'),
      ]);
      expect(answers.map((a) => a.status)).to.deep.equal(answers.map(() => 200));
    });
  });

  describe('engine too slow (past SEARCH_TIMEOUT)', () => {
    let t: TestContext;
    let hole: Awaited<ReturnType<typeof blackHole>>;
    before(async () => {
      hole = await blackHole();
      t = await createTestContext({
        SEARCH_BACKEND: 'opensearch',
        OPENSEARCH_URL: hole.url,
        SEARCH_TIMEOUT: '100ms',
        SEARCH_BREAKER_PROBE: '10m',
      });
      await seed(t);
    });
    after(async () => {
      await t.close();
      await hole.close();
    });

    it('answers from PostgreSQL once the deadline passes, counting a timeout', async () => {
      const started = Date.now();
      const res = await browse(t, '?search=television');
      expect(names(res)).to.deep.equal(['Smart Television']);
      // One search (summary and page), given 100 ms: well under a second.
      expect(Date.now() - started).to.be.below(1_000);
      expect(await fallbacks(t)).to.deep.equal({ timeout: 1 });
    });
  });

  describe('on a real engine', () => {
    let url: string;
    let admin: SearchClient;
    const prefixes: string[] = [];
    const contexts: TestContext[] = [];

    before(async function () {
      url = await requireOpenSearch(this);
      admin = adminClient(url);
    });
    after(async () => {
      for (const t of contexts) await t.close();
      if (admin) {
        for (const prefix of prefixes) await dropIndexes(admin, prefix);
        await admin.close();
      }
    });

    async function store(env: Env, { indexed = true } = {}) {
      const prefix = testIndexPrefix();
      prefixes.push(prefix);
      const t = await createTestContext({
        SEARCH_BACKEND: 'opensearch',
        OPENSEARCH_URL: url,
        OPENSEARCH_INDEX_PREFIX: prefix,
        AUTH_CACHE_SECRET: 'search-fallback-cursor-secret-0123456789',
        ...env,
      });
      contexts.push(t);
      await seed(t);
      if (indexed) await buildIndex(t.container, admin, prefix);
      return t;
    }

    it('its index missing: answered from PostgreSQL, counted as index_missing', async () => {
      const t = await store({}, { indexed: false });
      expect(names(await browse(t, '?search=wireless'))).to.deep.equal(['Wireless Headphones']);
      expect(await fallbacks(t)).to.deep.equal({ index_missing: 1 });
    });

    it('a 1 ms deadline: answered from PostgreSQL, counted as timeouts', async () => {
      const t = await store({ SEARCH_TIMEOUT: '1ms', SEARCH_BREAKER_FAILURES: '1000' });
      for (const query of SHOPPER_QUERIES) await browse(t, query);
      const counted = await fallbacks(t);
      expect(counted.timeout, JSON.stringify(counted)).to.be.at.least(SHOPPER_QUERIES.length);
      expect(Object.keys(counted)).to.deep.equal(['timeout']);
    });

    it('cut off: PostgreSQL answers, cursors read on across backends; mended: a probe closes the breaker', async () => {
      const line = await cable(url);
      try {
        const t = await store({
          OPENSEARCH_URL: line.url,
          SEARCH_BREAKER_FAILURES: '1',
          SEARCH_BREAKER_PROBE: '300ms',
          SEARCH_TIMEOUT: '5s',
        });
        // Only the engine knows tv is a television: which backend answered is plain to see.
        const onEngine = async () => names(await browse(t, '?search=tv'));
        expect(await onEngine()).to.deep.equal(['Smart Television']);
        const engineCursor = (await browse(t, '?category=bulk&sort=price_asc&limit=5')).body
          .next_cursor as string;
        const engineNewest = (await browse(t, '?category=bulk&sort=newest&limit=5')).body
          .next_cursor as string;
        expect(await fallbacks(t)).to.deep.equal({});

        line.cut();
        expect(await onEngine()).to.deep.equal([]);
        expect(await fallbacks(t)).to.deep.equal({ unreachable: 1 });
        await readiness(t, 'down');
        // The engine's cursors, read on by PostgreSQL: the rest of the walk, none seen twice.
        const rest = await browse(t, `?category=bulk&sort=price_asc&limit=5&cursor=${engineCursor}`);
        expect(rest.body.products).to.have.length(5);
        await browse(t, `?category=bulk&sort=newest&limit=5&cursor=${engineNewest}`);
        const pgCursor = (await browse(t, '?category=bulk&sort=name&limit=5')).body.next_cursor as string;

        line.mend();
        // The first search after the probe interval goes to the engine, and its answer closes the breaker.
        const back = await until(
          async () => {
            await new Promise((r) => setTimeout(r, 100));
            return onEngine();
          },
          (found) => found.length > 0,
          5_000,
        );
        expect(back).to.deep.equal(['Smart Television']);
        expect(await backendUp(t)).to.equal(1);
        await readiness(t, 'up');
        // PostgreSQL's cursor, read on by the engine.
        const fromPg = await browse(t, `?category=bulk&sort=name&limit=5&cursor=${pgCursor}`);
        expect(fromPg.body.products).to.have.length(5);
        const before = await fallbacks(t);
        await browse(t, '?search=wireless');
        expect(await fallbacks(t)).to.deep.equal(before);
      } finally {
        await line.close();
      }
    });
  });
});

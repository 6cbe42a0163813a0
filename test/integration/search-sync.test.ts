import { execFile } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createContainer } from '../../src/container.js';
import { parseEvent } from '../../src/events/contract.js';
import { writeDocuments } from '../../src/search/bulk.js';
import {
  aliasName,
  createSearchClient,
  ReindexBusyError,
  reindex,
  type SearchClient,
} from '../../src/search/index.js';
import { readCatalogPage, readOwed } from '../../src/search/queries.js';
import { createLogger } from '../../src/shared/logger.js';
import { createVhost } from '../support/amqp.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { requireOpenSearch } from '../support/opensearch.js';
import { until } from '../support/wait.js';

const ADMIN = 'admin:test';
const run = promisify(execFile);

/**
 * A TCP proxy in front of the engine that the test can take down and bring back on the same port:
 * an engine outage as the service sees it (connections refused, open ones cut), whatever engine
 * the run has (one CI shares cannot be stopped).
 */
async function engineProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    url: () => `http://127.0.0.1:${port}`,
    async down() {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    up: listen,
  };
}

type Doc = Record<string, unknown>;

/** A product's document as the engine holds it, with its version and its place in the shard's history. */
async function docOf(client: SearchClient, alias: string, id: number): Promise<Doc | null> {
  const { body } = await client.get({ index: alias, id: String(id) }, { ignore: [404] });
  return body.found ? { ...body._source, _version: body._version, _seq_no: body._seq_no } : null;
}

/** The document once `ok` holds of it (the index refreshed before each read), else the last one read. */
const indexedDoc = (
  client: SearchClient,
  alias: string,
  id: number,
  ok: (d: Doc | null) => boolean,
  ms = 5_000,
) =>
  until(
    async () => {
      await client.indices.refresh({ index: alias }).catch(() => {});
      return docOf(client, alias, id);
    },
    ok,
    ms,
  );

/** Every index a suite made under its prefix. */
async function dropIndexes(client: SearchClient, prefix: string) {
  const { body } = await client.cat
    .indices({ index: `${prefix}*`, format: 'json' })
    .catch(() => ({ body: [] }));
  for (const { index } of body as { index: string }[]) await client.indices.delete({ index }).catch(() => {});
}

describe('product events', function () {
  this.timeout(30_000);
  let t: TestContext;

  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const eventsOf = (productId: number) =>
    t.container
      .db('domain_events')
      .where({ aggregate_type: 'product', aggregate_id: String(productId) })
      .orderBy('id')
      .select('type', 'data', 'aggregate_id');

  it('are written with the change: created, updated (with activation), price and stock, each matching its schema', async () => {
    const c = t.container;
    await c.products.create(
      {
        sku: 'EV-1',
        name: 'Kettle',
        description: '',
        category: 'kitchen',
        price_cents: 2_000,
        active: true,
        stock: 5,
      },
      ADMIN,
    );
    const { id } = await c.products.findBySku('EV-1');
    await c.products.update('EV-1', { name: 'Steel kettle', active: false }, ADMIN);
    // Not catalog fields: no product event.
    await c.products.setPurchaseLimit('EV-1', 2, ADMIN);
    await c.products.update('EV-1', { active: true }, ADMIN);
    await c.prices.changePrices([{ sku: 'EV-1', price_cents: 1_500 }], ADMIN);
    await c.inventory.adjustStock('EV-1', -2, { actor: ADMIN, reason: 'damaged' });

    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).to.deep.equal([
      'product.created',
      'inventory.changed',
      'product.updated',
      'product.updated',
      'price.changed',
      'inventory.changed',
    ]);
    for (const e of events) {
      expect(() => parseEvent(e.type, e.data), `${e.type} ${JSON.stringify(e.data)}`).not.to.throw();
      expect(e.data.product_id).to.equal(id);
    }
    expect(events[2]!.data).to.deep.include({ changed: ['name', 'active'], active: false });
    expect(events[3]!.data).to.deep.include({ changed: ['active'], active: true });
  });

  it('are one per product for a statement that writes many (an import), and none for an unchanged row', async () => {
    const c = t.container;
    const rows = Array.from({ length: 3 }, (_, i) => ({
      sku: `EVI-${i}`,
      name: `Lamp ${i}`,
      description: '',
      category: 'lighting',
      price_cents: 1_000,
      active: true,
      stock: 0,
    }));
    await c.products.importProducts(rows, ADMIN);
    await c.products.importProducts(rows, ADMIN);
    await c.products.importProducts(
      rows.map((r) => ({ ...r, description: 'Warm light' })),
      ADMIN,
    );
    const ids = await c
      .db('products')
      .whereIn(
        'sku',
        rows.map((r) => r.sku),
      )
      .pluck('id');
    const types = await c.db('domain_events').whereIn('aggregate_id', ids.map(String)).pluck('type');
    expect(types.filter((type) => type === 'product.created')).to.have.length(3);
    expect(types.filter((type) => type === 'product.updated')).to.have.length(3);
  });

  it('with SEARCH_BACKEND=postgres, the search-index consumer is not deployed: no queue, no inbox rows', async () => {
    expect(t.container.config.events.deployed).to.not.include('search-index');
    expect(t.container.config.events.consumers).to.not.include('search-index');
    expect(t.container.searchIndexer).to.equal(null);
    await createProduct(t.container.db);
    await t.container.relay!.drain();
    expect(
      await t.container.db('consumer_inbox').where({ consumer: 'search-index' }).count('* as n'),
    ).to.deep.equal([{ n: 0 }]);
    expect(await t.container.db('search_index_state').count('* as n')).to.deep.equal([{ n: 0 }]);
  });
});

describe('search index kept in sync by domain events (OpenSearch)', function () {
  this.timeout(120_000);
  let t: TestContext;
  let engineUrl: string;
  let proxy: Awaited<ReturnType<typeof engineProxy>>;
  let client: SearchClient;
  const prefix = `test-sync-${process.pid}-`;
  const alias = aliasName(prefix);

  before(async function () {
    engineUrl = await requireOpenSearch(this);
    this.timeout(120_000);
    proxy = await engineProxy(engineUrl);
    // Direct to the engine: the test's own reads never go through the outage it stages.
    client = createSearchClient({ url: engineUrl, timeoutMs: 30_000 });
    t = await createTestContext({
      SEARCH_BACKEND: 'opensearch',
      OPENSEARCH_URL: proxy.url(),
      OPENSEARCH_INDEX_PREFIX: prefix,
      FULFILLMENT_SHIP_DELAY: '1h',
    });
    await reindex(deps());
  });

  after(async () => {
    await t?.close();
    if (client) {
      await dropIndexes(client, prefix);
      await client.close();
    }
    await proxy?.down();
  });

  const c = () => t.container;
  const deps = () => ({
    db: c().db,
    dbUrl: c().config.db.url,
    client: c().searchClient!,
    prefix,
    logger: c().logger,
  });
  const indexer = () => c().searchIndexer!;
  /** Everything committed so far, delivered to the consumer and written to the engine. */
  async function sync() {
    await c().relay!.drain();
    await indexer().drain();
    await client.indices.refresh({ index: alias });
  }
  const doc = (id: number) => docOf(client, alias, id);
  const indexed = (id: number, ok: (d: Doc | null) => boolean, ms?: number) =>
    indexedDoc(client, alias, id, ok, ms);
  const stateOf = (id: number) => c().db('search_index_state').where({ product_id: id }).first();
  const currentIndex = async () => Object.keys((await client.indices.getAlias({ name: alias })).body)[0];

  it('a product created, renamed, deactivated, repriced and sold out reaches the index, with no manual step', async () => {
    const relay = c().relay!.start();
    const running = indexer().start();
    try {
      await c().products.create(
        {
          sku: 'SYNC-1',
          name: 'Walnut desk',
          description: 'Solid',
          category: 'office',
          price_cents: 30_000,
          active: true,
          stock: 1,
        },
        ADMIN,
      );
      const { id } = await c().products.findBySku('SYNC-1');
      const settled = async (ok: (d: Doc | null) => boolean) => {
        const d = await indexed(id, ok);
        expect(ok(d), JSON.stringify(d)).to.equal(true);
        return d!;
      };
      await settled((d) => d?.name === 'Walnut desk' && d.available === 1 && d.in_stock === true);

      await c().products.update('SYNC-1', { name: 'Oak desk' }, ADMIN);
      await settled((d) => d?.name === 'Oak desk');
      await c().products.update('SYNC-1', { active: false }, ADMIN);
      await settled((d) => d?.active === false);
      await c().products.update('SYNC-1', { active: true }, ADMIN);
      await c().prices.changePrices([{ sku: 'SYNC-1', price_cents: 25_000 }], ADMIN);
      await settled((d) => d?.active === true && d.price_cents === 25_000);

      const shopper = await shopperWithCart(t, [{ product_id: id, quantity: 1 }]);
      await postCheckout(t, shopper).expect(201);
      const soldOut = await settled((d) => d?.available === 0);
      expect(soldOut.in_stock).to.equal(false);
      // The consumer read PostgreSQL, not the payload: the document is the row as it is.
      const row = await c().db('products').where({ id }).first();
      expect(soldOut).to.deep.include({
        sku: row.sku,
        name: row.name,
        price_cents: row.price_cents,
        active: true,
      });
      await until(
        () => c().db('search_index_state').where({ product_id: id }).first(),
        (s) => s.version === s.indexed_version,
      );
    } finally {
      await running.stop();
      await relay.stop();
    }
  });

  it('never lets an older document overwrite a newer one (external versions), whichever write arrives last', async () => {
    const product = await createProduct(c().db, { name: 'Old name', stock: 3 });
    await sync();
    // A slow indexer reads the product (version v) ...
    await c().db('products').where({ id: product.id }).update({ name: 'Second name' });
    await c().relay!.drain();
    const slow = await readOwed(c().db, 1_000);
    const stale = slow.products.find((p) => p.product_id === product.id)!;
    expect(stale.row!.name).to.equal('Second name');
    // ... a newer change is taken and indexed meanwhile ...
    await c().db('products').where({ id: product.id }).update({ name: 'Third name' });
    await sync();
    const newer = await doc(product.id);
    expect(newer).to.deep.include({ name: 'Third name' });
    // ... then the slow one's write arrives: refused, the newer document stays.
    const late = await writeDocuments(c().searchClient!, [{ index: alias, alias: true }], [stale], {
      timeoutMs: 10_000,
    });
    expect(late.outcomes.get(stale)).to.equal('stale');
    await client.indices.refresh({ index: alias });
    expect(await doc(product.id)).to.deep.include({ name: 'Third name', _version: newer!._version });
    expect((await stateOf(product.id)).version).to.equal(newer!._version);
    // A replay of the version the index holds is a no-op too.
    const [current] = await readCatalogPage(c().db, product.id - 1, 1);
    expect(current!.version).to.equal(newer!._version);
    const replay = await writeDocuments(c().searchClient!, [{ index: alias, alias: true }], [current!], {
      timeoutMs: 10_000,
    });
    expect(replay.outcomes.get(current!)).to.equal('stale');
    await client.indices.refresh({ index: alias });
    expect((await doc(product.id))!._seq_no).to.equal(newer!._seq_no);
  });

  it('a burst of checkouts on one product: exact winners, one document write per indexer round, the right stock', async () => {
    const stock = 5;
    const product = await createProduct(c().db, { stock, price_cents: 1_000 });
    await sync();
    const before = (await doc(product.id))!;
    const shoppers = await Promise.all(
      Array.from({ length: 12 }, () => shopperWithCart(t, [{ product_id: product.id, quantity: 1 }])),
    );
    const results = await Promise.allSettled(shoppers.map((s) => postCheckout(t, s)));
    const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0));
    expect(statuses.filter((s) => s === 201)).to.have.length(stock);
    expect(statuses.filter((s) => s === 409)).to.have.length(12 - stock);

    await c().relay!.drain();
    const changes = await c()
      .db('domain_events')
      .where({ type: 'inventory.changed', aggregate_id: String(product.id) })
      .count<{ n: number }[]>('* as n');
    // However many stock events the burst wrote, the index owes the product one document.
    expect(Number(changes[0]!.n)).to.be.at.least(1);
    const owed = (await readOwed(c().db, 1_000)).products.filter((p) => p.product_id === product.id);
    expect(owed).to.have.length(1);
    await indexer().drain();
    await client.indices.refresh({ index: alias });
    const after = (await doc(product.id))!;
    expect(after).to.deep.include({ available: 0, in_stock: false });
    // One operation on the document's shard for the whole burst: the index holds one shard.
    expect(after._seq_no).to.equal((before._seq_no as number) + 1);
  });

  it('with the engine down, checkouts succeed and changes wait; once it is back the index catches up without a reindex', async () => {
    const product = await createProduct(c().db, { stock: 4, name: 'Brass lamp' });
    await sync();
    const index = await currentIndex();
    // As in a running service: the relay and the indexer go by themselves.
    const relay = c().relay!.start();
    const running = indexer().start();
    const retried = async () =>
      (await c().metrics.searchIndexDocuments.get()).values.find((v) => v.labels.outcome === 'retried')
        ?.value ?? 0;
    try {
      const retriedBefore = await retried();
      await proxy.down();
      try {
        const shoppers = await Promise.all(
          Array.from({ length: 3 }, () => shopperWithCart(t, [{ product_id: product.id, quantity: 1 }])),
        );
        const started = Date.now();
        const results = await Promise.allSettled(shoppers.map((s) => postCheckout(t, s)));
        expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0))).to.deep.equal([
          201, 201, 201,
        ]);
        // Checkouts never call the engine: a down engine costs them nothing.
        expect(Date.now() - started).to.be.below(5_000);
        await c().prices.changePrices([{ sku: product.sku, price_cents: 4_200 }], ADMIN);
        // The consumer took the events (PostgreSQL only); the indexer tried the engine and waits.
        const owed = await until(
          () => stateOf(product.id),
          (s) => s.version > s.indexed_version,
        );
        expect(owed.version).to.be.above(owed.indexed_version);
        expect(await until(retried, (n) => n > retriedBefore)).to.be.above(retriedBefore);
        expect(await scrapeLag()).to.be.above(0);
        // The outage outlasts a few retries: nothing is dropped or dead-lettered meanwhile.
        await new Promise((r) => setTimeout(r, 2_000));
        expect(await c().db('event_dead_letters').count<{ n: number }[]>('* as n')).to.deep.equal([{ n: 0 }]);
      } finally {
        await proxy.up();
      }
      // The indexer's own back-off brings it back: no drain by hand, no reindex.
      const caughtUp = await indexed(
        product.id,
        (d) => d?.available === 1 && d.price_cents === 4_200,
        10_000,
      );
      expect(caughtUp).to.deep.include({ available: 1, price_cents: 4_200, in_stock: true });
      expect(await currentIndex()).to.equal(index);
      expect(await until(scrapeLag, (lag) => lag === 0, 5_000)).to.equal(0);
    } finally {
      await running.stop();
      await relay.stop();
    }
  });

  async function scrapeLag() {
    const metric = await c().metrics.searchIndexLag.get();
    return metric.values[0]?.value ?? -1;
  }

  it('two processes draining side by side write each owed product once', async () => {
    const other = createContainer(c().config, { logger: createLogger('silent') });
    try {
      const products = await Promise.all(
        Array.from({ length: 20 }, () => createProduct(c().db, { stock: 2 })),
      );
      await c().relay!.drain();
      await client.indices.refresh({ index: alias });
      const results = await Promise.allSettled([indexer().drain(), other.searchIndexer!.drain()]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);
      await indexer().drain();
      await client.indices.refresh({ index: alias });
      const docs = await Promise.all(products.map((p) => doc(p.id)));
      // Created with version v and written once: the document's version is its state's.
      for (const [i, d] of docs.entries()) {
        const state = await stateOf(products[i]!.id);
        expect(d?._version).to.equal(state.version);
        expect(state.indexed_version).to.equal(state.version);
      }
      const written = (await c().metrics.searchIndexDocuments.get()).values;
      const otherWritten = (await other.metrics.searchIndexDocuments.get()).values;
      const applied = (vs: typeof written) => vs.find((v) => v.labels.outcome === 'applied')?.value ?? 0;
      const stale = (vs: typeof written) => vs.find((v) => v.labels.outcome === 'stale')?.value ?? 0;
      expect(stale(written) + stale(otherWritten)).to.equal(0);
      expect(applied(otherWritten) + applied(written)).to.be.at.least(20);
    } finally {
      await other.close();
    }
  });

  it('reindexes under concurrent searches with 0 errors, catches up changes made during the load, swaps atomically', async () => {
    const products = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        createProduct(c().db, { name: `Reindex chair ${i}`, category: 'seating' }),
      ),
    );
    await sync();
    const oldIndex = await currentIndex();
    const expected = await c().db('products').where({ active: true }).count<{ n: number }[]>('* as n');
    const activeCount = Number(expected[0]!.n);

    let searching = true;
    let searches = 0;
    const failures: string[] = [];
    const totals = new Set<number>();
    const searcher = (async () => {
      while (searching) {
        try {
          const { body } = await client.search({
            index: alias,
            body: { size: 0, track_total_hits: true, query: { term: { active: true } } },
          });
          const total = body.hits.total as { value: number } | number;
          totals.add(typeof total === 'number' ? total : total.value);
          searches++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();

    // Changes during the load, after the first pages went: the catch-up and the indexer carry them.
    const relay = c().relay!.start();
    const running = indexer().start();
    let changes: Promise<number> | null = null;
    let swappedAt = 0;
    let result: Awaited<ReturnType<typeof reindex>>;
    try {
      result = await reindex(deps(), {
        options: { batchSize: 20, concurrency: 2, timeoutMs: 30_000, dropGraceMs: 500 },
        onProgress: (done) => {
          // Once the first page is in: the oldest products were loaded already, the newest not yet.
          if (done === 0) return;
          changes ??= Promise.all([
            c().prices.changePrices([{ sku: products[299]!.sku, price_cents: 777 }], ADMIN),
            c().products.update(products[0]!.sku, { name: 'Renamed during the load' }, ADMIN),
          ]).then(() => Date.now());
        },
        onPhase: (phase) => {
          if (phase === 'swapping') swappedAt = Date.now();
        },
      });
    } finally {
      searching = false;
      await searcher;
    }
    try {
      // The changes committed while the new index was being filled, before the swap.
      expect(await changes).to.be.below(swappedAt);
      expect(failures).to.deep.equal([]);
      expect(searches).to.be.above(0);
      // Every search saw a whole index: the old one or the new one, never an empty or partial one.
      expect([...totals]).to.deep.equal([activeCount]);
      expect(result!.index).to.not.equal(oldIndex);
      expect(result!.previous).to.deep.equal([oldIndex]);
      expect(await currentIndex()).to.equal(result!.index);
      const { body: exists } = await client.indices.exists({ index: oldIndex! });
      expect(exists).to.equal(false);
      expect(await indexed(products[299]!.id, (d) => d?.price_cents === 777)).to.deep.include({
        price_cents: 777,
      });
      const renamed = await indexed(products[0]!.id, (d) => d?.name === 'Renamed during the load');
      expect(renamed).to.deep.include({ name: 'Renamed during the load' });
      const { body: settings } = await client.indices.getSettings({ index: result!.index });
      expect(settings[result!.index]?.settings?.index?.refresh_interval).to.equal('1s');
    } finally {
      await running.stop();
      await relay.stop();
    }
  });

  it('one reindex at a time: of two started together exactly one builds, the other is refused', async () => {
    const results = await Promise.allSettled([reindex(deps()), reindex(deps())]);
    const built = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(built).to.have.length(1);
    expect(refused).to.have.length(1);
    expect((refused[0] as PromiseRejectedResult).reason).to.be.instanceOf(ReindexBusyError);
    const { body } = await client.cat.indices({ index: `${prefix}*`, format: 'json' });
    expect((body as { index: string }[]).map((i) => i.index)).to.deep.equal([
      (built[0] as PromiseFulfilledResult<{ index: string }>).value.index,
    ]);
  });

  it('shopctl search reindex and status --json report the index against PostgreSQL', async () => {
    const env = { SEARCH_BACKEND: 'opensearch', OPENSEARCH_URL: engineUrl, OPENSEARCH_INDEX_PREFIX: prefix };
    const built = await shopctl(t, ['search', 'reindex', '--json'], { env });
    expect(built.code, built.stderr).to.equal(0);
    const r = built.json();
    expect(r).to.include({ alias, rejected: 0 });
    expect(r.products).to.equal(Number((await c().db('products').count('* as n'))[0]!.n));

    await c().products.update((await c().db('products').first('sku')).sku, { active: false }, ADMIN);
    await sync();
    const status = await shopctl(t, ['search', 'status', '--json'], { env });
    expect(status.code, status.stderr).to.equal(0);
    const s = status.json();
    expect(s).to.deep.include({ alias, index: r.index, backend: 'opensearch', missing: 0 });
    expect(s.engine).to.include({ reachable: true });
    expect(s.documents.active).to.equal(s.postgres.active_products);
    expect(s.documents.total).to.equal(s.postgres.products);
    expect(s.documents.active).to.equal(s.documents.total - 1);
    expect(s.lag).to.include({ owed: 0, seconds: 0 });

    const human = await shopctl(t, ['search', 'status'], { env });
    expect(human.stdout).to.match(/alias: test-sync-\d+-products → test-sync-\d+-products-v\d+-/);
    expect(human.stdout).to.contain('index lag: 0.0 s');

    const unreachable = await shopctl(t, ['search', 'status', '--json'], {
      env: { ...env, OPENSEARCH_URL: 'http://127.0.0.1:9' },
    });
    expect(unreachable.code).to.equal(1);
    expect(unreachable.json().engine).to.include({ reachable: false });
  });
});

describe('search index over RabbitMQ', function () {
  this.timeout(120_000);
  let engineUrl: string;
  let client: SearchClient;
  const vhosts: Awaited<ReturnType<typeof createVhost>>[] = [];
  const contexts: TestContext[] = [];
  const prefix = `test-sync-mq-${process.pid}-`;
  const alias = aliasName(prefix);

  before(async function () {
    engineUrl = await requireOpenSearch(this);
    client = createSearchClient({ url: engineUrl, timeoutMs: 30_000 });
  });

  after(async () => {
    for (const t of contexts) await t.close();
    for (const v of vhosts) await v.drop().catch(() => {});
    if (client) {
      await dropIndexes(client, prefix);
      await client.close();
    }
  });

  async function store(name: string, env: Record<string, string>) {
    const vhost = await createVhost(`shop_test_${process.pid}_${name}`);
    vhosts.push(vhost);
    const t = await createTestContext({ AMQP_URL: vhost.url, ...env });
    contexts.push(t);
    return { t, vhost: `shop_test_${process.pid}_${name}` };
  }

  it('has its own quorum queue bound to the product events; a service builds the missing index at start and keeps it', async () => {
    const { t, vhost } = await store('search', {
      SEARCH_BACKEND: 'opensearch',
      OPENSEARCH_URL: engineUrl,
      OPENSEARCH_INDEX_PREFIX: prefix,
    });
    const existing = await createProduct(t.container.db, { name: 'Linen shirt', stock: 2 });
    const relay = t.container.relay!.start();
    const consumers = t.container.startConsumers();
    // No index yet: the indexer builds it from PostgreSQL as it starts.
    const running = t.container.searchIndexer!.start();
    try {
      const queues = JSON.parse(
        (await run('rabbitmqctl', ['list_queues', '-p', vhost, 'name', 'type', '--formatter', 'json']))
          .stdout,
      ) as { name: string; type: string }[];
      expect(queues.find((q) => q.name === 'shop.search-index')?.type).to.equal('quorum');
      const bindings = JSON.parse(
        (
          await run('rabbitmqctl', [
            'list_bindings',
            '-p',
            vhost,
            'source_name',
            'destination_name',
            'routing_key',
            '--formatter',
            'json',
          ])
        ).stdout,
      ) as { source_name: string; destination_name: string; routing_key: string }[];
      expect(
        bindings
          .filter((b) => b.destination_name === 'shop.search-index' && b.source_name === 'shop.events')
          .map((b) => b.routing_key)
          .sort(),
      ).to.deep.equal(['inventory.changed', 'price.changed', 'product.created', 'product.updated']);

      await t.container.products.create(
        {
          sku: 'MQ-1',
          name: 'Wool scarf',
          description: '',
          category: 'apparel',
          price_cents: 3_000,
          active: true,
          stock: 3,
        },
        ADMIN,
      );
      const { id } = await t.container.products.findBySku('MQ-1');
      const found = await indexedDoc(
        client,
        alias,
        id,
        (d) => d?.name === 'Wool scarf' && d.available === 3,
        15_000,
      );
      expect(found).to.deep.include({ name: 'Wool scarf', available: 3, in_stock: true });
      // The product from before the index existed came with the build.
      const { body: built } = await client.get({ index: alias, id: String(existing.id) });
      expect(built._source).to.deep.include({ name: 'Linen shirt' });
      const applied = await t.container
        .db('consumer_inbox as i')
        .join('domain_events as e', 'e.event_id', 'i.event_id')
        .where({ 'i.consumer': 'search-index', 'e.aggregate_id': String(id) })
        .pluck('e.type');
      expect(applied).to.include('product.created');
    } finally {
      await running.stop();
      await Promise.all(consumers.map((x) => x.stop()));
      await relay.stop();
    }
  });

  it('with SEARCH_BACKEND=postgres declares no search-index queue (it would fill with nobody reading)', async () => {
    const { t, vhost } = await store('nosearch', {});
    await createProduct(t.container.db);
    await t.container.relay!.drain();
    const queues = JSON.parse(
      (await run('rabbitmqctl', ['list_queues', '-p', vhost, 'name', '--formatter', 'json'])).stdout,
    ) as { name: string }[];
    const names = queues.map((q) => q.name);
    expect(names).to.include('shop.notifications');
    expect(names).to.not.include('shop.search-index');
  });
});

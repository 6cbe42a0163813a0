import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('reads browse from a replica only when DATABASE_REPLICA_URL names one, with a lag bound of 5s by default', () => {
    const url = 'postgres://postgres@127.0.0.1:5433/shop';
    expect(loadConfig({ DATABASE_REPLICA_URL: url }).db.replica).to.deep.equal({
      url,
      poolMax: 20,
      maxLagMs: 5_000,
    });
    expect(loadConfig({ DATABASE_REPLICA_URL: url, REPLICA_MAX_LAG: '2s' }).db.replica?.maxLagMs).to.equal(
      2_000,
    );
    expect(() => loadConfig({ REPLICA_MAX_LAG: 'soon' })).to.throw(ConfigError, /REPLICA_MAX_LAG/);
  });

  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.env).to.equal('development');
    expect(config.http).to.deep.equal({ host: '0.0.0.0', port: 3000, bodyLimit: '100kb', proxyHops: 0 });
    expect(config.db).to.deep.equal({
      url: 'postgres://postgres@127.0.0.1:5432/shop',
      poolMax: 20,
      migrateOnStart: true,
      replica: null,
    });
    expect(config.redis).to.deep.equal({
      url: 'redis://127.0.0.1:6379',
      prefix: 'shop:',
      commandTimeoutMs: 250,
    });
    expect(config.checkout).to.include({
      strategy: 'group-commit',
      batchMax: 256,
      batchWaitMs: 2,
      reservationTtlMs: 600_000,
    });
    expect(config.cache).to.include({ productTtlMs: 6 * 3_600_000, searchTtlMs: 15_000 });
    expect(config.jobs.enabled).to.equal(true);
    expect(config.cart).to.include({ maxQuantity: 99, maxLines: 100, retentionMs: 30 * 86_400_000 });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', CHECKOUT_STRATEGY: '' }).http.port).to.equal(3000);
  });

  it('parses values from the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      WORKERS: 'no',
      CHECKOUT_STRATEGY: 'row-lock',
      DB_POOL_MAX: '5',
    });
    expect(config.http.port).to.equal(8080);
    expect(config.jobs.enabled).to.equal(false);
    expect(config.checkout.strategy).to.equal('row-lock');
    expect(config.db.poolMax).to.equal(5);
  });

  it('parses durations with and without a unit', () => {
    const cases: [raw: string, ms: number][] = [
      ['10m', 600_000],
      ['500ms', 500],
      ['30s', 30_000],
      ['24h', 86_400_000],
      ['30d', 2_592_000_000],
      ['1500', 1_500],
      [' 2s ', 2_000],
    ];
    for (const [raw, ms] of cases) {
      expect(loadConfig({ RESERVATION_TTL: raw }).checkout.reservationTtlMs, raw).to.equal(ms);
    }
  });

  it('configures payments: concurrency, timeout, settlement batches and the sandbox network', () => {
    const defaults = loadConfig({});
    expect(defaults.payments).to.deep.equal({
      provider: 'sandbox',
      allowSandbox: false,
      stripe: null,
      concurrency: 1_000,
      timeoutMs: 10_000,
      sandbox: { latencyMs: { min: 150, max: 450 }, serverErrorRate: 0, timeoutRate: 0 },
    });
    expect(defaults.settlement).to.deep.equal({ batchMax: 256, batchWaitMs: 5, batchConcurrency: 2 });
    const set = loadConfig({
      SANDBOX_LATENCY: '200ms-1s',
      SANDBOX_SERVER_ERROR_RATE: '0.02',
      SANDBOX_TIMEOUT_RATE: '0.01',
      PAYMENT_TIMEOUT: '3s',
    });
    expect(set.payments.sandbox).to.deep.equal({
      latencyMs: { min: 200, max: 1_000 },
      serverErrorRate: 0.02,
      timeoutRate: 0.01,
    });
    expect(set.payments.timeoutMs).to.equal(3_000);
    expect(loadConfig({ SANDBOX_LATENCY: '300' }).payments.sandbox.latencyMs).to.deep.equal({
      min: 300,
      max: 300,
    });
  });

  const invalid: [variable: string, value: string][] = [
    ['SANDBOX_LATENCY', '400ms-200ms'],
    ['SANDBOX_LATENCY', 'fast'],
    ['SANDBOX_LATENCY', '1-2-3'],
    ['SANDBOX_TIMEOUT_RATE', '1.5'],
    ['PAYMENT_CONCURRENCY', '0'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['CHECKOUT_STRATEGY', 'optimistic'],
    ['RESERVATION_TTL', '10 minutes'],
    ['RESERVATION_TTL', '-5s'],
    ['WORKERS', 'maybe'],
    ['DATABASE_URL', 'not a url'],
  ];
  for (const [variable, value] of invalid) {
    it(`throws a ConfigError naming ${variable} for "${value}"`, () => {
      expect(() => loadConfig({ [variable]: value }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.includes(variable);
    });
  }

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', CHECKOUT_STRATEGY: 'optimistic' }))
      .to.throw(ConfigError)
      .that.satisfies(
        (err: Error) => err.message.includes('PORT') && err.message.includes('CHECKOUT_STRATEGY'),
      );
  });

  it('picks the event consumers a process runs: all, none (""), or with a broker any of them', () => {
    const all = ['notifications', 'fulfillment', 'low-stock'];
    expect(loadConfig({}).events).to.deep.include({ amqpUrl: null, consumers: all });
    expect(loadConfig({ EVENT_CONSUMERS: '' }).events.consumers).to.deep.equal([]);
    const broker = loadConfig({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENT_CONSUMERS: 'fulfillment',
    });
    expect(broker.events).to.deep.include({
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      consumers: ['fulfillment'],
    });
    // Without a broker each event is delivered to the process's consumers: some of them would lose the rest.
    expect(() => loadConfig({ EVENT_CONSUMERS: 'fulfillment' })).to.throw(
      ConfigError,
      /EVENT_CONSUMERS.*AMQP_URL/,
    );
    expect(() => loadConfig({ EVENT_CONSUMERS: 'mail' })).to.throw(
      ConfigError,
      /EVENT_CONSUMERS lists consumers/,
    );
  });

  it('deploys the search-index consumer only where search runs on the engine', () => {
    const postgres = loadConfig({ EVENT_CONSUMERS: 'notifications,fulfillment,low-stock,search-index' });
    expect(postgres.events.deployed).to.deep.equal(['notifications', 'fulfillment', 'low-stock']);
    expect(postgres.events.consumers).to.deep.equal(['notifications', 'fulfillment', 'low-stock']);
    const engine = { SEARCH_BACKEND: 'opensearch', OPENSEARCH_URL: 'http://127.0.0.1:9200' };
    const all = ['notifications', 'fulfillment', 'low-stock', 'search-index'];
    expect(loadConfig(engine).events).to.deep.include({ consumers: all, deployed: all });
    // Without a broker, a process that runs consumers runs them all: the index's too.
    expect(() => loadConfig({ ...engine, EVENT_CONSUMERS: 'notifications,fulfillment,low-stock' })).to.throw(
      ConfigError,
      /EVENT_CONSUMERS.*search-index/,
    );
    const broker = loadConfig({
      ...engine,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENT_CONSUMERS: 'search-index',
    });
    expect(broker.events).to.deep.include({ consumers: ['search-index'], deployed: all });
  });

  it('searches on PostgreSQL by default, and on the engine only with its URL', () => {
    const postgres = { concurrency: 4, queue: 8, queueWaitMs: 200, statementTimeoutMs: 400 };
    expect(loadConfig({}).search).to.deep.equal({
      backend: 'postgres',
      opensearch: null,
      timeoutMs: 300,
      breaker: { failures: 5, probeAfterMs: 5_000 },
      postgres,
    });
    const engine = loadConfig({
      SEARCH_BACKEND: 'opensearch',
      OPENSEARCH_URL: 'http://127.0.0.1:9200',
      OPENSEARCH_INDEX_PREFIX: 'store-2-',
      SEARCH_TIMEOUT: '150ms',
      SEARCH_BREAKER_FAILURES: '3',
      SEARCH_BREAKER_PROBE: '10s',
    }).search;
    expect(engine).to.deep.equal({
      backend: 'opensearch',
      opensearch: { url: 'http://127.0.0.1:9200', indexPrefix: 'store-2-' },
      timeoutMs: 150,
      breaker: { failures: 3, probeAfterMs: 10_000 },
      postgres,
    });
    // The engine is known with a URL alone (the index can be built before browse moves to it).
    expect(loadConfig({ OPENSEARCH_URL: 'https://search.internal:9200' }).search).to.deep.include({
      backend: 'postgres',
      opensearch: { url: 'https://search.internal:9200', indexPrefix: 'shop-' },
    });
    expect(() => loadConfig({ SEARCH_BACKEND: 'opensearch' })).to.throw(
      ConfigError,
      /OPENSEARCH_URL.*required with SEARCH_BACKEND=opensearch/,
    );
    for (const [name, value] of [
      ['SEARCH_BACKEND', 'elasticsearch'],
      ['OPENSEARCH_URL', 'ftp://127.0.0.1:9200'],
      ['OPENSEARCH_INDEX_PREFIX', 'Shop'],
      ['SEARCH_TIMEOUT', 'soon'],
      ['SEARCH_BREAKER_FAILURES', '0'],
    ]) {
      expect(() => loadConfig({ [name!]: value }), `${name}=${value}`).to.throw(ConfigError, name);
    }
  });

  it('bounds the searches PostgreSQL computes: slots, queue, wait and statement time', () => {
    expect(
      loadConfig({
        SEARCH_CONCURRENCY: '2',
        SEARCH_QUEUE: '0',
        SEARCH_QUEUE_WAIT: '50ms',
        SEARCH_STATEMENT_TIMEOUT: '1s',
      }).search.postgres,
    ).to.deep.equal({ concurrency: 2, queue: 0, queueWaitMs: 50, statementTimeoutMs: 1_000 });
    for (const [name, value] of [
      ['SEARCH_CONCURRENCY', '0'],
      ['SEARCH_QUEUE', '-1'],
      ['SEARCH_QUEUE_WAIT', 'briefly'],
      ['SEARCH_STATEMENT_TIMEOUT', '1 minute'],
    ]) {
      expect(() => loadConfig({ [name!]: value }), name).to.throw(ConfigError, new RegExp(name!));
    }
  });

  it('refuses a checkout strategy the service does not ship', () => {
    expect(() => loadConfig({ CHECKOUT_STRATEGY: 'optimistic' })).to.throw(ConfigError, /CHECKOUT_STRATEGY/);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.http)).to.equal(true);
    expect(Object.isFrozen(config.checkout)).to.equal(true);
    // ESM modules are strict, so writing to a frozen object throws rather than being ignored.
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).to.throw(TypeError);
    expect(config.http.port).to.equal(3000);
  });
});

import { z } from 'zod';
import { parseDuration } from './shared/duration.js';
import { describeIssues } from './shared/zod.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** Durations accept plain milliseconds or a unit suffix: 500ms, 30s, 10m, 24h, 30d, 5y. */
const duration = z.string().transform((raw, ctx) => {
  const ms = parseDuration(raw);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 500ms, 30s, 10m, 24h or 30d, got "${raw}"`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A latency range: one duration (fixed) or two joined by a dash, e.g. 200ms-400ms. */
const latencyRange = z.string().transform((raw, ctx) => {
  const parts = raw.split('-').map((p) => duration.safeParse(p));
  if (parts.length > 2 || parts.some((p) => !p.success)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration or a range such as 200ms-400ms, got "${raw}"`,
    });
    return z.NEVER;
  }
  const [min, max = min] = parts.map((p) => p.data as number) as [number, number?];
  if (max! < min) {
    ctx.addIssue({ code: 'custom', message: `the range's end is below its start: "${raw}"` });
    return z.NEVER;
  }
  return { min, max: max! };
});

const fraction = z.coerce.number().min(0).max(1);

/** A rate limit: N requests per window, e.g. 20/1m; 0 turns it off. */
const limitRule = z.string().transform((raw, ctx) => {
  const [n, window] = raw.split('/');
  const points = Number(n);
  const durationMs = duration.safeParse(window ?? '');
  if (!Number.isInteger(points) || points < 0 || !durationMs.success || durationMs.data < 1_000) {
    ctx.addIssue({
      code: 'custom',
      message: `expected requests per window such as 20/1m (window ≥ 1s), got "${raw}"`,
    });
    return z.NEVER;
  }
  return { points, durationMs: durationMs.data };
});

const CONSUMERS = ['notifications', 'fulfillment', 'low-stock', 'search-index'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/shop'),
  DB_POOL_MAX: int(1, 500).default(20),
  /**
   * A streaming replica of DATABASE_URL's server (its URL names the same database) for reads that
   * may trail the primary: catalog browse, categories, suggestions and product pages. Unset, every
   * read goes to the primary.
   */
  DATABASE_REPLICA_URL: z.url().optional(),
  /** Past this lag behind the primary (measured by WAL position), those reads go to the primary too. */
  REPLICA_MAX_LAG: duration.default(5_000),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('shop:'),
  REDIS_COMMAND_TIMEOUT: duration.default(250),
  BODY_LIMIT: z.string().default('100kb'),
  PRODUCT_CACHE_TTL: duration.default(6 * 3_600_000),
  // How long a result that depends on stock (in_stock=true) is fresh; one that does not stays
  // fresh until product data changes, up to SEARCH_CACHE_MAX_AGE. A result past its freshness
  // is served while one refresh runs, for as long again as SEARCH_CACHE_MAX_AGE.
  SEARCH_CACHE_TTL: duration.default(15_000),
  SEARCH_CACHE_MAX_AGE: duration.default(10 * 60_000),
  // The most the stock shown in browse may lag PostgreSQL; checkouts also clear it as they commit.
  STOCK_CACHE_TTL: duration.default(2_000),
  /** Where browse searches: PostgreSQL (the default), or the OpenSearch engine with PostgreSQL as its fallback. */
  SEARCH_BACKEND: z.enum(['postgres', 'opensearch']).default('postgres'),
  /** The engine's address (credentials in the URL if it needs any); required with SEARCH_BACKEND=opensearch. */
  OPENSEARCH_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Names this store's alias and indices (`shop-products`): several stores can share one cluster. */
  OPENSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (an index name prefix)')
    .default('shop-'),
  // Past it a search is answered from PostgreSQL: a slow engine costs a shopper this much, never more.
  SEARCH_TIMEOUT: duration.default(300),
  /** Consecutive engine failures that open the breaker: searches then go straight to PostgreSQL. */
  SEARCH_BREAKER_FAILURES: int(1, 1_000).default(5),
  /** How long the breaker stays open before one search probes the engine again. */
  SEARCH_BREAKER_PROBE: duration.default(5_000),
  // Searches PostgreSQL computes at once per process (results not cached yet, whichever backend
  // asked), how many may wait for a slot and how long; past that a search is refused with a 503
  // at once instead of queueing for seconds. Each of its statements may take SEARCH_STATEMENT_TIMEOUT.
  SEARCH_CONCURRENCY: int(1, 256).default(4),
  SEARCH_QUEUE: int(0, 10_000).default(8),
  SEARCH_QUEUE_WAIT: duration.default(200),
  SEARCH_STATEMENT_TIMEOUT: duration.default(400),
  CHECKOUT_STRATEGY: z.enum(['group-commit', 'row-lock']).default('group-commit'),
  CHECKOUT_BATCH_MAX: int(1, 10_000).default(256),
  CHECKOUT_BATCH_WAIT: duration.default(2),
  CHECKOUT_BATCH_CONCURRENCY: int(1, 64).default(2),
  RESERVATION_TTL: duration.default(10 * 60_000),
  /** Unpaid orders one customer may hold at once (each holds stock); 0 turns the cap off. */
  MAX_PENDING_ORDERS: int(0, 1_000).default(3),
  SWEEPER_INTERVAL: duration.default(2_000),
  WORKER_INTERVAL: duration.default(1_000),
  PAYMENT_PROVIDER: z.enum(['sandbox', 'stripe']).default('sandbox'),
  /** Production refuses the sandbox (it ships goods for test cards, taking no money) unless this says so. */
  ALLOW_SANDBOX_PAYMENTS: bool.default(false),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_/, 'expected a secret key (sk_test_…, sk_live_… or rk_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_/, 'expected a webhook signing secret (whsec_…)')
    .optional(),
  /** The storefront's Stripe.js key (3-D Secure in the browser); public by design. */
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_/, 'expected a publishable key (pk_test_… or pk_live_…)')
    .optional(),
  /** A local stand-in for Stripe's API (tests, a mock server): protocol, host and port. */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  PAYMENT_CONCURRENCY: int(1, 10_000).default(1_000),
  PAYMENT_TIMEOUT: duration.default(10_000),
  SETTLEMENT_BATCH_MAX: int(1, 10_000).default(256),
  SETTLEMENT_BATCH_WAIT: duration.default(5),
  SETTLEMENT_BATCH_CONCURRENCY: int(1, 64).default(2),
  SANDBOX_LATENCY: latencyRange.default({ min: 150, max: 450 }),
  SANDBOX_SERVER_ERROR_RATE: fraction.default(0),
  SANDBOX_TIMEOUT_RATE: fraction.default(0),
  WORKERS: bool.default(true),
  // RabbitMQ for domain events (order.paid, price.changed...): unset, they stay in PostgreSQL and
  // the consumers take them from there, in-process.
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\/\S+$/, 'AMQP_URL must be an amqp:// or amqps:// URL')
    .optional(),
  EVENT_RELAY_BATCH: int(1, 10_000).default(500),
  // The consumers this process runs (with WORKERS); "" runs none (a relay-only process). Without a
  // broker a process delivers each event to the consumers it runs, so it runs all of them or none.
  // search-index runs only with SEARCH_BACKEND=opensearch (it keeps the engine's index).
  EVENT_CONSUMERS: z
    .string()
    .default(CONSUMERS.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(CONSUMERS, {
          message: `EVENT_CONSUMERS lists consumers: ${CONSUMERS.join(', ')}`,
        }),
      ),
    ),
  // The local fulfillment provider's warehouse: paid → shipped, shipped → delivered.
  FULFILLMENT_SHIP_DELAY: duration.default(10_000),
  FULFILLMENT_DELIVER_DELAY: duration.default(60_000),
  FULFILLMENT_INTERVAL: duration.default(1_000),
  // A product's available count falling below this (or its own low_stock_threshold) tells the admins.
  LOW_STOCK_THRESHOLD: int(0, 1_000_000).default(10),
  EVENT_RELAY_INTERVAL: duration.default(1_000),
  AUDIT_INTERVAL: duration.default(5 * 60_000),
  /** Whether the API enforces its rate limits (the RATE_LIMIT_* rules below). */
  RATE_LIMITS: bool.default(true),
  RATE_LIMIT_LOGIN_IP: limitRule.default({ points: 30, durationMs: 60_000 }),
  RATE_LIMIT_LOGIN_ACCOUNT: limitRule.default({ points: 10, durationMs: 15 * 60_000 }),
  RATE_LIMIT_REGISTER_IP: limitRule.default({ points: 10, durationMs: 3_600_000 }),
  RATE_LIMIT_CHECKOUT_USER: limitRule.default({ points: 10, durationMs: 60_000 }),
  RATE_LIMIT_CHECKOUT_IP: limitRule.default({ points: 300, durationMs: 60_000 }),
  RATE_LIMIT_CART_USER: limitRule.default({ points: 120, durationMs: 60_000 }),
  RATE_LIMIT_BROWSE_IP: limitRule.default({ points: 1_200, durationMs: 60_000 }),
  /** New guest carts (each kept CART_RETENTION) per client address: the cart token is the client's to pick. */
  RATE_LIMIT_GUEST_CART_IP: limitRule.default({ points: 60, durationMs: 3_600_000 }),
  /** Payment confirmations per user: each may ask the provider while a charge is pending. */
  RATE_LIMIT_PAYMENT_CONFIRM_USER: limitRule.default({ points: 20, durationMs: 60_000 }),
  /** Password changes per user, right or wrong; wrong ones also count with the account's failed logins. */
  RATE_LIMIT_PASSWORD_USER: limitRule.default({ points: 5, durationMs: 15 * 60_000 }),
  /** With it, GET /metrics needs `Authorization: Bearer <token>`; without, keep /metrics off the public listener. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * How many proxies in front of the service append to X-Forwarded-For (HAProxy, a cloud load
   * balancer): the client is that many entries from the right. 0 (the default) takes the socket's
   * address; entries further left are the client's own to write and are never read.
   */
  TRUST_PROXY_HOPS: int(0, 16).optional(),
  /** Older spelling of TRUST_PROXY_HOPS=1. */
  TRUST_PROXY: bool.optional(),
  /**
   * On SIGTERM, how long the process answers /readyz with 503 (draining) while still serving every
   * other request, before it stops listening: long enough for the load balancer's health checks to
   * take it out of rotation (HAProxy's 500 ms × fall 2 in deploy/haproxy: about 1 s). Default 2s
   * behind a proxy (TRUST_PROXY_HOPS > 0), 0 without one. SIGINT (Ctrl-C) never waits for it.
   */
  SHUTDOWN_DRAIN: duration.optional(),
  /** After the listener closes, how long requests in flight get to answer before the process exits anyway. */
  SHUTDOWN_TIMEOUT: duration.default(10_000),
  /** Create the database if missing and apply migrations at start-up; off, run `shopctl db migrate` as a release step. */
  MIGRATE_ON_START: bool.default(true),
  /** How long a session token lives from login (or registration). */
  TOKEN_TTL: duration.default(30 * 86_400_000),
  /**
   * Signs the cached token → user entries in Redis, so whoever can write to Redis cannot mint a
   * session. Unset: a random secret per process (entries other processes cached are just misses).
   */
  AUTH_CACHE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CART_MAX_QUANTITY: int(1, 10_000).default(99),
  CART_MAX_LINES: int(1, 1_000).default(100),
  CART_RETENTION: duration.default(30 * 86_400_000),
  /**
   * How long an order stays in the live tables. Past it, a finished order (delivered, failed,
   * cancelled or expired, with no money in flight) is archived to ARCHIVE_DIR and removed, a
   * whole month of them at a time.
   */
  ORDER_RETENTION: duration.default(5 * 31_557_600_000),
  /** Where order archives go: one gzip JSON-lines file per month, its .sha256 and a manifest per run. */
  ARCHIVE_DIR: z.string().min(1).default('./archive'),
  /** Orders one archive transaction removes: short enough that its row locks never slow a sale. */
  ORDER_ARCHIVE_BATCH: int(1, 10_000).default(1_000),
  /**
   * The share of the time the order archive works, resting the rest (0.5: as long as each page or
   * batch took). It runs beside live traffic; shopctl's --duty overrides it for one run.
   */
  ORDER_ARCHIVE_DUTY: z.coerce.number().gt(0).max(1).default(0.5),
  /**
   * While the store places more than ORDER_ARCHIVE_BUSY_RATE orders a second (over the last 5 s:
   * a sale), the archive works ORDER_ARCHIVE_BUSY_DUTY of the time instead: 0, the default, holds
   * it until the sale is over (a sale keeps the whole machine); a share keeps it moving.
   */
  ORDER_ARCHIVE_BUSY_RATE: z.coerce.number().min(0).default(20),
  ORDER_ARCHIVE_BUSY_DUTY: z.coerce.number().min(0).max(1).default(0),
  /** Paid orders (PAID, SHIPPED, DELIVERED) placed this far back feed "also bought". */
  RECOMMENDATIONS_WINDOW: duration.default(90 * 86_400_000),
  /** Orders two products must share to be recommended together: one shared basket is chance. */
  RECOMMENDATIONS_MIN_SUPPORT: int(1, 1_000_000).default(2),
  /** How often the batch runs, once across the fleet. */
  RECOMMENDATIONS_INTERVAL: duration.default(86_400_000),
});

export type Env = z.input<typeof envSchema>;

/** Every environment variable the configuration reads (deployment files are checked against it). */
export const CONFIG_ENV_NAMES = Object.freeze(Object.keys(envSchema.shape) as (keyof Env)[]);

/**
 * The event consumers a deployment has: search-index only where search runs on the engine, whose
 * index it keeps. A consumer the deployment does not have gets no queue and holds no event back
 * from retention.
 */
function deployedConsumers(env: z.output<typeof envSchema>): (typeof CONSUMERS)[number][] {
  return CONSUMERS.filter((c) => c !== 'search-index' || env.SEARCH_BACKEND === 'opensearch');
}

function build(env: z.output<typeof envSchema>) {
  const deployed = deployedConsumers(env);
  const proxyHops = env.TRUST_PROXY_HOPS ?? (env.TRUST_PROXY ? 1 : 0);
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.BODY_LIMIT,
      proxyHops,
    },
    shutdown: {
      drainMs: env.SHUTDOWN_DRAIN ?? (proxyHops > 0 ? 2_000 : 0),
      timeoutMs: env.SHUTDOWN_TIMEOUT,
    },
    metrics: { token: env.METRICS_TOKEN ?? null },
    rateLimits: {
      enabled: env.RATE_LIMITS,
      rules: {
        login_ip: env.RATE_LIMIT_LOGIN_IP,
        login_account: env.RATE_LIMIT_LOGIN_ACCOUNT,
        register_ip: env.RATE_LIMIT_REGISTER_IP,
        checkout_user: env.RATE_LIMIT_CHECKOUT_USER,
        checkout_ip: env.RATE_LIMIT_CHECKOUT_IP,
        cart_user: env.RATE_LIMIT_CART_USER,
        browse_ip: env.RATE_LIMIT_BROWSE_IP,
        guest_cart_ip: env.RATE_LIMIT_GUEST_CART_IP,
        payment_confirm_user: env.RATE_LIMIT_PAYMENT_CONFIRM_USER,
        password_user: env.RATE_LIMIT_PASSWORD_USER,
      },
    },
    logLevel: env.LOG_LEVEL,
    db: {
      url: env.DATABASE_URL,
      poolMax: env.DB_POOL_MAX,
      migrateOnStart: env.MIGRATE_ON_START,
      replica: env.DATABASE_REPLICA_URL
        ? { url: env.DATABASE_REPLICA_URL, poolMax: env.DB_POOL_MAX, maxLagMs: env.REPLICA_MAX_LAG }
        : null,
    },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT },
    cache: {
      productTtlMs: env.PRODUCT_CACHE_TTL,
      searchTtlMs: env.SEARCH_CACHE_TTL,
      searchMaxAgeMs: Math.max(env.SEARCH_CACHE_MAX_AGE, env.SEARCH_CACHE_TTL),
      stockTtlMs: env.STOCK_CACHE_TTL,
    },
    search: {
      backend: env.SEARCH_BACKEND,
      // Known whenever a URL is given: the index sync and `shopctl search` reach the engine even
      // while browse stays on PostgreSQL (building the index before switching to it).
      opensearch: env.OPENSEARCH_URL
        ? { url: env.OPENSEARCH_URL, indexPrefix: env.OPENSEARCH_INDEX_PREFIX }
        : null,
      timeoutMs: env.SEARCH_TIMEOUT,
      breaker: { failures: env.SEARCH_BREAKER_FAILURES, probeAfterMs: env.SEARCH_BREAKER_PROBE },
      postgres: {
        concurrency: env.SEARCH_CONCURRENCY,
        queue: env.SEARCH_QUEUE,
        queueWaitMs: env.SEARCH_QUEUE_WAIT,
        statementTimeoutMs: env.SEARCH_STATEMENT_TIMEOUT,
      },
    },
    checkout: {
      strategy: env.CHECKOUT_STRATEGY,
      batchMax: env.CHECKOUT_BATCH_MAX,
      batchWaitMs: env.CHECKOUT_BATCH_WAIT,
      batchConcurrency: env.CHECKOUT_BATCH_CONCURRENCY,
      reservationTtlMs: env.RESERVATION_TTL,
      maxPendingOrders: env.MAX_PENDING_ORDERS,
    },
    payments: {
      provider: env.PAYMENT_PROVIDER,
      allowSandbox: env.ALLOW_SANDBOX_PAYMENTS,
      stripe:
        env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET
          ? {
              secretKey: env.STRIPE_SECRET_KEY,
              webhookSecret: env.STRIPE_WEBHOOK_SECRET,
              apiBase: env.STRIPE_API_BASE ?? null,
              publishableKey: env.STRIPE_PUBLISHABLE_KEY ?? null,
            }
          : null,
      concurrency: env.PAYMENT_CONCURRENCY,
      timeoutMs: env.PAYMENT_TIMEOUT,
      sandbox: {
        latencyMs: env.SANDBOX_LATENCY,
        serverErrorRate: env.SANDBOX_SERVER_ERROR_RATE,
        timeoutRate: env.SANDBOX_TIMEOUT_RATE,
      },
    },
    settlement: {
      batchMax: env.SETTLEMENT_BATCH_MAX,
      batchWaitMs: env.SETTLEMENT_BATCH_WAIT,
      batchConcurrency: env.SETTLEMENT_BATCH_CONCURRENCY,
    },
    events: {
      // Null: no broker; the consumers take the events from PostgreSQL in-process.
      amqpUrl: env.AMQP_URL ?? null,
      batchSize: env.EVENT_RELAY_BATCH,
      intervalMs: env.EVENT_RELAY_INTERVAL,
      /** The consumers this process runs. */
      consumers: env.EVENT_CONSUMERS.filter((c) => deployed.includes(c)),
      /** Every consumer of the deployment (queues, retention). */
      deployed,
    },
    lowStockThreshold: env.LOW_STOCK_THRESHOLD,
    fulfillment: {
      shipDelayMs: env.FULFILLMENT_SHIP_DELAY,
      deliverDelayMs: env.FULFILLMENT_DELIVER_DELAY,
      intervalMs: env.FULFILLMENT_INTERVAL,
    },
    jobs: {
      enabled: env.WORKERS,
      sweeperIntervalMs: env.SWEEPER_INTERVAL,
      workerIntervalMs: env.WORKER_INTERVAL,
      auditIntervalMs: env.AUDIT_INTERVAL,
    },
    auth: { tokenTtlMs: env.TOKEN_TTL, cacheSecret: env.AUTH_CACHE_SECRET ?? null },
    recommendations: {
      windowMs: env.RECOMMENDATIONS_WINDOW,
      minSupport: env.RECOMMENDATIONS_MIN_SUPPORT,
      intervalMs: env.RECOMMENDATIONS_INTERVAL,
    },
    cart: {
      maxQuantity: env.CART_MAX_QUANTITY,
      maxLines: env.CART_MAX_LINES,
      retentionMs: env.CART_RETENTION,
    },
    archive: {
      orderRetentionMs: env.ORDER_RETENTION,
      dir: env.ARCHIVE_DIR,
      batchSize: env.ORDER_ARCHIVE_BATCH,
      duty: env.ORDER_ARCHIVE_DUTY,
      yieldTo: { busyRate: env.ORDER_ARCHIVE_BUSY_RATE, busyDuty: env.ORDER_ARCHIVE_BUSY_DUTY },
    },
  };
}

export type Config = Readonly<ReturnType<typeof build>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const KEEP_EMPTY = new Set(['EVENT_CONSUMERS']);

/**
 * What production refuses to start without: a default that is right for a laptop is a hole in a
 * store that takes money. Each problem is named, so one start-up lists them all.
 */
function productionIssues(
  e: z.output<typeof envSchema>,
  given: Record<string, string | undefined>,
): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const need = (name: keyof Env, message: string) => issues.push({ path: [name], message });
  if (!given.PAYMENT_PROVIDER) {
    need(
      'PAYMENT_PROVIDER',
      'required with NODE_ENV=production: stripe (or sandbox with ALLOW_SANDBOX_PAYMENTS=true)',
    );
  } else if (e.PAYMENT_PROVIDER === 'sandbox' && !e.ALLOW_SANDBOX_PAYMENTS) {
    need(
      'PAYMENT_PROVIDER',
      'sandbox takes no money and ships for test cards; with NODE_ENV=production it needs ALLOW_SANDBOX_PAYMENTS=true',
    );
  }
  if (!e.METRICS_TOKEN) {
    need(
      'METRICS_TOKEN',
      "required with NODE_ENV=production: /metrics tells anyone the store's sales and errors",
    );
  }
  if (!e.AUTH_CACHE_SECRET) {
    need(
      'AUTH_CACHE_SECRET',
      'required with NODE_ENV=production: one secret for every process signs cached sessions and browse cursors',
    );
  }
  if (e.STRIPE_API_BASE && new URL(e.STRIPE_API_BASE).protocol !== 'https:') {
    need(
      'STRIPE_API_BASE',
      'must be an https: URL with NODE_ENV=production: the secret key travels with every call',
    );
  }
  return issues;
}

/** Parses the environment once; a bad value stops start-up with every problem named. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty value means unset, except where empty says something ("no consumers").
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && (v !== '' || KEEP_EMPTY.has(k))),
  );
  const parsed = envSchema
    .superRefine((e, ctx) => {
      const all = deployedConsumers(e);
      const picked = new Set(e.EVENT_CONSUMERS.filter((c) => all.includes(c))).size;
      if (!e.AMQP_URL && picked > 0 && picked < all.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['EVENT_CONSUMERS'],
          message: `a process runs some consumers only with a broker (AMQP_URL); without one it delivers each event to all of them (${all.join(',')}) or none ("")`,
        });
      }
      if (e.SEARCH_BACKEND === 'opensearch' && !e.OPENSEARCH_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['OPENSEARCH_URL'],
          message:
            'required with SEARCH_BACKEND=opensearch: the engine to search, e.g. http://127.0.0.1:9200',
        });
      }
      if (e.NODE_ENV === 'production') {
        for (const issue of productionIssues(e, cleaned)) ctx.addIssue({ code: 'custom', ...issue });
      }
      if (e.PAYMENT_PROVIDER !== 'stripe') return;
      for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const) {
        if (!e[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'required with PAYMENT_PROVIDER=stripe' });
      }
    })
    .safeParse(cleaned);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error, { separator: '\n', indent: '  ' });
    throw new ConfigError(`Invalid configuration:\n${lines}`);
  }
  return deepFreeze(build(parsed.data));
}

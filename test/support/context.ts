import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { type Env, loadConfig } from '../../src/config.js';
import { type Container, type ContainerOverrides, createContainer } from '../../src/container.js';
import { databaseName, quoteIdent, withDatabase, withMaintenance } from '../../src/db/index.js';
import { createContract } from '../../src/openapi/contract.js';
import { createApiSpec } from '../../src/openapi/document.js';
import { createLogger } from '../../src/shared/logger.js';
import { checkedAgent } from './contract.js';
import { TEMPLATE_DB } from './hooks.js';

let counter = 0;

export interface TestContext {
  container: Container;
  /** An HTTP client of the app; every answer it receives is checked against the API document. */
  request: () => supertest.Agent;
  databaseUrl: string;
  /** Empties every table but knex's own, between tests that need a blank store. */
  truncate(): Promise<void>;
  close(): Promise<void>;
}

export function baseUrls() {
  return {
    databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/shop',
    redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** A fresh database cloned from the migrated template, and a Redis key prefix of its own. */
export async function createTestDatabase(): Promise<string> {
  const { databaseUrl } = baseUrls();
  const name = `shop_test_${process.pid}_${++counter}_${Date.now() % 100_000}`;
  await withMaintenance(databaseUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(TEMPLATE_DB)}`),
  );
  return withDatabase(databaseUrl, name);
}

export async function dropTestDatabase(url: string) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withMaintenance(url, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

export async function createTestContext(
  env: Env = {},
  overrides: ContainerOverrides = {},
): Promise<TestContext> {
  const databaseUrl = await createTestDatabase();
  const { redisUrl } = baseUrls();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test:${process.pid}:${counter}:`,
    WORKERS: 'false',
    // Tests that want a card network's latency or its faults say so.
    SANDBOX_LATENCY: '0',
    // Every test request comes from one address: the rate-limit tests turn the limits on.
    RATE_LIMITS: 'false',
    ...env,
    // A replica copies the whole server: the test's own database is there under the same name.
    ...(env.DATABASE_REPLICA_URL && {
      DATABASE_REPLICA_URL: withDatabase(env.DATABASE_REPLICA_URL, databaseName(databaseUrl)),
    }),
  } as Record<string, string>);
  const container = createContainer(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    ...overrides,
  });
  const app = createApp(container);
  const server = app.callback();
  const contract = createContract(createApiSpec(config).routes);
  // Redis connects in the background; tests that expect cache hits wait for it (bounded).
  await container.cache.whenReady(2_000);

  return {
    container,
    databaseUrl,
    request: () => checkedAgent(supertest.agent(server), contract),
    async truncate() {
      const tables = await container.db
        .select('tablename')
        .from('pg_tables')
        .where('schemaname', 'public')
        .whereNotIn('tablename', ['knex_migrations', 'knex_migrations_lock']);
      await container.db.raw(
        `TRUNCATE ${tables.map((t: { tablename: string }) => quoteIdent(t.tablename)).join(', ')} RESTART IDENTITY CASCADE`,
      );
      await container.cache.delPattern('*');
    },
    async close() {
      await container.cache.delPattern('*');
      await container.close();
      await dropTestDatabase(databaseUrl);
    },
  };
}

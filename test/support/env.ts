import { existsSync } from 'node:fs';

/**
 * Where the integration tests find PostgreSQL and Redis: DATABASE_URL / REDIS_URL when set,
 * containers when a Docker engine is reachable, else the local services on their default ports.
 */
export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

const LOCAL = { databaseUrl: 'postgres://postgres@127.0.0.1:5432/shop', redisUrl: 'redis://127.0.0.1:6379' };

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

export async function resolveServices(): Promise<TestServices> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (DATABASE_URL || REDIS_URL || !dockerReachable()) {
    return {
      databaseUrl: DATABASE_URL ?? LOCAL.databaseUrl,
      redisUrl: REDIS_URL ?? LOCAL.redisUrl,
      stop: async () => {},
    };
  }
  try {
    const [{ PostgreSqlContainer }, { RedisContainer }] = await Promise.all([
      import('@testcontainers/postgresql'),
      import('@testcontainers/redis'),
    ]);
    const [pg, redis] = await Promise.all([
      new PostgreSqlContainer('postgres:15-alpine').withDatabase('shop').withUsername('postgres').start(),
      new RedisContainer('redis:7-alpine').start(),
    ]);
    return {
      databaseUrl: pg.getConnectionUri(),
      redisUrl: redis.getConnectionUrl(),
      stop: async () => {
        await Promise.allSettled([pg.stop(), redis.stop()]);
      },
    };
  } catch (err) {
    // A socket file without a running engine: fall back to the local services.
    process.stderr.write(`testcontainers unavailable (${(err as Error).message}); using local services\n`);
    return { ...LOCAL, stop: async () => {} };
  }
}

/** The least a production start accepts (src/config.ts `productionIssues`): for tests that start one. */
export const PRODUCTION = Object.freeze({
  NODE_ENV: 'production',
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_production_profile',
  STRIPE_WEBHOOK_SECRET: 'whsec_production_profile',
  METRICS_TOKEN: 'metrics-token-production-profile',
  AUTH_CACHE_SECRET: 'auth-cache-secret-production-profile-0123456789',
});

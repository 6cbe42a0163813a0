import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import { createLogger } from '../src/shared/logger.js';
import { type FireResult, fire, type Scenario } from './fire.js';
import { dropRedisPrefix, seededDatabase } from './scenario.js';
import { startServiceProcess } from './service.js';

export interface MixBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  rate: number;
  durationSec: number;
  products: number;
  /** Seconds of the same mix before the measured run (not measured): JIT, pools, caches. */
  warmupSec?: number;
}

export interface MixPlan {
  mix: Scenario[];
  /** Refusals that are the right answer under this load ("409 insufficient_stock"): counted, not failures. */
  businessAnswers?: Set<string>;
  /** Checks after the run; each string it returns is a failure. */
  check?: () => Promise<string[]>;
}

/**
 * A seeded scratch store, the service as its own process on it, a container on the same database
 * and Redis prefix for `setup` (users, carts) and `check`, then a warm-up and the measured run at a
 * fixed rate. Any 4xx outside businessAnswers, 5xx, connection error or timeout is a failure.
 */
export async function runMixBench(
  name: string,
  opts: MixBenchOptions,
  setup: (c: Container) => Promise<MixPlan>,
): Promise<{ fire: FireResult; failures: string[] }> {
  const { url: databaseUrl, db } = await seededDatabase(
    opts.databaseUrl,
    `shop_loadtest_${name}`,
    opts.products,
  );
  await db.destroy();
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: `loadtest:${name}:${randomUUID().slice(0, 8)}:`,
    // As `npm run demo` runs: background workers on (idle here: browsing and carts place no orders).
  };
  const c = createContainer(loadConfig(env), { logger: createLogger('warn') });
  const service = await startServiceProcess(env);
  try {
    const plan = await setup(c);
    await fire({ urls: [service.url], rate: opts.rate, durationSec: opts.warmupSec ?? 3, mix: plan.mix });
    const result = await fire({
      urls: [service.url],
      rate: opts.rate,
      durationSec: opts.durationSec,
      mix: plan.mix,
    });
    const failures = Object.entries(result.outcomes)
      .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400 && !plan.businessAnswers?.has(outcome))
      .map(([outcome, n]) => `${n} × ${outcome}`);
    if (result.errors || result.timeouts)
      failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
    failures.push(...((await plan.check?.()) ?? []));
    return { fire: result, failures };
  } finally {
    await service.stop();
    await c.close();
    await dropRedisPrefix(opts.redisUrl, env.REDIS_PREFIX);
  }
}

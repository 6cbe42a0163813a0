import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import { databaseName, withDatabase, withMaintenance } from '../src/db/index.js';
import { createLogger } from '../src/shared/logger.js';
import { type CpuGroups, cpuReading } from './cpu.js';
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
  /**
   * An already-seeded database to run on as it is (browse only reads), instead of a copy of the
   * seeded template; the service does not migrate it (run `shopctl db migrate` on it first).
   */
  database?: string;
  /** More environment for the service process (SEARCH_BACKEND, OPENSEARCH_URL...). */
  serviceEnv?: Record<string, string>;
}

/** PostgreSQL's own account of the run's database: time spent in statements, buffers touched. */
export interface PostgresTime {
  /** pg_stat_database.active_time over the warm-up and the run: statements' wall time, every backend. */
  activeMs: number;
  /** Shared buffers hit or read. */
  buffers: number;
  /** Requests answered over the warm-up and the run. */
  requests: number;
  msPerRequest: number;
  buffersPerRequest: number;
  /** With a replica (DATABASE_REPLICA_URL): the primary's share of activeMs... */
  primaryMs?: number;
  /** ...and the replica's, from its own pg_stat_database (a standby keeps its own statistics). */
  replica?: { activeMs: number; buffers: number };
  /**
   * ...and the scans of each catalog table the primary ran meanwhile (pg_stat_user_tables: a
   * standby counts its own): browse's statements are the replica's, so these are the background
   * jobs' (the invariant audit reads inventory).
   */
  primaryCatalogScans?: Record<string, number>;
}

async function seededCopy(baseUrl: string, name: string, products: number): Promise<string> {
  const { url, db } = await seededDatabase(baseUrl, `shop_loadtest_${name}`, products);
  await db.destroy();
  return url;
}

/** The database's cumulative statement time and buffers, read from another database. */
async function databaseActivity(url: string) {
  return withMaintenance(url, async (client) => {
    const { rows } = await client.query<{ active: number; buffers: string }>(
      'SELECT active_time AS active, blks_hit + blks_read AS buffers FROM pg_stat_database WHERE datname = $1',
      [databaseName(url)],
    );
    return { activeMs: Number(rows[0]?.active ?? 0), buffers: Number(rows[0]?.buffers ?? 0) };
  });
}

/** The tables browse reads: with a replica, the primary should scan none of them for shoppers. */
const CATALOG_TABLES = ['products', 'categories', 'inventory', 'search_words'];

/** Scans (sequential and by index) of each catalog table, as the server `url` counted them. */
async function catalogScans(url: string): Promise<Record<string, number>> {
  const { createDb } = await import('../src/db/index.js');
  const db = createDb(url, 1);
  try {
    const { rows } = await db.raw<{ rows: { relname: string; scans: string }[] }>(
      `SELECT relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans
         FROM pg_stat_user_tables WHERE relname = ANY(?)`,
      [CATALOG_TABLES],
    );
    return Object.fromEntries(rows.map((r) => [r.relname, Number(r.scans)]));
  } finally {
    await db.destroy();
  }
}

const scansSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(CATALOG_TABLES.map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)]));

/** Waits until the service reads from the replica (it has replayed the run's new database): at most 30 s. */
async function replicaInUse(serviceUrl: string) {
  const until = Date.now() + 30_000;
  let last = 'no answer';
  while (Date.now() < until) {
    const ready = await fetch(`${serviceUrl}/readyz`)
      .then((r) => r.json() as Promise<{ checks?: { replica?: string } }>)
      .catch(() => null);
    last = ready?.checks?.replica ?? 'no replica check';
    if (last === 'up') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the service did not read from the replica within 30 s (checks.replica: ${last})`);
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
): Promise<{ fire: FireResult; failures: string[]; postgres: PostgresTime; cpu: CpuGroups }> {
  const databaseUrl = opts.database ?? (await seededCopy(opts.databaseUrl, name, opts.products));
  // A prefix of its own: the caches start empty, as after a restart that lost Redis.
  const prefix = `loadtest:${name}:${randomUUID().slice(0, 8)}:`;
  // A replica copies the whole server: the run's database is there under the same name.
  const replicaUrl = opts.serviceEnv?.DATABASE_REPLICA_URL
    ? withDatabase(opts.serviceEnv.DATABASE_REPLICA_URL, databaseName(databaseUrl))
    : null;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    // As `npm run demo` runs: background workers on (idle here: browsing and carts place no orders).
    ...(opts.database ? { MIGRATE_ON_START: 'false' } : {}),
    ...opts.serviceEnv,
    ...(replicaUrl ? { DATABASE_REPLICA_URL: replicaUrl } : {}),
  };
  const c = createContainer(loadConfig(env), { logger: createLogger('warn') });
  const service = await startServiceProcess(env);
  let stopped = false;
  try {
    const plan = await setup(c);
    if (replicaUrl) await replicaInUse(service.url);
    const before = await databaseActivity(databaseUrl);
    const replicaBefore = replicaUrl ? await databaseActivity(replicaUrl) : null;
    const scansBefore = replicaUrl ? await catalogScans(databaseUrl) : null;
    const warm = await fire({
      urls: [service.url],
      rate: opts.rate,
      durationSec: opts.warmupSec ?? 3,
      mix: plan.mix,
    });
    const cpu = cpuReading({ service: service.child.pid, generator: process.pid });
    const result = await fire({
      urls: [service.url],
      rate: opts.rate,
      durationSec: opts.durationSec,
      mix: plan.mix,
    });
    const { cores } = cpu.stop();
    const failures = Object.entries(result.outcomes)
      .filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400 && !plan.businessAnswers?.has(outcome))
      .map(([outcome, n]) => `${n} × ${outcome}`);
    if (result.errors || result.timeouts)
      failures.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
    failures.push(...((await plan.check?.()) ?? []));
    // A backend reports its statement time when it goes idle or exits: stop the service, then read.
    await service.stop();
    stopped = true;
    await new Promise((r) => setTimeout(r, 500));
    const after = await databaseActivity(databaseUrl);
    const requests = warm.requests + result.requests;
    const primaryMs = after.activeMs - before.activeMs;
    // A replica stopped during the run (to see browse carry on) has no figures to give.
    const replicaAfter = replicaUrl ? await databaseActivity(replicaUrl).catch(() => null) : null;
    const replica =
      replicaBefore && replicaAfter
        ? {
            activeMs: replicaAfter.activeMs - replicaBefore.activeMs,
            buffers: replicaAfter.buffers - replicaBefore.buffers,
          }
        : undefined;
    const activeMs = primaryMs + (replica?.activeMs ?? 0);
    const buffers = after.buffers - before.buffers + (replica?.buffers ?? 0);
    const postgres: PostgresTime = {
      activeMs,
      buffers,
      requests,
      msPerRequest: activeMs / Math.max(1, requests),
      buffersPerRequest: buffers / Math.max(1, requests),
      ...(replica ? { primaryMs, replica } : {}),
      ...(scansBefore
        ? { primaryCatalogScans: scansSince(scansBefore, await catalogScans(databaseUrl)) }
        : {}),
    };
    return { fire: result, failures, postgres, cpu: cores };
  } finally {
    if (!stopped) await service.stop();
    await c.close();
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}

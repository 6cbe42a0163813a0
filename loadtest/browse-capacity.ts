import { randomUUID } from 'node:crypto';
import { type CpuGroups, cpuLine } from './cpu.js';
import { type FireResult, percentile } from './fire.js';
import type { MixBenchOptions, PostgresTime } from './mix.js';
import { ms, table } from './report.js';
import { dropRedisPrefix } from './scenario.js';
import { startServiceProcess } from './service.js';

/** The search engine the service browses with, as its environment names it. */
export interface SearchBackendChoice {
  backend: 'postgres' | 'opensearch';
  opensearchUrl?: string;
  /** A streaming replica's server (postgres://…:5433): browse reads from the run's database there. */
  replica?: string;
}

export const backendEnv = ({
  backend,
  opensearchUrl,
  replica,
}: SearchBackendChoice): Record<string, string> => ({
  SEARCH_BACKEND: backend,
  ...(opensearchUrl ? { OPENSEARCH_URL: opensearchUrl } : {}),
  // runMixBench names the run's own database in it.
  ...(replica ? { DATABASE_REPLICA_URL: replica } : {}),
});

export const postgresLine = (pg: PostgresTime) =>
  `PostgreSQL (pg_stat_database.active_time of the run's database, warm-up included): ${pg.activeMs.toFixed(0)} ms over ${pg.requests} requests = ${pg.msPerRequest.toFixed(2)} ms a request, ${pg.buffersPerRequest.toFixed(0)} buffers a request${
    pg.replica
      ? `; of it the primary ${pg.primaryMs!.toFixed(0)} ms, the replica ${pg.replica.activeMs.toFixed(0)} ms (${((100 * pg.replica.activeMs) / Math.max(1, pg.activeMs)).toFixed(0)}% on the replica); catalog scans on the primary: ${Object.entries(
          pg.primaryCatalogScans ?? {},
        )
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`
      : ''
  }`;

type MixRun = (
  o: MixBenchOptions,
) => Promise<{ fire: FireResult; failures: string[]; postgres: PostgresTime; cpu?: CpuGroups }>;

export interface Step {
  rate: number;
  answered: number;
  p50: number;
  p99: number;
  max: number;
  statuses: string;
  postgres: PostgresTime;
  /** Cores each process group used during the measured run. */
  cpu?: CpuGroups;
  held: boolean;
}

/**
 * Steps the offered rate up, each step on a service started afresh (caches as after a restart),
 * until one is not held: p99 over the budget, fewer than 95% of the offered rate answered, or
 * anything but a 2xx (a 503 refusal included). Reports every step and the last rate held.
 */
export async function findMaxRate(
  base: MixBenchOptions,
  run: MixRun,
  budgetMs: number,
  steps: number[],
): Promise<{ held: number; steps: Step[] }> {
  const done: Step[] = [];
  let held = 0;
  for (const rate of steps) {
    const report = await run({ ...base, rate });
    const f = report.fire;
    const ok = report.failures.length === 0 && f.latency.p99 <= budgetMs && f.achievedRate >= rate * 0.95;
    done.push({
      rate,
      answered: f.achievedRate,
      p50: f.latency.p50,
      p99: f.latency.p99,
      max: f.latency.max,
      statuses: Object.entries(f.outcomes)
        .map(([o, n]) => `${o}:${n}`)
        .join(' '),
      postgres: report.postgres,
      ...(report.cpu ? { cpu: report.cpu } : {}),
      held: ok,
    });
    process.stdout.write(
      `@ ${rate}/s: ${f.achievedRate.toFixed(0)}/s answered, p50 ${ms(f.latency.p50)}, p99 ${ms(f.latency.p99)}, max ${ms(f.latency.max)}, PostgreSQL ${report.postgres.msPerRequest.toFixed(2)} ms/request, CPU (cores) ${report.cpu ? cpuLine(report.cpu) : '-'}: ${ok ? 'held' : 'not held'}\n`,
    );
    if (!ok) break;
    held = rate;
  }
  return { held, steps: done };
}

export function stepsTable(steps: Step[]): string {
  return table([
    ['offered/s', 'answered/s', 'p50', 'p99', 'max', 'PG ms/req', 'outcomes', 'held'],
    ...steps.map((s) => [
      s.rate,
      s.answered.toFixed(0),
      ms(s.p50),
      ms(s.p99),
      ms(s.max),
      s.postgres.msPerRequest.toFixed(2),
      s.statuses,
      s.held ? 'yes' : 'no',
    ]),
  ]);
}

export interface ColdSearch {
  query: string;
  /** One timing per round, each on a service with empty caches. */
  ms: number[];
  total: number | null;
  status: number;
}

/**
 * Single uncached searches, one at a time: each round starts the service afresh on a Redis prefix
 * of its own (every cache empty) and asks each query once, timed from the request to the last byte.
 */
export async function coldSearches(opts: {
  database: string;
  redisUrl: string;
  queries: string[];
  rounds: number;
  serviceEnv: Record<string, string>;
}): Promise<ColdSearch[]> {
  const results = opts.queries.map((query) => ({
    query,
    ms: [] as number[],
    total: null as number | null,
    status: 0,
  }));
  for (let round = 0; round < opts.rounds; round++) {
    const prefix = `loadtest:searches:${randomUUID().slice(0, 8)}:`;
    const service = await startServiceProcess({
      DATABASE_URL: opts.database,
      REDIS_URL: opts.redisUrl,
      REDIS_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      ...opts.serviceEnv,
    });
    try {
      // One request that searches nothing, so the first query timed does not pay for start-up.
      await fetch(`${service.url}/products?category=kitchen`);
      for (const r of results) {
        const started = performance.now();
        const res = await fetch(`${service.url}/products?${r.query}`);
        const body = (await res.json()) as { total?: number };
        r.ms.push(performance.now() - started);
        r.total = body.total ?? null;
        r.status = res.status;
      }
    } finally {
      await service.stop();
      await dropRedisPrefix(opts.redisUrl, prefix);
    }
  }
  return results;
}

export function coldSearchTable(results: ColdSearch[]): string {
  return table([
    ['query', 'status', 'total', 'median', 'min', 'max', 'each round'],
    ...results.map((r) => {
      const sorted = Float64Array.from(r.ms).sort();
      return [
        r.query,
        r.status,
        r.total ?? '-',
        ms(percentile(sorted, 50)),
        ms(sorted[0] ?? 0),
        ms(sorted.at(-1) ?? 0),
        r.ms.map((v) => v.toFixed(0)).join(' '),
      ];
    }),
  ]);
}

import autocannon from 'autocannon';
import { seedDemoStore } from '../seeds/demo-store.js';
import { type Env, loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import {
  createDb,
  ensureDatabase,
  migrateLatest,
  quoteIdent,
  withDatabase,
  withMaintenance,
} from '../src/db/index.js';
import { startServer } from '../src/server.js';
import { hashPassword } from '../src/users/passwords.js';

/** Shared by the load tests: a scratch store, the real HTTP server on it, and a paced load generator. */

export interface ScratchStore {
  container: Container;
  databaseUrl: string;
  /** Closes the container (if still open) and drops the database. */
  drop(): Promise<void>;
}

/**
 * A freshly seeded database of its own (dropped and rebuilt on every run, so runs compare) and a
 * container wired to it with its own Redis prefix. The name must start with shop_bench_: this
 * drops whatever database has that name.
 */
export async function prepareScratchStore({
  name,
  products,
  env = {},
}: {
  name: string;
  products: number;
  env?: Env;
}): Promise<ScratchStore> {
  if (!/^shop_bench_\w+$/.test(name))
    throw new Error(`scratch database name must start with shop_bench_: ${name}`);
  const baseUrl = loadConfig(process.env).db.url;
  const databaseUrl = withDatabase(baseUrl, name);
  const dropDatabase = () =>
    withMaintenance(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));

  await dropDatabase();
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 2);
  try {
    await migrateLatest(db);
    await seedDemoStore(db, { products, hashPassword });
  } finally {
    await db.destroy();
  }

  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: `bench:${name}:`,
    LOG_LEVEL: 'warn',
    WORKERS: 'false',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  } as Record<string, string>);
  const container = createContainer(config);
  const until = Date.now() + 2_000;
  while (!container.cache.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await container.cache.delPattern('*');
  return {
    container,
    databaseUrl,
    async drop() {
      await container.close();
      await dropDatabase();
    },
  };
}

/** The real server (src/server.ts) on an ephemeral port; stop() also closes the container. */
export async function startService(container: Container) {
  const running = await startServer(container, 0);
  const address = running.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, stop: () => running.stop() };
}

export interface Scenario {
  name: string;
  /** Share of the overall rate, relative to the other scenarios' weights. */
  weight: number;
  request: autocannon.Request;
}

export interface LatencySummary {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface FireSummary {
  durationS: number;
  overall: LatencySummary;
  byScenario: Record<string, LatencySummary>;
  /** '200', '201', '409 insufficient_stock', … (the API's error code for any status >= 400). */
  outcomes: Record<string, number>;
  /** Connection errors and timeouts: nothing came back. */
  errors: number;
}

function summarise(samples: number[], durationS: number): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! : 0);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    requests: sorted.length,
    rps: Math.round(sorted.length / durationS),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(at(1)),
  };
}

function outcomeOf(status: number, body: string): string {
  if (status < 400) return String(status);
  try {
    return `${status} ${(JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '?'}`;
  } catch {
    return `${status} (not JSON)`;
  }
}

/**
 * Drives `mix` at `rate` requests/s overall for `durationS` seconds.
 *
 * autocannon paces a connection by sending its whole per-second quota back to back at the top of
 * each second, so one instance at 500 req/s is a burst every second, not a steady flow. Each
 * scenario is therefore split into `lanes` instances started 1/lanes s apart, which spreads the
 * bursts over the second. Latencies are recorded here from every response (autocannon keeps only
 * 2xx, and its coordinated-omission correction assumes a 1 ms interval whatever the rate), so the
 * percentiles are exact over all answers, 409s included.
 */
export async function fire({
  url,
  rate,
  durationS,
  mix,
  lanes = 10,
  connectionsPerLane = 2,
}: {
  url: string;
  rate: number;
  durationS: number;
  mix: Scenario[];
  lanes?: number;
  connectionsPerLane?: number;
}): Promise<FireSummary> {
  const totalWeight = mix.reduce((n, s) => n + s.weight, 0);
  const samples = new Map<string, number[]>(mix.map((s) => [s.name, []]));
  const outcomes: Record<string, number> = {};
  let errors = 0;

  const runs: Promise<autocannon.Result>[] = [];
  for (const scenario of mix) {
    const scenarioRate = Math.max(1, Math.round((rate * scenario.weight) / totalWeight));
    const laneCount = Math.min(lanes, scenarioRate);
    const latencies = samples.get(scenario.name)!;
    const request: autocannon.Request = {
      ...scenario.request,
      onResponse: (status, body) => {
        const key = outcomeOf(status, body);
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      },
    };
    for (let lane = 0; lane < laneCount; lane++) {
      const laneRate = Math.floor(scenarioRate / laneCount) + (lane < scenarioRate % laneCount ? 1 : 0);
      runs.push(
        new Promise((resolve, reject) => {
          setTimeout(
            () => {
              const instance = autocannon(
                {
                  url,
                  overallRate: laneRate,
                  connections: Math.min(connectionsPerLane, laneRate),
                  duration: durationS,
                  requests: [request],
                  ignoreCoordinatedOmission: true,
                },
                (err, result) => (err ? reject(err) : resolve(result)),
              );
              instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
            },
            (lane * 1_000) / laneCount,
          );
        }),
      );
    }
  }
  for (const result of await Promise.all(runs)) errors += result.errors;

  const byScenario = Object.fromEntries(
    [...samples].map(([name, latencies]) => [name, summarise(latencies, durationS)]),
  );
  return {
    durationS,
    overall: summarise([...samples.values()].flat(), durationS),
    byScenario,
    outcomes,
    errors,
  };
}

/** Rows of equal keys as an aligned text table (numbers right-aligned). */
export function printTable(
  rows: Record<string, string | number>[],
  out: NodeJS.WritableStream = process.stdout,
) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[], raw?: Record<string, string | number>) =>
    values
      .map((v, i) => (typeof raw?.[columns[i]!] === 'number' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.write(`${line(columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const [i, row] of rows.entries()) out.write(`${line(cells[i]!, row)}\n`);
}

/** One table row per scenario plus the total, latencies in ms. */
export function latencyRows(summary: FireSummary) {
  const row = (name: string, s: LatencySummary) => ({
    scenario: name,
    requests: s.requests,
    'req/s': s.rps,
    'p50 ms': s.p50,
    'p90 ms': s.p90,
    'p99 ms': s.p99,
    'max ms': s.max,
  });
  return [...Object.entries(summary.byScenario).map(([n, s]) => row(n, s)), row('all', summary.overall)];
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { fraction, nonNegativeInteger, positiveInteger, shareOrNone } from '../cli/options.js';
import { loadConfig } from '../src/config.js';
import { runArchiveBench } from './archive.js';
import { runAftermathBench } from './archive-aftermath.js';
import { runBrowseBench, runLongTailBench } from './browse.js';
import {
  backendEnv,
  coldSearches,
  coldSearchTable,
  findMaxRate,
  postgresLine,
  type SearchBackendChoice,
  stepsTable,
} from './browse-capacity.js';
import { browsePlans } from './browse-plans.js';
import { runCartBench } from './cart.js';
import { type CpuGroups, cpuLine } from './cpu.js';
import type { FireResult } from './fire.js';
import {
  type BrowseDuringSale,
  type FlashSaleOptions,
  type FlashSaleReport,
  runFlashSale,
} from './flash-sale.js';
import type { MixBenchOptions, PostgresTime } from './mix.js';
import { singleRowUpdateRate } from './pgbench.js';
import { runRecommendationsBench } from './recommendations.js';
import { ms, RESULTS_DIR, table, writeBacklogChart, writeJson, writeLatencyChart } from './report.js';
import { describeServerSettings } from './scenario.js';
import { runSearchOps, type SearchOpsReport } from './search-ops.js';

function summaryRow(label: string, r: FlashSaleReport) {
  return [
    label,
    r.fire.achievedRate.toFixed(0),
    r.successes,
    r.attempts,
    ms(r.fire.latency.p50),
    ms(r.fire.latency.p90),
    ms(r.fire.latency.p99),
    ms(r.fire.latency.max),
    Object.entries(r.fire.statusCounts)
      .map(([c, n]) => `${c}:${n}`)
      .join(' '),
    r.oversold,
    r.failures.length ? 'FAIL' : 'ok',
  ];
}
const HEADER = [
  'run',
  'req/s',
  'checkouts',
  'attempts',
  'p50',
  'p90',
  'p99',
  'max',
  'statuses',
  'oversold',
  'verdict',
];

/** The second half of each sale that took payments: paid/s, checkout → PAID, backlog, expiries. */
function paymentTable(reports: { label: string; report: FlashSaleReport }[]): string {
  const rows = reports.filter((r) => r.report.payment);
  if (rows.length === 0) return '';
  return `\npayments (sandbox):\n${table([
    [
      'run',
      'paid',
      'declined',
      'expired',
      'paid/s',
      'checkout→PAID p50',
      'p99',
      'max',
      'backlog max',
      'drained after sale',
    ],
    ...rows.map(({ label, report }) => {
      const p = report.payment!;
      return [
        label,
        p.paid,
        p.declined,
        p.expired,
        p.paidPerSec.toFixed(0),
        ms(p.toPaid.p50),
        ms(p.toPaid.p99),
        ms(p.toPaid.max),
        p.backlogMax,
        p.drainMs === null ? 'never' : ms(p.drainMs),
      ];
    }),
  ])}\n`;
}

function printReport(name: string, reports: { label: string; report: FlashSaleReport }[]) {
  process.stdout.write(`\n${table([HEADER, ...reports.map((r) => summaryRow(r.label, r.report))])}\n`);
  process.stdout.write(paymentTable(reports));
  for (const { label, report } of reports) {
    for (const f of report.failures) process.stdout.write(`  ${label}: ${f}\n`);
  }
  const json = writeJson(name, reports);
  for (const { label, report } of reports) {
    for (const [i, lines] of (report.metrics ?? []).entries()) {
      const interesting = lines.filter((l) =>
        /^shop_(checkouts|payments|carts|reservations_expired|active_reservations|oversell|checkout_batch_size_(count|sum))/.test(
          l,
        ),
      );
      process.stdout.write(
        `\n${label}${report.metrics!.length > 1 ? ` (instance ${i + 1})` : ''}: /metrics after the sale\n  ${interesting.join('\n  ')}\n`,
      );
    }
  }
  for (const { label, report } of reports.filter((r) => r.report.events)) {
    const e = report.events!;
    process.stdout.write(
      `\n${label}: ${e.events} domain events, ${e.unpublished} unsent; relay lag (transaction → ${process.env.AMQP_URL ? 'broker confirm' : 'in-process consumers'}) p50 ${e.relayLag.p50} ms, p99 ${e.relayLag.p99} ms, max ${e.relayLag.max} ms; consumers ${Object.entries(
        e.consumers,
      )
        .map(([n, c]) => `${n} ${c.applied}/${c.bound}`)
        .join(
          ', ',
        )}${e.caughtUpAfterMs === null ? ' (behind)' : `, caught up ${e.caughtUpAfterMs} ms after the payments settled`}; ${e.shipped} of ${e.paidOrders} paid orders shipped${e.shippedAfterMs === null ? '' : `, the last ${e.shippedAfterMs} ms after the payments settled`}\n`,
    );
  }
  for (const { label, report } of reports.filter((r) => r.report.searchSync)) {
    const s = report.searchSync!;
    process.stdout.write(
      `\n${label}: search index (OpenSearch) through the sale and its settlement: lag p50 ${s.lag.p50} ms, p99 ${s.lag.p99} ms, max ${s.lag.max} ms over ${s.lag.samples} samples (${s.lag.maxOwed} products owed at most); reads: ${s.reads.pg} PostgreSQL, ${s.reads.index} engine, ${s.reads.api} API (${s.reads.apiErrors} failed)\n${table(
        [
          [
            'sold out at',
            'lasted',
            'final',
            'out of the index in_stock query after',
            'out of GET /products?in_stock=true after',
          ],
          ...s.soldOut.map((x) => [
            ms(x.atMs),
            ms(x.lastedMs),
            x.final ? 'yes' : 'no',
            x.indexMs === null ? 'not before restocked' : ms(x.indexMs),
            x.apiMs === null ? 'not before restocked' : ms(x.apiMs),
          ]),
        ],
      )}\n`,
    );
  }
  const svg = writeLatencyChart(
    name,
    reports.map((r) => ({ label: r.label, result: r.report.fire })),
  );
  const backlog = reports.filter((r) => r.report.payment);
  const backlogSvg = backlog.length
    ? writeBacklogChart(
        name,
        backlog.map((r) => ({ label: r.label, points: r.report.payment!.backlog })),
      )
    : null;
  process.stdout.write(`\nreport: ${json}\nchart:  ${svg}\n${backlogSvg ? `backlog: ${backlogSvg}\n` : ''}`);
}

async function flashSale(opts: {
  rate: number;
  duration: number;
  stock: number;
  buyers: number;
  strategy: 'group-commit' | 'row-lock';
  instances: number;
  payment: boolean;
  url?: string;
  compare?: boolean;
  max?: boolean;
  p99Budget: number;
  paidP99Budget: number;
  drainBudget: number;
  maxPerCustomer?: number;
  cpuProf?: string;
  browseRate?: number;
  products?: number;
  browseP99Budget?: number;
  searchBackend?: 'postgres' | 'opensearch';
  opensearchUrl?: string;
}): Promise<number> {
  const config = loadConfig();
  const base: FlashSaleOptions = {
    databaseUrl: config.db.url,
    redisUrl: config.redis.url,
    strategy: opts.strategy,
    rate: opts.rate,
    durationSec: opts.duration,
    stock: opts.stock,
    buyers: opts.buyers,
    instances: opts.instances,
    payment: opts.payment,
    paidP99BudgetMs: opts.paidP99Budget,
    ...(opts.maxPerCustomer ? { maxPerCustomer: opts.maxPerCustomer } : {}),
    drainBudgetMs: opts.drainBudget,
    ...(opts.url ? { url: opts.url } : {}),
    ...(opts.cpuProf ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] } : {}),
    ...(opts.browseRate ? { browse: { rate: opts.browseRate, products: opts.products ?? 1_000_000 } } : {}),
    ...(opts.searchBackend === 'opensearch' ? { search: { opensearchUrl: opensearchUrlOf(opts) } } : {}),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  if (opts.max) return findMax(base, opts.p99Budget, stamp);

  if (opts.compare) return compare(base, config.db.url, stamp);

  const report = await runFlashSale(base);
  const name = `flash-sale-${base.browse ? 'mixed-' : ''}${opts.strategy}-${stamp}`;
  printReport(name, [{ label: opts.strategy, report }]);
  const slow = report.fire.latency.p99 > opts.p99Budget;
  if (slow)
    process.stdout.write(`  p99 ${ms(report.fire.latency.p99)} is over the ${opts.p99Budget} ms budget\n`);
  const browseSlow = report.browse
    ? printBrowseBeside(name, report.browse, opts.browseP99Budget ?? 50)
    : false;
  return report.failures.length || slow || browseSlow ? 1 : 0;
}

/**
 * Both strategies with payments on (as the demo runs), and group commit with payments off beside
 * them, at the offered rate and saturated; pgbench's single-row update rate as the ceiling of one
 * transaction per checkout.
 */
async function compare(base: FlashSaleOptions, databaseUrl: string, stamp: string): Promise<number> {
  const rowLock = await runFlashSale({ ...base, strategy: 'row-lock', payment: true });
  const group = await runFlashSale({ ...base, strategy: 'group-commit', payment: true });
  const groupOff = await runFlashSale({ ...base, strategy: 'group-commit', payment: false });
  // Capacity: every buyer can succeed, and 200 connections send as fast as answers come back.
  const saturate = { ...base, rate: 0, connections: 200, stock: base.buyers };
  const rowLockMax = await runFlashSale({ ...saturate, strategy: 'row-lock', payment: true });
  const groupMax = await runFlashSale({ ...saturate, strategy: 'group-commit', payment: true });
  const groupOffMax = await runFlashSale({ ...saturate, strategy: 'group-commit', payment: false });
  const pgbench = await singleRowUpdateRate(databaseUrl);
  const runs = [
    { label: 'row-lock', report: rowLock },
    { label: 'group-commit', report: group },
    { label: 'group-commit, no payment', report: groupOff },
    { label: 'row-lock (saturated)', report: rowLockMax },
    { label: 'group-commit (saturated)', report: groupMax },
    { label: 'group-commit, no payment (saturated)', report: groupOffMax },
  ];
  printReport(`flash-sale-compare-${stamp}`, runs);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  // Saturated: every request is a checkout that succeeds (stock = buyers), so answers/s = checkouts/s.
  const rate = (r: FlashSaleReport) => r.fire.achievedRate;
  const line = (
    label: string,
    f: (r: FlashSaleReport) => number,
    show: (v: number) => string,
    [a, b, c]: FlashSaleReport[],
  ) => [label, show(f(a!)), show(f(b!)), show(f(c!)), ratio(f(b!), f(a!)), ratio(f(b!), f(c!))];
  const fixed = [rowLock, group, groupOff];
  const saturated = [rowLockMax, groupMax, groupOffMax];
  const n = (v: number) => v.toFixed(0);
  process.stdout.write(
    `\n${table([
      ['measure', 'row-lock', 'group-commit', 'group, no payment', 'group / row', 'payment on / off'],
      line(`answered/s at ${base.rate}/s offered`, rate, n, fixed),
      line(`p50 at ${base.rate}/s offered`, (r) => r.fire.latency.p50, ms, fixed),
      line(`p99 at ${base.rate}/s offered`, (r) => r.fire.latency.p99, ms, fixed),
      line(`paid/s at ${base.rate}/s offered`, (r) => r.payment?.paidPerSec ?? 0, n, fixed),
      line('checkout→PAID p99', (r) => r.payment?.toPaid.p99 ?? 0, ms, fixed),
      line('checkouts/s, saturated (200 connections)', rate, n, saturated),
      line('p99, saturated', (r) => r.fire.latency.p99, ms, saturated),
      line('paid/s, saturated', (r) => r.payment?.paidPerSec ?? 0, n, saturated),
      [
        'pgbench single-row updates/s (ceiling of one txn per checkout)',
        pgbench?.toFixed(0) ?? 'unavailable',
        '',
        '',
        '',
        '',
      ],
    ])}\n`,
  );
  return runs.some((r) => r.report.failures.length) ? 1 : 0;
}

/** Steps the offered rate up until p99 breaks the budget or anything fails; reports the last rate held. */
async function findMax(base: FlashSaleOptions, budgetMs: number, stamp: string): Promise<number> {
  const steps = [100, 250, 500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000];
  const held: Record<string, number> = {};
  const rows: { label: string; report: FlashSaleReport }[] = [];
  for (const strategy of ['row-lock', 'group-commit'] as const) {
    held[strategy] = 0;
    for (const rate of steps) {
      const n = rate * base.durationSec;
      const report = await runFlashSale({ ...base, strategy, rate, stock: n, buyers: n });
      rows.push({ label: `${strategy}@${rate}`, report });
      const ok =
        report.failures.length === 0 &&
        report.fire.latency.p99 <= budgetMs &&
        report.fire.achievedRate >= rate * 0.9;
      process.stdout.write(
        `${strategy} @ ${rate}/s: ${report.fire.achievedRate.toFixed(0)}/s, p99 ${ms(report.fire.latency.p99)} ${ok ? 'held' : 'not held'}\n`,
      );
      if (!ok) break;
      held[strategy] = rate;
    }
  }
  printReport(`flash-sale-max-${stamp}`, rows);
  process.stdout.write(
    `\nhighest rate held (p99 ≤ ${budgetMs} ms, no errors): row-lock ${held['row-lock']}/s, group-commit ${held['group-commit']}/s\n`,
  );
  return 0;
}

/** A scenario's latency table: one row per scenario and one for all. */
function scenarioTable(f: FireResult): string {
  const row = (label: string, s: FireResult['latency']) => [
    label,
    s.requests,
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
  ];
  return table([
    ['scenario', 'requests', 'p50', 'p90', 'p99', 'max'],
    ...Object.entries(f.byScenario).map(([n, s]) => row(n, s)),
    row('all', f.latency),
    ...Object.entries(f.byStatus ?? {}).map(([status, s]) => row(`status ${status}`, s)),
  ]);
}

/** Browse's own account beside a sale: latency per scenario, and how far its stock trailed PostgreSQL. */
function printBrowseBeside(name: string, browse: BrowseDuringSale, budgetMs: number): boolean {
  const f = browse.fire;
  const { lag } = browse;
  process.stdout.write(
    `\nbrowse during the sale (${f.achievedRate.toFixed(0)} req/s):\n${scenarioTable(f)}\nhot SKU stock shown vs PostgreSQL: ${lag.samples} reads, lag p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms (${lag.unmatched} reads of a value held under one poll)\nbrowse chart: ${writeLatencyChart(`${name}-browse`, [{ label: 'browse', result: f }])}\n`,
  );
  const slow = f.latency.p99 > budgetMs;
  if (slow) process.stdout.write(`  browse p99 ${ms(f.latency.p99)} is over the ${budgetMs} ms budget\n`);
  return slow;
}

/** Per-scenario latency table, outcome counts and failures of a browse or cart run. */
function printMixReport(
  name: string,
  budgetMs: number,
  report: { fire: FireResult; failures: string[]; postgres?: PostgresTime; cpu?: CpuGroups },
): number {
  const f = report.fire;
  process.stdout.write(
    `\n${scenarioTable(f)}\n\nachieved ${f.achievedRate.toFixed(0)} req/s; outcomes: ${Object.entries(
      f.outcomes,
    )
      .map(([o, n]) => `${o} × ${n}`)
      .join(
        ', ',
      )}; ${f.errors} connection errors, ${f.timeouts} timeouts\n${report.postgres ? `${postgresLine(report.postgres)}\n` : ''}${report.cpu ? `CPU during the measured run (cores): ${cpuLine(report.cpu)}\n` : ''}`,
  );
  const json = writeJson(name, report);
  const svg = writeLatencyChart(name, [{ label: name.split('-')[0]!, result: f }]);
  process.stdout.write(`report: ${json}\nchart:  ${svg}\n`);
  const failures = [...report.failures];
  if (f.latency.p99 > budgetMs) failures.push(`p99 ${ms(f.latency.p99)} is over the ${budgetMs} ms budget`);
  for (const failure of failures) process.stdout.write(`FAIL: ${failure}\n`);
  return failures.length ? 1 : 0;
}

const program = new Command().name('loadtest').description('Shop load tests').exitOverride();

/** The options a fixed-rate mix benchmark shares, and its run: seeded store, fire, report, exit code. */
function mixCommand(name: string, description: string, defaults: { products: number }) {
  return program
    .command(name)
    .description(description)
    .option('--rate <n>', 'requests per second', positiveInteger(), 500)
    .option('--duration <s>', 'seconds', positiveInteger(), 20)
    .option('--products <n>', 'catalog size', positiveInteger(), defaults.products)
    .option('--p99-budget <ms>', 'p99 budget in ms (the seed budget is 200)', positiveInteger(), 200)
    .option(
      '--warmup <s>',
      'seconds of the same mix before the measured run (a fresh store starts with an empty cache)',
      positiveInteger(),
      3,
    );
}

interface MixOptions {
  rate: number;
  duration: number;
  products: number;
  p99Budget: number;
  warmup: number;
  database?: string;
  serviceEnv?: Record<string, string>;
}

const mixOptions = (opts: MixOptions): MixBenchOptions => {
  const config = loadConfig();
  return {
    databaseUrl: config.db.url,
    redisUrl: config.redis.url,
    rate: opts.rate,
    durationSec: opts.duration,
    products: opts.products,
    warmupSec: opts.warmup,
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.serviceEnv ? { serviceEnv: opts.serviceEnv } : {}),
  };
};

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function runMix(
  name: string,
  opts: MixOptions,
  run: (
    o: MixBenchOptions,
  ) => Promise<{ fire: FireResult; failures: string[]; postgres?: PostgresTime; cpu?: CpuGroups }>,
) {
  const report = await run(mixOptions(opts));
  process.exitCode = printMixReport(`${name}-${stamp()}`, opts.p99Budget, report);
}

function opensearchUrlOf(opts: { opensearchUrl?: string }): string {
  if (!opts.opensearchUrl)
    throw new InvalidArgumentError('--search-backend opensearch needs --opensearch-url (or OPENSEARCH_URL)');
  return opts.opensearchUrl;
}

const backendOption = (raw: string) => {
  if (raw !== 'postgres' && raw !== 'opensearch')
    throw new InvalidArgumentError('backend is postgres or opensearch');
  return raw;
};

/** The browse runs' shared choice of catalog and search backend. */
const withCatalogOptions = (command: Command) =>
  command
    .option(
      '--database <url>',
      'an already-seeded database to run on as it is (e.g. shopctl db seed --products 1000000), not a copy of the template',
    )
    .option(
      '--backend <name>',
      'search backend of the service: postgres or opensearch',
      backendOption,
      'postgres',
    )
    .option('--opensearch-url <url>', 'OPENSEARCH_URL for --backend opensearch', process.env.OPENSEARCH_URL)
    .option(
      '--replica <url>',
      "a streaming replica's server (npm run replica: postgres://postgres@127.0.0.1:5433): browse reads from it, and the report splits PostgreSQL's time between primary and replica",
    );

const FIND_MAX_STEPS = [5, 10, 25, 50, 100, 150, 200, 300, 400, 500, 700, 1_000, 1_500, 2_000, 3_000, 4_000];

withCatalogOptions(
  mixCommand('browse', 'search, filter, sort and product pages over the seeded catalog at a fixed rate', {
    products: 10_000,
  }),
)
  .option(
    '--long-tail',
    "the long tail: searches for the catalog's own words (mostly new, some misspelt) in every sort, filters in every sort, pages 1-20",
  )
  .option(
    '--find-max',
    'step the rate up (each step on a restarted service, --duration s) to the highest held with p99 under --p99-budget and nothing refused',
  )
  .option(
    '--steps <list>',
    `the rates --find-max tries, comma-separated (default ${FIND_MAX_STEPS.join(',')})`,
    (raw: string) => raw.split(',').map(positiveInteger()),
  )
  .action(
    async (
      opts: MixOptions &
        SearchBackendChoice & { longTail?: boolean; findMax?: boolean; database?: string; steps?: number[] },
    ) => {
      const name = opts.longTail ? `browse-long-tail-${opts.backend}` : `browse-${opts.backend}`;
      const run = opts.longTail ? runLongTailBench : runBrowseBench;
      const serviceEnv = backendEnv(opts);
      if (!opts.findMax) return runMix(name, { ...opts, serviceEnv }, run);
      const { held, steps } = await findMaxRate(
        mixOptions({ ...opts, serviceEnv }),
        run,
        opts.p99Budget,
        opts.steps ?? FIND_MAX_STEPS,
      );
      process.stdout.write(
        `\n${stepsTable(steps)}\n\nhighest rate held by ${opts.backend} (p99 ≤ ${opts.p99Budget} ms, ≥ 95% answered, nothing refused): ${held}/s\nreport: ${writeJson(`${name}-max-${stamp()}`, { backend: opts.backend, held, steps })}\n`,
      );
    },
  );

withCatalogOptions(
  program
    .command('searches')
    .description(
      'single uncached searches, one at a time: each round restarts the service on empty caches and times each query once',
    )
    .option('--rounds <n>', 'rounds (each on empty caches)', positiveInteger(), 3)
    .option(
      '--queries <list>',
      'comma-separated queries, a word or a query string',
      'Studio,Brushless,Heated,Magnetic,Cedar,Wireless,Headphones,cast iron,Lamp,wireles,search=Backpack&sort=price_asc,search=Studio&page=20',
    ),
).action(async (opts: SearchBackendChoice & { rounds: number; queries: string; database?: string }) => {
  const config = loadConfig();
  const queries = opts.queries
    .split(',')
    .map((q) => (q.includes('=') ? q : `search=${encodeURIComponent(q)}`));
  const results = await coldSearches({
    database: opts.database ?? config.db.url,
    redisUrl: config.redis.url,
    queries,
    rounds: opts.rounds,
    serviceEnv: backendEnv(opts),
  });
  process.stdout.write(
    `\n${opts.backend}, ${opts.rounds} rounds on empty caches:\n${coldSearchTable(results)}\nreport: ${writeJson(`searches-${opts.backend}-${stamp()}`, results)}\n`,
  );
});

const collect = (value: string, previous: string[] = []) => [...previous, value];

function printSearchOps(r: SearchOpsReport) {
  const o = r.overall;
  const statuses = (s: Record<string, number>) =>
    Object.entries(s)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
  process.stdout.write(
    `\n${r.rate}/s for ${r.durationSec} s: ${o.answers} answers (${statuses(o.statuses)}), p50 ${ms(o.p50)}, p99 ${ms(o.p99)}, max ${ms(o.max)}; ${o.errors} connection errors, ${o.timeouts} timeouts\noutcomes: ${statuses(o.outcomes)}\nfallbacks to PostgreSQL during the stream: ${statuses(r.fallbacksBy) || 'none'}\nCPU (cores): ${cpuLine(r.cpu)}\n`,
  );
  for (const s of r.steps) {
    const on = s.onset;
    process.stdout.write(
      `\nstep at ${s.startedSec.toFixed(2)} s (ended ${s.endedSec === null ? '-' : `${s.endedSec.toFixed(2)} s`}, exit ${s.exitCode}): ${s.command}\n  while it ran: ${s.during.answers} answers (${statuses(s.during.statuses)}), p50 ${ms(s.during.p50)}, p99 ${ms(s.during.p99)}, max ${ms(s.during.max)}\n  searches in flight or sent in its first 5 s: longest wait past its start ${ms(on.longestWaitPastStartMs)}; not 200: ${statuses(on.notOk) || 'none'}; first search sent after it answered 200 at +${on.firstSearchAnsweredMs ?? '-'} ms; first fallback counted at +${on.firstFallbackMs ?? '-'} ms; breaker open at +${on.breakerOpenMs ?? '-'} ms\n${table(
        [
          ['from (ms)', 'searches sent', 'statuses', 'slowest'],
          ...on.buckets.map((b) => [b.fromMs, b.sent, b.statuses, ms(b.maxMs)]),
        ],
      )}\n`,
    );
  }
  if (r.after) {
    const a = r.after;
    process.stdout.write(
      `\nafter: ${a.command}\n  engine healthy at +${a.engineHealthySec?.toFixed(2) ?? 'never'} s, breaker closed at +${a.breakerClosedSec?.toFixed(2) ?? 'never'} s, index lag 0 at +${a.lagZeroSec?.toFixed(2) ?? 'never'} s (max lag ${a.maxLagSec.toFixed(1)} s, ${a.maxOwed} products owed at most)\n`,
    );
  }
  process.stdout.write(
    `\nsearches per second:\n${table([
      ['second', 'answers', 'statuses', 'p99', 'fallbacks'],
      ...r.timeline.map((t) => [t.second, t.answers, t.statuses, ms(t.p99), t.fallbacks]),
    ])}\n`,
  );
}

withCatalogOptions(
  program
    .command('search-ops')
    .description(
      'the long-tail browse mix at a fixed rate on a seeded database while commands run at set moments (a reindex, kill -9 of the engine, product changes); every answer timed around each',
    )
    .option('--rate <n>', 'requests per second', positiveInteger(), 200)
    .option('--duration <s>', 'seconds of the measured stream', positiveInteger(), 30)
    .option('--warmup <s>', 'seconds of the same mix before it', nonNegativeInteger(), 3)
    .option(
      '--step <at:command>',
      'run a shell command this many seconds into the stream (repeatable)',
      collect,
    )
    .option(
      '--after <command>',
      'after the stream (e.g. restart the engine): then wait for the index to catch up',
    )
    .option('--after-wait <s>', 'how long to wait after --after', positiveInteger(), 120),
).action(
  async (
    opts: SearchBackendChoice & {
      database?: string;
      rate: number;
      duration: number;
      warmup: number;
      step?: string[];
      after?: string;
      afterWait: number;
    },
  ) => {
    if (!opts.database)
      throw new InvalidArgumentError('search-ops runs on a seeded database: --database <url>');
    const steps = (opts.step ?? []).map((raw) => {
      const colon = raw.indexOf(':');
      const atSec = Number(raw.slice(0, colon));
      if (colon < 1 || !Number.isFinite(atSec))
        throw new InvalidArgumentError(`--step ${raw}: <seconds>:<command>`);
      return { atSec, command: raw.slice(colon + 1) };
    });
    const report = await runSearchOps({
      database: opts.database,
      redisUrl: loadConfig().redis.url,
      serviceEnv: backendEnv(opts),
      rate: opts.rate,
      durationSec: opts.duration,
      warmupSec: opts.warmup,
      steps,
      ...(opts.after ? { after: opts.after } : {}),
      afterWaitSec: opts.afterWait,
      ...(opts.opensearchUrl ? { opensearchUrl: opts.opensearchUrl } : {}),
      logDir: RESULTS_DIR,
    });
    printSearchOps(report);
    process.stdout.write(`report: ${writeJson(`search-ops-${opts.backend}-${stamp()}`, report)}\n`);
    const fivexx = Object.entries(report.overall.statuses)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0);
    process.exitCode = fivexx || report.overall.errors || report.overall.timeouts ? 1 : 0;
  },
);

mixCommand(
  'cart',
  'add/update/view cart mix for many shoppers at a fixed rate; checks Redis against PostgreSQL',
  {
    products: 1_000,
  },
)
  .option('--users <n>', 'shoppers', positiveInteger(), 200)
  .action((opts) =>
    runMix('cart', { ...opts, products: Math.max(opts.products, opts.users * 3) }, (o) =>
      runCartBench({ ...o, users: opts.users }),
    ),
  );

program
  .command('plans')
  .description(
    'EXPLAIN (ANALYZE, BUFFERS) every browse shape on the seeded catalog; fails when one reads the catalog whole',
  )
  .option('--products <n>', 'catalog size', positiveInteger(), 1_000_000)
  .action(async (opts: { products: number }) => {
    process.exitCode = await browsePlans(loadConfig().db.url, opts.products);
  });

program
  .command('flash-sale')
  .description('one SKU, many buyers, fixed-rate checkouts; proves zero oversell')
  .option(
    '--rate <n>',
    'checkouts offered per second (0: as fast as 200 connections go)',
    nonNegativeInteger(),
    1_000,
  )
  .option('--duration <s>', 'seconds', positiveInteger(), 30)
  .option('--stock <n>', 'units of the hot SKU', positiveInteger(), 5_000)
  .option('--buyers <n>', 'distinct buyers (one cart each)', positiveInteger(), 20_000)
  .option('--strategy <s>', 'group-commit or row-lock', 'group-commit')
  .option('--instances <n>', 'service processes behind the load', positiveInteger(), 1)
  .option('--no-payment', 'checkouts only: no workers, nothing charged (the checkout-only figure)')
  .option(
    '--paid-p99-budget <ms>',
    'checkout → PAID p99 budget in ms (fixed-rate sales with payments)',
    positiveInteger(),
    2_000,
  )
  .option(
    '--drain-budget <ms>',
    'how soon after the sale the payment backlog must be empty, in ms',
    positiveInteger(),
    5_000,
  )
  .option(
    '--max-per-customer <n>',
    'cap the hot SKU per customer; some buyers try one unit more',
    positiveInteger(),
  )
  .option('--url <url>', 'target a running service (its DATABASE_URL must be this one)')
  .option(
    '--compare',
    'row-lock and group-commit with payments, group-commit without, fixed rate and saturated, plus pgbench',
  )
  .option('--max', 'step the rate up to the highest each strategy holds')
  .option('--p99-budget <ms>', 'p99 budget in ms', positiveInteger(), 500)
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of each service process into <dir>')
  .option(
    '--browse-rate <n>',
    'shoppers browse the seeded catalog at this rate during the sale',
    positiveInteger(),
  )
  .option('--products <n>', 'catalog size for --browse-rate', positiveInteger(), 1_000_000)
  .option('--browse-p99-budget <ms>', 'browse p99 budget in ms during the sale', positiveInteger(), 50)
  .option(
    '--search-backend <name>',
    'postgres, or opensearch: the service searches the engine with an index of its own, and the index lag and the sold-out product leaving in-stock results are measured',
    backendOption,
    'postgres',
  )
  .option(
    '--opensearch-url <url>',
    'OPENSEARCH_URL for --search-backend opensearch',
    process.env.OPENSEARCH_URL,
  )
  .action(async (opts) => {
    process.exitCode = await flashSale(opts);
  });

program
  .command('fleet')
  .description(
    'flash sales through HAProxy (deploy/haproxy) with payments on: 1, 2 and 3 processes side by side, then one of 3 SIGKILLed and one SIGTERMed mid-sale while buyers retry with their Idempotency-Key',
  )
  .option(
    '--instances <list>',
    'process counts to compare, comma-separated',
    (raw: string) => raw.split(',').map(positiveInteger()),
    [1, 2, 3],
  )
  .option(
    '--rate <n>',
    'checkouts offered per second (0: as fast as the fleet answers, a saturation run)',
    nonNegativeInteger(),
    1_000,
  )
  .option('--duration <s>', 'seconds of each sale', positiveInteger(), 10)
  .option('--buyers <n>', 'buyers (and units) of a saturation run', positiveInteger(), 15_000)
  .option('--no-faults', 'only the 1-2-3 comparison')
  .action(
    async (opts: {
      instances: number[];
      rate: number;
      duration: number;
      buyers: number;
      faults: boolean;
    }) => {
      const config = loadConfig();
      const units = opts.rate > 0 ? opts.rate * opts.duration : opts.buyers;
      const base: FlashSaleOptions = {
        databaseUrl: config.db.url,
        redisUrl: config.redis.url,
        strategy: 'group-commit',
        rate: opts.rate,
        durationSec: opts.duration,
        // Stock for every buyer: the sale runs its whole length (a sell-out would end it early).
        stock: units,
        buyers: units,
        instances: 1,
        payment: true,
        paidP99BudgetMs: 2_000,
        drainBudgetMs: 5_000,
        balancer: true,
      };
      const runs: { label: string; report: Awaited<ReturnType<typeof runFlashSale>> }[] = [];
      for (const n of opts.instances) {
        runs.push({ label: `${n} behind HAProxy`, report: await runFlashSale({ ...base, instances: n }) });
      }
      if (opts.faults && opts.rate > 0) {
        for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
          const fault = { signal, atSec: opts.duration / 2 };
          // The charges a killed process had claimed wait out their outbox lease (30 s) before
          // another process takes them: paid later, never twice. The budgets allow for it.
          const budgets = signal === 'SIGKILL' ? { paidP99BudgetMs: 35_000, drainBudgetMs: 35_000 } : {};
          runs.push({
            label: `3, one ${signal}`,
            report: await runFlashSale({ ...base, ...budgets, instances: 3, fault }),
          });
        }
      }
      const name = `fleet-${stamp()}`;
      printReport(name, runs);
      const one = runs.find((r) => r.label === '1 behind HAProxy')?.report;
      const rows = runs.map(({ label, report: r }) => {
        const f = r.fault;
        return [
          label,
          `${Math.round(r.successes / r.fire.durationSec)}/s`,
          ms(r.fire.latency.p99),
          r.payment ? `${r.payment.paidPerSec}/s` : '-',
          r.oversold,
          r.audit.ok ? 'ok' : 'VIOLATED',
          one
            ? `${((r.successes / r.fire.durationSec / (one.successes / one.fire.durationSec)) * 100).toFixed(0)}%`
            : '-',
          f
            ? `out in ${f.outOfRotationMs ?? '-'} ms; ${f.buyersWhoRetried} retried; ${Object.entries(
                f.finals,
              )
                .map(([k, v]) => `${k}:${v}`)
                .join(' ')}; dup ${f.duplicated}, lost ${f.lost}, failed attempts ${f.failedAttempts}`
            : '',
          r.failures.length ? r.failures.join('; ') : 'none',
        ];
      });
      process.stdout.write(
        `\n${table([['run', 'placed', 'p99', 'paid', 'oversold', 'audit', 'vs 1', 'fault', 'failures'], ...rows])}\n`,
      );
      process.exitCode = runs.some((r) => r.report.failures.length) ? 1 : 0;
    },
  );

program
  .command('mixed')
  .description(
    'browse at 500/s over a 1M-product catalog while a flash sale runs at 1,000 checkouts/s with payments; reports browse p99 and how far its stock trails PostgreSQL',
  )
  .option('--rate <n>', 'checkouts offered per second', positiveInteger(), 1_000)
  .option('--browse-rate <n>', 'browse requests per second', positiveInteger(), 500)
  .option('--products <n>', 'catalog size', positiveInteger(), 1_000_000)
  .option('--duration <s>', 'seconds', positiveInteger(), 20)
  .option('--browse-p99-budget <ms>', 'browse p99 budget in ms', positiveInteger(), 50)
  .option('--p99-budget <ms>', "checkout p99 budget in ms (the gate's)", positiveInteger(), 500)
  .action(async (opts) => {
    const units = opts.rate * opts.duration;
    process.exitCode = await flashSale({
      ...opts,
      stock: units,
      buyers: units,
      strategy: 'group-commit',
      instances: 1,
      payment: true,
      paidP99Budget: 2_000,
      drainBudget: 5_000,
    });
  });

program
  .command('recommendations')
  .description(
    'the recommendations batch over N paid orders (about 3 lines each, generated set-based in a scratch database), then GET /products/:id/recommendations at a fixed rate with a warm cache',
  )
  .option('--orders <n>', 'paid orders in the window', positiveInteger(), 1_000_000)
  .option('--products <n>', 'catalog size', positiveInteger(), 10_000)
  .option('--rate <n>', 'requests per second', positiveInteger(), 500)
  .option('--duration <s>', 'seconds', positiveInteger(), 20)
  .option('--batch-budget <s>', 'batch budget in seconds', positiveInteger(), 60)
  .option('--p99-budget <ms>', 'p99 budget in ms', positiveInteger(), 10)
  .action(
    async (opts: {
      orders: number;
      products: number;
      rate: number;
      duration: number;
      batchBudget: number;
      p99Budget: number;
    }) => {
      const config = loadConfig();
      const report = await runRecommendationsBench({
        databaseUrl: config.db.url,
        redisUrl: config.redis.url,
        orders: opts.orders,
        products: opts.products,
        rate: opts.rate,
        durationSec: opts.duration,
      });
      const file = writeJson(`recommendations-${stamp()}`, report);
      const { batch, serving } = report;
      const failures = [...serving.failures];
      if (batch.seconds > opts.batchBudget)
        failures.push(`batch ${batch.seconds.toFixed(1)} s > ${opts.batchBudget} s`);
      if (serving.fire.latency.p99 > opts.p99Budget)
        failures.push(`p99 ${ms(serving.fire.latency.p99)} > ${opts.p99Budget} ms`);
      const step = (phase: keyof typeof report.phases) => ms(report.phases[phase] ?? 0);
      process.stdout.write(
        `\n${table([
          [
            'orders',
            'lines',
            'generated in',
            'batch',
            'baskets',
            'counts',
            'pairs',
            'swap',
            'lists',
            'rate',
            'p50',
            'p99',
            'failures',
          ],
          [
            report.orders,
            report.lines,
            ms(report.generateMs),
            `${batch.seconds.toFixed(1)} s`,
            step('baskets'),
            step('counts'),
            step('pairs'),
            step('swap'),
            batch.recommendations,
            `${Math.round(serving.fire.achievedRate)}/s`,
            ms(serving.fire.latency.p50),
            ms(serving.fire.latency.p99),
            failures.length ? failures.join('; ') : 'none',
          ],
        ])}\nreport: ${file}\n`,
      );
      process.exitCode = failures.length ? 1 : 0;
    },
  );

program
  .command('archive-aftermath')
  .description(
    "what an archive's deletes leave behind costs a sale: sales of the gate's shape with N old orders live, then with the older half deleted and their dead rows waiting (autovacuum off on the order tables), then after VACUUM (ANALYZE) flat out",
  )
  .option('--orders <n>', 'old orders generated', positiveInteger(), 1_000_000)
  .option('--sales <n>', 'sales in each stage', positiveInteger(), 3)
  .option('--rate <n>', 'checkouts offered per second', positiveInteger(), 1_000)
  .option('--duration <s>', "seconds of each sale (the gate's 12)", positiveInteger(), 12)
  .option('--stock <n>', "units on sale in each sale (the gate's 8,000)", positiveInteger(), 8_000)
  .action(async (opts: { orders: number; sales: number; rate: number; duration: number; stock: number }) => {
    const config = loadConfig();
    const report = await runAftermathBench({
      databaseUrl: config.db.url,
      redisUrl: config.redis.url,
      orders: opts.orders,
      sales: opts.sales,
      rate: opts.rate,
      durationSec: opts.duration,
      stock: opts.stock,
    });
    const file = writeJson(`archive-aftermath-${stamp()}`, report);
    process.stdout.write(
      `\n${table([
        ['stage', 'checkout p99 per sale', 'cores (node / postgres) per sale', 'failures'],
        ...report.stages.map((s) => [
          s.stage,
          s.sales.map((x) => ms(x.p99)).join(', '),
          s.sales.map((x) => `${x.cores.node ?? 0} / ${x.cores.postgres ?? 0}`).join(', '),
          s.sales.flatMap((x) => x.failures).join('; ') || 'none',
        ]),
      ])}\n${report.deleted} orders deleted in ${ms(report.deleteMs)}; VACUUM (ANALYZE) of the order tables in ${ms(report.vacuumMs)}\nreport: ${file}\n`,
    );
    process.exitCode = report.stages.some((s) => s.sales.some((x) => x.failures.length)) ? 1 : 0;
  });

program
  .command('archive')
  .description(
    "the order archive under flash sales: archives and removes N finished orders from years ago (generated set-based) while sales of the gate's shape (1,000/s, payments on) run one after another until it ends; each judged like the gate (p99, oversell, invariants)",
  )
  .option('--orders <n>', 'old orders to archive', positiveInteger(), 1_000_000)
  .option('--rate <n>', 'checkouts offered per second during the archive', positiveInteger(), 1_000)
  .option('--duration <s>', "seconds of each sale (the gate's 12)", positiveInteger(), 12)
  .option(
    '--stock <n>',
    "units on sale in each sale (the gate's 8,000 of 12,000 offered)",
    positiveInteger(),
    8_000,
  )
  .option('--batch <n>', 'orders per delete transaction (ORDER_ARCHIVE_BATCH)', positiveInteger(), 1_000)
  .option('--duty <share>', "the archive's share of the time (ORDER_ARCHIVE_DUTY)", fraction, 0.5)
  .option(
    '--busy-duty <share>',
    "its share while the store is busy, a sale (ORDER_ARCHIVE_BUSY_DUTY); 0 holds until it is over, the same as --duty ignores the store's load",
    shareOrNone,
    0,
  )
  .option('--p99-budget <ms>', "checkout p99 budget in ms (the gate's)", positiveInteger(), 500)
  .option(
    '--control <sales>',
    'the control: this many sales one after another on the same generated orders, no archive beside them',
    positiveInteger(),
  )
  .addOption(
    new Option(
      '--sales-from <phase>',
      'when the sales open: with the archive (start), or once its files are written and verified (deleting: only its deletes meet sales)',
    )
      .choices(['start', 'deleting'])
      .default('start'),
  )
  .option(
    '--sales-before <n>',
    "sales before the archive starts: the run's own control",
    nonNegativeInteger(),
    0,
  )
  .action(
    async (opts: {
      control?: number;
      salesFrom: 'start' | 'deleting';
      salesBefore: number;
      orders: number;
      rate: number;
      duration: number;
      stock: number;
      batch: number;
      duty: number;
      busyDuty: number;
      p99Budget: number;
    }) => {
      const config = loadConfig();
      const report = await runArchiveBench({
        databaseUrl: config.db.url,
        redisUrl: config.redis.url,
        orders: opts.orders,
        rate: opts.rate,
        durationSec: opts.duration,
        stock: opts.stock,
        batchSize: opts.batch,
        duty: opts.duty,
        busyDuty: opts.busyDuty,
        p99BudgetMs: opts.p99Budget,
        control: opts.control,
        salesFrom: opts.salesFrom,
        salesBefore: opts.salesBefore,
      });
      const file = writeJson(`archive-${stamp()}`, report);
      const { archive, sales } = report;
      const p99s = sales.map((r) => r.fire.latency.p99).sort((a, b) => a - b);
      process.stdout.write(
        `\n${table([
          [
            'orders',
            'generated in',
            'archived + removed in',
            'write / delete',
            'orders/s',
            'files',
            'sales (s of sale)',
            'checkouts',
            'p99 median / max',
            'oversold',
            'audit',
            'server (deploy/postgres/shop.conf)',
            'failures',
          ],
          [
            report.orders,
            ms(report.generateMs),
            archive
              ? `${ms(archive.ms)} at duty ${opts.duty} (${opts.busyDuty} for ${ms(archive.busy_ms)} of a busy store)`
              : 'control: no archive',
            `${ms(report.writePhaseMs)} / ${ms(report.deletePhaseMs)}`,
            report.archivedPerSec,
            archive?.files.length ?? 0,
            `${sales.length} (${report.saleSeconds} s)`,
            `${sales.reduce((n, r) => n + r.successes, 0)}/${sales.reduce((n, r) => n + r.attempts, 0)}`,
            `${ms(p99s[Math.floor(p99s.length / 2)] ?? 0)} / ${ms(p99s.at(-1) ?? 0)}`,
            sales.reduce((n, r) => n + r.oversold, 0),
            sales.every((r) => r.audit.ok) ? 'ok' : 'VIOLATED',
            describeServerSettings(report.serverSettings),
            report.failures.length ? report.failures.join('; ') : 'none',
          ],
        ])}\nreport: ${file}\n`,
      );
      process.exitCode = report.failures.length ? 1 : 0;
    },
  );

program
  .command('gate')
  .description(
    'CI gate: a short sell-out at 1,000/s with payments; fails on oversell, errors, p99 > 500 ms, an unpaid good card, an expiry, checkout → PAID p99 > 2 s or a backlog left 5 s after the sale',
  )
  .action(async () => {
    process.exitCode = await flashSale({
      rate: 1_000,
      duration: 12,
      stock: 8_000,
      buyers: 12_000,
      strategy: 'group-commit',
      instances: 1,
      payment: true,
      p99Budget: 500,
      paidP99Budget: 2_000,
      drainBudget: 5_000,
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if ((err as { code?: string }).code?.startsWith('commander.'))
    process.exitCode = (err as { exitCode: number }).exitCode;
  else {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}

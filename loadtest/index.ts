import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../src/config.js';
import { runBrowseBench } from './browse.js';
import { runCartBench } from './cart.js';
import type { FireResult } from './fire.js';
import { type FlashSaleOptions, type FlashSaleReport, runFlashSale } from './flash-sale.js';
import type { MixBenchOptions } from './mix.js';
import { singleRowUpdateRate } from './pgbench.js';
import { ms, table, writeJson, writeLatencyChart } from './report.js';

const whole = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

const int = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

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

function printReport(name: string, reports: { label: string; report: FlashSaleReport }[]) {
  process.stdout.write(`\n${table([HEADER, ...reports.map((r) => summaryRow(r.label, r.report))])}\n`);
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
  const svg = writeLatencyChart(
    name,
    reports.map((r) => ({ label: r.label, result: r.report.fire })),
  );
  process.stdout.write(`\nreport: ${json}\nchart:  ${svg}\n`);
}

async function flashSale(opts: {
  rate: number;
  duration: number;
  stock: number;
  buyers: number;
  strategy: 'group-commit' | 'row-lock';
  instances: number;
  withPayment?: boolean;
  url?: string;
  compare?: boolean;
  max?: boolean;
  p99Budget: number;
  cpuProf?: string;
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
    withPayment: Boolean(opts.withPayment),
    ...(opts.url ? { url: opts.url } : {}),
    ...(opts.cpuProf ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] } : {}),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  if (opts.max) return findMax(base, opts.p99Budget, stamp);

  if (opts.compare) {
    const rowLock = await runFlashSale({ ...base, strategy: 'row-lock' });
    const group = await runFlashSale({ ...base, strategy: 'group-commit' });
    // Capacity: every buyer can succeed, and 200 connections send as fast as answers come back.
    const saturate = { ...base, rate: 0, connections: 200, stock: base.buyers };
    const rowLockMax = await runFlashSale({ ...saturate, strategy: 'row-lock' });
    const groupMax = await runFlashSale({ ...saturate, strategy: 'group-commit' });
    const pgbench = await singleRowUpdateRate(config.db.url);
    // Every saturated request is a checkout that succeeds (stock = buyers): answers/s = checkouts/s.
    const perSec = (r: FlashSaleReport) => r.fire.achievedRate;
    printReport(`flash-sale-compare-${stamp}`, [
      { label: 'row-lock', report: rowLock },
      { label: 'group-commit', report: group },
      { label: 'row-lock (saturated)', report: rowLockMax },
      { label: 'group-commit (saturated)', report: groupMax },
    ]);
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
    process.stdout.write(
      `\n${table([
        ['measure', 'row-lock', 'group-commit', 'group / row'],
        [
          `answered/s at ${base.rate}/s offered`,
          rowLock.fire.achievedRate.toFixed(0),
          group.fire.achievedRate.toFixed(0),
          ratio(group.fire.achievedRate, rowLock.fire.achievedRate),
        ],
        [
          `p50 at ${base.rate}/s offered`,
          ms(rowLock.fire.latency.p50),
          ms(group.fire.latency.p50),
          ratio(group.fire.latency.p50, rowLock.fire.latency.p50),
        ],
        [
          `p99 at ${base.rate}/s offered`,
          ms(rowLock.fire.latency.p99),
          ms(group.fire.latency.p99),
          ratio(group.fire.latency.p99, rowLock.fire.latency.p99),
        ],
        [
          'checkouts/s, saturated (200 connections)',
          perSec(rowLockMax).toFixed(0),
          perSec(groupMax).toFixed(0),
          ratio(perSec(groupMax), perSec(rowLockMax)),
        ],
        [
          'p99, saturated',
          ms(rowLockMax.fire.latency.p99),
          ms(groupMax.fire.latency.p99),
          ratio(groupMax.fire.latency.p99, rowLockMax.fire.latency.p99),
        ],
        [
          'pgbench single-row updates/s (ceiling of one txn per checkout)',
          pgbench?.toFixed(0) ?? 'unavailable',
          '',
          '',
        ],
      ])}\n`,
    );
    return [rowLock, group, rowLockMax, groupMax].some((r) => r.failures.length) ? 1 : 0;
  }

  const report = await runFlashSale(base);
  printReport(`flash-sale-${opts.strategy}-${stamp}`, [{ label: opts.strategy, report }]);
  const slow = report.fire.latency.p99 > opts.p99Budget;
  if (slow)
    process.stdout.write(`  p99 ${ms(report.fire.latency.p99)} is over the ${opts.p99Budget} ms budget\n`);
  return report.failures.length || slow ? 1 : 0;
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

/** Per-scenario latency table, outcome counts and failures of a browse or cart run. */
function printMixReport(
  name: string,
  budgetMs: number,
  report: { fire: FireResult; failures: string[] },
): number {
  const f = report.fire;
  const row = (label: string, s: FireResult['latency']) => [
    label,
    s.requests,
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
  ];
  process.stdout.write(
    `\n${table([
      ['scenario', 'requests', 'p50', 'p90', 'p99', 'max'],
      ...Object.entries(f.byScenario).map(([n, s]) => row(n, s)),
      row('all', f.latency),
    ])}\n\nachieved ${f.achievedRate.toFixed(0)} req/s; outcomes: ${Object.entries(f.outcomes)
      .map(([o, n]) => `${o} × ${n}`)
      .join(', ')}\n`,
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
    .option('--rate <n>', 'requests per second', int('rate'), 500)
    .option('--duration <s>', 'seconds', int('duration'), 20)
    .option('--products <n>', 'catalog size', int('products'), defaults.products)
    .option('--p99-budget <ms>', 'p99 budget in ms (the seed budget is 200)', int('p99-budget'), 200);
}

async function runMix(
  name: string,
  opts: { rate: number; duration: number; products: number; p99Budget: number },
  run: (o: MixBenchOptions) => Promise<{ fire: FireResult; failures: string[] }>,
) {
  const config = loadConfig();
  const report = await run({
    databaseUrl: config.db.url,
    redisUrl: config.redis.url,
    rate: opts.rate,
    durationSec: opts.duration,
    products: opts.products,
  });
  process.exitCode = printMixReport(
    `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    opts.p99Budget,
    report,
  );
}

mixCommand('browse', 'search, filter, sort and product pages over the seeded catalog at a fixed rate', {
  products: 10_000,
}).action((opts) => runMix('browse', opts, runBrowseBench));

mixCommand(
  'cart',
  'add/update/view cart mix for many shoppers at a fixed rate; checks Redis against PostgreSQL',
  {
    products: 1_000,
  },
)
  .option('--users <n>', 'shoppers', int('users'), 200)
  .action((opts) =>
    runMix('cart', { ...opts, products: Math.max(opts.products, opts.users * 3) }, (o) =>
      runCartBench({ ...o, users: opts.users }),
    ),
  );

program
  .command('flash-sale')
  .description('one SKU, many buyers, fixed-rate checkouts; proves zero oversell')
  .option(
    '--rate <n>',
    'checkouts offered per second (0: as fast as 200 connections go)',
    whole('rate'),
    1_000,
  )
  .option('--duration <s>', 'seconds', int('duration'), 30)
  .option('--stock <n>', 'units of the hot SKU', int('stock'), 5_000)
  .option('--buyers <n>', 'distinct buyers (one cart each)', int('buyers'), 20_000)
  .option('--strategy <s>', 'group-commit or row-lock', 'group-commit')
  .option('--instances <n>', 'service processes behind the load', int('instances'), 1)
  .option('--with-payment', 'run payment workers: some pay, some decline, some expire')
  .option('--url <url>', 'target a running service (its DATABASE_URL must be this one)')
  .option('--compare', 'run row-lock and group-commit back to back, plus pgbench')
  .option('--max', 'step the rate up to the highest each strategy holds')
  .option('--p99-budget <ms>', 'p99 budget in ms', int('p99-budget'), 500)
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of each service process into <dir>')
  .action(async (opts) => {
    process.exitCode = await flashSale(opts);
  });

program
  .command('gate')
  .description('CI gate: a short sell-out at 1,000/s; fails on oversell, errors or p99 > 500 ms')
  .action(async () => {
    process.exitCode = await flashSale({
      rate: 1_000,
      duration: 12,
      stock: 8_000,
      buyers: 12_000,
      strategy: 'group-commit',
      instances: 1,
      p99Budget: 500,
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

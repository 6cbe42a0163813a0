import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../src/config.js';
import { parseDuration } from '../../src/shared/duration.js';
import { CliError, type GlobalOptions } from '../context.js';
import { examples } from '../format.js';
import { positiveInteger } from '../options.js';
import { connectReadOnly, postgresSource } from '../top/postgres.js';
import { metricsSource, metricsUrl } from '../top/scrape.js';
import { runTop } from '../top/terminal.js';

/** PostgreSQL flows end this long before each read (see src/audit/live.ts). */
const SETTLE_MS = 1_000;

export interface TopCommandOptions {
  url?: string[];
  interval?: number;
  once?: boolean;
  json?: boolean;
  skus?: number;
}

/** `--interval`: seconds (`2`, `0.5`) or a duration (`500ms`, `2s`, `1m`), 100 ms to 1 h. */
export function intervalOf(raw: string): number {
  const ms = parseDuration(raw, { bare: 's', units: ['ms', 's', 'm'], fractions: true });
  if (ms === undefined || ms < 100 || ms > 3_600_000)
    throw new InvalidArgumentError('--interval must be a duration from 100ms to 1h, such as 1s, 500ms or 2');
  return Math.round(ms);
}

const urlOf = (raw: string, previous: string[] = []) => {
  try {
    metricsUrl(raw);
  } catch {
    throw new InvalidArgumentError(
      `--url must be a service's http(s) URL, such as http://127.0.0.1:3000 (got "${raw}")`,
    );
  }
  return [...previous, raw];
};

/** Runs the console; resolves to its exit code (1 when --once saw no source answer or an oversold SKU). */
export async function runTopCommand(opts: TopCommandOptions): Promise<number> {
  const intervalMs = opts.interval ?? 1_000;
  const config = loadConfig(process.env);
  const run = { intervalMs, once: Boolean(opts.once), json: Boolean(opts.json), settleMs: SETTLE_MS };
  if (opts.url?.length) {
    const source = metricsSource(opts.url, {
      token: config.metrics.token,
      timeoutMs: Math.max(1_000, intervalMs),
    });
    return runTop(source, run);
  }
  const db = connectReadOnly(config.db.url, Math.max(1_000, intervalMs));
  try {
    const source = postgresSource(db, config.db.url, { settleMs: SETTLE_MS, hotCount: opts.skus ?? 5 });
    return await runTop(source, run);
  } finally {
    await db.destroy();
  }
}

export function registerTopCommands(program: Command) {
  program
    .command('top')
    .description(
      'live console: checkouts/s and outcomes, latency, payments, reservations, hot stock, oversell',
    )
    .option('--url <url>', "scrape this service instance's GET /metrics (repeat for each instance)", urlOf)
    .addOption(
      new Option('--interval <duration>', 'refresh period (1s, 500ms, 2)')
        .argParser(intervalOf)
        .default(1_000, '1s'),
    )
    .option('--once', 'take two samples one interval apart, print one frame (or --json snapshot) and exit')
    .option('--skus <n>', 'hot SKUs to show (PostgreSQL)', positiveInteger(50), 5)
    .addHelpText(
      'after',
      `
Without --url it reads PostgreSQL (DATABASE_URL): orders created and how they settled, checkout → paid
latency, the payment backlog, reservations, the hottest SKUs' stock and the no-oversell check. With
--url it reads the services' metrics (METRICS_TOKEN as bearer when set): checkout requests and their
outcomes, request latency, settlements; counters are summed across instances.
In a terminal it redraws in place; q or Ctrl-C quits.
Exit code with --once: 1 when no source answered or a SKU is oversold, else 0.
${examples(
  'shopctl top',
  'shopctl top --url http://10.0.0.5:3000 --url http://10.0.0.6:3000',
  'shopctl top --once --json',
)}`,
    )
    .action(async (opts: TopCommandOptions, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const code = await runTopCommand({ ...opts, json });
      if (code !== 0) throw new CliError('', code);
    });
}

import { basename } from 'node:path';
import type { Command } from 'commander';
import type { PriceChange } from '../../src/catalog/index.js';
import { parseAmount } from '../../src/shared/money.js';
import { CliError, cliActor, type GlobalOptions, print, printText, withContainer } from '../context.js';
import { readSkuCsv, unknownSkusByLine } from '../csv-import.js';
import { examples, money, table } from '../format.js';
import { amountInCents, percentChange } from '../options.js';
import { canPrompt, confirm } from '../prompt.js';

interface PreviewRow {
  sku: string;
  name: string;
  old_price_cents: number;
  price_cents: number;
}

export async function setPrice(sku: string, price_cents: number, reason: string | undefined, json?: boolean) {
  await withContainer(async (c) => {
    const before = await c.products.findBySku(sku);
    const { changed } = await c.prices.changePrices([{ sku, price_cents }], cliActor(), reason);
    print(json, { sku, old_price_cents: before.price_cents, price_cents, changed: changed > 0 }, () =>
      changed
        ? `${sku}: ${money(before.price_cents)} → ${money(price_cents)} (past orders keep their price)`
        : `${sku}: already ${money(price_cents)}`,
    );
  });
}

const readPriceCsv = (file: string) =>
  readSkuCsv(
    file,
    ['sku', 'price'],
    (v): PriceChange => ({
      sku: v.sku!.trim(),
      price_cents: parseAmount(v.price!, 'price'),
    }),
  );

interface BulkOptions {
  category?: string;
  percent?: number;
  csv?: string;
  yes?: boolean;
  dryRun?: boolean;
  reason?: string;
}

async function bulkPrices(opts: BulkOptions, json?: boolean) {
  const byPercent = opts.category !== undefined || opts.percent !== undefined;
  if (byPercent === Boolean(opts.csv)) {
    throw new CliError('give either --category with --percent, or --csv <file>');
  }
  if (byPercent && (opts.category === undefined || opts.percent === undefined)) {
    throw new CliError('--category and --percent go together');
  }
  const csv = opts.csv ? await readPriceCsv(opts.csv) : undefined;
  const what = csv ? basename(opts.csv!) : `category ${opts.category} ${opts.percent}%`;

  await withContainer(async (c) => {
    const preview: PreviewRow[] = csv
      ? await c.prices.previewPrices(csv.values).catch((err) => unknownSkusByLine(err, csv.lines))
      : await c.prices.previewPercent(opts.category!, opts.percent!);
    const changes = preview.filter((p) => p.price_cents !== p.old_price_cents);
    const report = (changed: number | null) => ({
      source: what,
      dry_run: Boolean(opts.dryRun),
      changed,
      preview,
    });
    if (!json) {
      printText(
        `${table(preview, [
          ['SKU', (r) => r.sku],
          ['NAME', (r) => r.name],
          ['OLD', (r) => money(r.old_price_cents)],
          ['NEW', (r) => money(r.price_cents)],
        ])}\n${changes.length} of ${preview.length} price(s) would change (${what})`,
        process.stdout,
      );
    }
    if (opts.dryRun || changes.length === 0) {
      print(json, report(0), () => (opts.dryRun ? 'dry run: nothing changed' : 'nothing to change'));
      return;
    }
    if (!opts.yes) {
      if (!canPrompt()) {
        if (json) print(json, report(0), () => '');
        throw new CliError(
          `not a terminal, so no confirmation can be asked: re-run with --yes to change ${changes.length} price(s), or --dry-run to only preview`,
        );
      }
      if (!(await confirm(`Change ${changes.length} price(s)?`)))
        throw new CliError('cancelled; nothing changed');
    }
    const { changed } = await c.prices.changePrices(changes, cliActor(), opts.reason ?? `bulk: ${what}`);
    print(json, report(changed), () => `changed ${changed} price(s); past orders keep their price`);
  });
}

export function registerPriceCommands(program: Command) {
  const price = program
    .command('price')
    .description(
      'prices: one SKU, or in bulk with a preview (caches are invalidated; orders keep their price)',
    );

  price
    .command('set')
    .argument('<sku>', "the product's SKU")
    .argument('<amount>', 'the new price, such as 12.99', amountInCents)
    .description('set one price, as an amount such as 12.99')
    .option('--reason <text>', 'why, for the admin audit log')
    .addHelpText(
      'after',
      examples('shopctl price set KIT-0001 24.99', 'shopctl price set KIT-0001 19 --json'),
    )
    .action((sku: string, cents: number, opts: { reason?: string }, cmd: Command) =>
      setPrice(sku, cents, opts.reason, cmd.optsWithGlobals<GlobalOptions>().json),
    );

  price
    .command('bulk')
    .description(
      'change many prices: a percentage on a category, or a CSV with the header sku,price. Shows a preview, then asks.',
    )
    .option('--category <slug>', 'category to change (with --percent)')
    .option('--percent <n>', 'change such as -10 or 7.5, rounded to the cent', percentChange)
    .option('--csv <file>', 'CSV file with sku,price')
    .option('--dry-run', 'print the preview and change nothing')
    .option('--yes', 'change without asking (needed when stdin is not a terminal)')
    .option('--reason <text>', 'why, for the admin audit log')
    .addHelpText(
      'after',
      `${examples(
        'shopctl price bulk --category kitchen --percent -10 --dry-run',
        'shopctl price bulk --category kitchen --percent -10',
        'shopctl price bulk --csv summer-prices.csv --yes --json',
      )}
Without a terminal (cron, CI, pipes) it never asks: without --yes it refuses and exits 1.`,
    )
    .action((opts: BulkOptions, cmd: Command) => bulkPrices(opts, cmd.optsWithGlobals<GlobalOptions>().json));
}

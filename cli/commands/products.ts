import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import type { z } from 'zod';
import {
  type ProductInput,
  productInputSchema,
  productPatchSchema,
  purchaseLimitSchema,
} from '../../src/catalog/index.js';
import { parseAmount } from '../../src/shared/money.js';
import { formatIssues } from '../../src/shared/zod.js';
import {
  CliError,
  cliActor,
  exitQuietly,
  type GlobalOptions,
  print,
  printText,
  withContainer,
} from '../context.js';
import { convertRows, describeErrors, readCsvTable, wholeNumber } from '../csv-import.js';
import { examples, money, table } from '../format.js';
import { amountInCents, nonNegativeInteger, orWord, positiveInteger } from '../options.js';
import { progressBar } from '../progress.js';

export const PRODUCT_CSV_COLUMNS = {
  required: ['sku', 'name', 'category', 'price'],
  optional: ['description', 'stock', 'active'],
} as const;

const BOOLEAN: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  '1': true,
  '0': false,
};

/** Zod names price_cents; the CSV and the flags say price. */
function zodProblems(error: z.ZodError, rename: Record<string, string> = {}) {
  return formatIssues(error).map(({ path, message }) => {
    const field = rename[path] ?? path;
    return message.startsWith(field) || !field ? message : `${field}: ${message}`;
  });
}

/** One CSV row → a validated product, every problem of the row in one message. */
export function productFromCsv(v: Record<string, string>): ProductInput {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const price = attempt(() => parseAmount(v.price ?? '', 'price'));
  const stock = v.stock?.trim() ? attempt(() => wholeNumber(v.stock!, 'stock')) : 0;
  const activeRaw = v.active?.trim().toLowerCase();
  const active = activeRaw ? BOOLEAN[activeRaw] : true;
  if (active === undefined) problems.push(`active must be true or false, got "${v.active}"`);
  const parsed = productInputSchema.safeParse({
    sku: v.sku,
    name: v.name,
    description: v.description ?? '',
    category: v.category?.trim(),
    price_cents: price ?? 0,
    stock: stock ?? 0,
    active: active ?? true,
  });
  if (!parsed.success) problems.push(...zodProblems(parsed.error, { price_cents: 'price' }));
  if (problems.length || !parsed.success) throw new CliError(problems.join('; '));
  return parsed.data;
}

async function importProducts(file: string, onError: 'abort' | 'skip', json?: boolean) {
  const { rows, errors: shapeErrors } = await readCsvTable(file, PRODUCT_CSV_COLUMNS);
  const { valid, errors } = convertRows(rows, productFromCsv, (p) => p.sku, shapeErrors);
  const report = { file: basename(file), rows: rows.length + shapeErrors.length, bad_rows: errors.length };
  if (errors.length && onError === 'abort') {
    if (json) print(json, { ...report, imported: false, errors: errors.slice(0, 1_000) }, () => '');
    else printText(describeErrors(errors));
    printText(
      `error: ${errors.length} bad row(s) in ${file}; nothing imported (--on-error skip imports the valid rows)`,
    );
    throw exitQuietly(1);
  }
  const bar = progressBar('rows');
  bar.start(valid.length, 0);
  const started = Date.now();
  const totals = await withContainer((c) =>
    c.products.importProducts(
      valid.map((r) => r.value),
      cliActor(),
      (done) => bar.update(done),
    ),
  ).finally(() => bar.stop());
  print(
    json,
    {
      ...report,
      imported: true,
      ...totals,
      skipped: errors.length,
      errors: errors.slice(0, 1_000),
      ms: Date.now() - started,
    },
    () =>
      [
        `${file}: ${totals.created} created, ${totals.updated} updated, ${totals.unchanged} unchanged in ${Date.now() - started} ms`,
        ...(errors.length ? [`skipped ${errors.length} bad row(s):`, describeErrors(errors)] : []),
      ].join('\n'),
  );
}

interface CreateOptions {
  name: string;
  category: string;
  price: number;
  description: string;
  stock: number;
  inactive?: boolean;
}

export function registerProductCommands(program: Command) {
  const products = program
    .command('products')
    .description('the catalog: list, show, create, update, import from CSV');

  products
    .command('list')
    .description('list products by SKU (inactive ones too), with stock')
    .option('--category <slug>', 'only this category')
    .option('--limit <n>', 'at most this many', positiveInteger(), 50)
    .addHelpText(
      'after',
      examples('shopctl products list --category kitchen', 'shopctl products list --json'),
    )
    .action(async (opts: { category?: string; limit: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const rows = await c.products.list({ category: opts.category, limit: opts.limit });
        print(json, rows, () =>
          table(rows, [
            ['SKU', (r) => r.sku],
            ['NAME', (r) => r.name],
            ['CATEGORY', (r) => r.category],
            ['PRICE', (r) => money(r.price_cents)],
            ['AVAILABLE', (r) => r.available],
            ['RESERVED', (r) => r.reserved],
            ['ACTIVE', (r) => (r.active ? 'yes' : 'no')],
          ]),
        );
      });
    });

  products
    .command('show <sku>')
    .description('one product with its stock counters')
    .addHelpText('after', examples('shopctl products show KIT-0001 --json'))
    .action(async (sku: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const product = await c.products.findBySku(sku);
        const { available, reserved, sold } = await c.inventory.show(sku);
        const data = { ...product, available, reserved, sold };
        print(json, data, () =>
          [
            `${data.sku}  ${data.name}${data.active ? '' : '  (inactive)'}`,
            `category ${data.category}, price ${money(data.price_cents)}`,
            `available ${available}, reserved ${reserved}, sold ${sold}`,
          ].join('\n'),
        );
      });
    });

  products
    .command('create <sku>')
    .description('create a product (its initial stock is received through the ledger)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--category <slug>', 'category slug, created if new')
    .requiredOption('--price <amount>', 'price such as 12.99', amountInCents)
    .option('--description <text>', 'description', '')
    .option('--stock <n>', 'initial stock', nonNegativeInteger(), 0)
    .option('--inactive', 'create it hidden from the shop')
    .addHelpText(
      'after',
      examples(
        'shopctl products create MUG-001 --name "Tea mug" --category kitchen --price 12.99 --stock 40',
      ),
    )
    .action(async (sku: string, o: CreateOptions, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const input = productInputSchema.parse({
        sku,
        name: o.name,
        category: o.category,
        description: o.description,
        price_cents: o.price,
        stock: o.stock,
        active: !o.inactive,
      });
      await withContainer(async (c) => {
        const product = await c.products.create(input, cliActor());
        print(
          json,
          product,
          () => `created ${product.sku} (id ${product.id}) at ${money(product.price_cents)}`,
        );
      });
    });

  products
    .command('update <sku>')
    .description('change a product; only the fields given change (stock: see inventory, price: see price)')
    .option('--name <name>', 'display name')
    .option('--category <slug>', 'category slug')
    .option('--description <text>', 'description')
    .option('--active', 'show it in the shop')
    .option('--no-active', 'hide it from the shop')
    .addHelpText('after', examples('shopctl products update MUG-001 --name "Large tea mug" --no-active'))
    .action(
      async (
        sku: string,
        o: { name?: string; category?: string; description?: string; active?: boolean },
        cmd: Command,
      ) => {
        const { json } = cmd.optsWithGlobals<GlobalOptions>();
        const patch = productPatchSchema.parse(
          Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
        );
        if (Object.keys(patch).length === 0) {
          throw new CliError(
            'nothing to update: give --name, --category, --description, --active or --no-active',
          );
        }
        await withContainer(async (c) => {
          const product = await c.products.update(sku, patch, cliActor());
          print(json, product, () => `updated ${product.sku}: ${Object.keys(patch).join(', ')}`);
        });
      },
    );

  products
    .command('limit')
    .argument('<sku>', "the product's SKU")
    .argument(
      '<max>',
      'units per customer, from 1 to 10000, or "none"',
      orWord('none', positiveInteger(10_000)),
    )
    .description(
      'cap the units one customer may order of a product (across their PENDING, PAID, SHIPPED and DELIVERED orders); "none" lifts the cap',
    )
    .option('--reason <text>', 'why, for the admin audit log')
    .addHelpText(
      'after',
      examples('shopctl products limit HOT-1 2 --reason "flash sale"', 'shopctl products limit HOT-1 none'),
    )
    .action(async (sku: string, max: number | null, o: { reason?: string }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const input = purchaseLimitSchema.parse({
        max_per_customer: max,
        ...(o.reason ? { reason: o.reason } : {}),
      });
      await withContainer(async (c) => {
        const product = await c.products.setPurchaseLimit(
          sku,
          input.max_per_customer,
          cliActor(),
          input.reason,
        );
        print(json, product, () =>
          product.max_per_customer === null
            ? `${product.sku}: no limit per customer`
            : `${product.sku}: at most ${product.max_per_customer} per customer`,
        );
      });
    });

  products
    .command('low-stock')
    .argument('<sku>', "the product's SKU")
    .argument(
      '<threshold>',
      'available units, from 0 to 1000000, or "default"',
      orWord('default', nonNegativeInteger(1_000_000)),
    )
    .description(
      'tell the admins when the available count falls below this (RabbitMQ consumers); "default" uses LOW_STOCK_THRESHOLD',
    )
    .option('--reason <text>', 'why, for the admin audit log')
    .addHelpText(
      'after',
      examples('shopctl products low-stock HOT-1 50', 'shopctl products low-stock HOT-1 default'),
    )
    .action(async (sku: string, threshold: number | null, o: { reason?: string }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const result = await c.products.setLowStockThreshold(sku, threshold, cliActor(), o.reason);
        print(json, result, () =>
          result.low_stock_threshold === null
            ? `${sku}: the store's low-stock threshold (LOW_STOCK_THRESHOLD)`
            : `${sku}: admins hear when fewer than ${result.low_stock_threshold} are available`,
        );
      });
    });

  products
    .command('import <file>')
    .description(
      `create or update products from a CSV file, keyed by SKU (re-running it changes nothing).
Header: ${PRODUCT_CSV_COLUMNS.required.join(',')} and optionally ${PRODUCT_CSV_COLUMNS.optional.join(',')}.
price is an amount such as 12.99; stock is only the initial stock of a new SKU.`,
    )
    .addOption(
      new Option('--on-error <mode>', 'abort: import nothing if any row is bad; skip: import the valid rows')
        .choices(['abort', 'skip'])
        .default('abort'),
    )
    .addHelpText(
      'after',
      `${examples('shopctl products import catalog.csv', 'shopctl products import catalog.csv --on-error skip --json')}
Exit code: 0 when imported (with --on-error skip, bad rows are listed and skipped), 1 otherwise.`,
    )
    .action((file: string, opts: { onError: 'abort' | 'skip' }, cmd: Command) =>
      importProducts(file, opts.onError, cmd.optsWithGlobals<GlobalOptions>().json),
    );
}

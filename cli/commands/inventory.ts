import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ReservationView, StockChange } from '../../src/inventory/index.js';
import { CliError, cliActor, type GlobalOptions, print, withContainer } from '../context.js';
import { readSkuCsv, unknownSkusByLine, wholeNumber } from '../csv-import.js';
import { examples, table, when } from '../format.js';
import { nonNegativeInteger, signedInteger } from '../options.js';

interface Stock {
  sku: string;
  name: string;
  available: number;
  reserved: number;
  sold: number;
  active_reservations: Omit<ReservationView, 'sku'>[];
}

const stockLine = (s: { available: number; reserved: number; sold: number }) =>
  `available ${s.available}, reserved ${s.reserved}, sold ${s.sold}`;

function describeStock(s: Stock) {
  return [
    `${s.sku}  ${s.name}`,
    stockLine(s),
    `active reservations (${s.active_reservations.length}):`,
    table(s.active_reservations, [
      ['ORDER', (r) => r.order_id],
      ['QTY', (r) => r.quantity],
      ['EXPIRES', (r) => when(r.expires_at)],
      ['ORDER STATUS', (r) => r.order_status],
    ]),
  ].join('\n');
}

export async function showInventory(sku: string, json?: boolean) {
  await withContainer(async (c) => {
    const stock: Stock = await c.inventory.show(sku);
    print(json, stock, () => describeStock(stock));
  });
}

/** set or adjust one SKU; prints the counters before and after. */
export async function changeInventory(change: StockChange, reason: string, json?: boolean) {
  if (change.mode === 'adjust' && change.quantity === 0) throw new CliError('an adjustment must not be zero');
  await withContainer(async (c) => {
    const result = await c.inventory.applyChanges([change], { actor: cliActor(), reason });
    const stock = await c.inventory.show(change.sku);
    const audit = result.audit[0];
    print(
      json,
      {
        sku: change.sku,
        changed: result.changed > 0,
        before: audit?.before ?? null,
        after: audit?.after ?? null,
        stock,
      },
      () =>
        audit
          ? `${change.sku}: ${stockLine(audit.before as Stock)} → ${stockLine(audit.after as Stock)}`
          : `${change.sku}: unchanged (${stockLine(stock)})`,
    );
  });
}

async function importStock(file: string, reason: string, json?: boolean) {
  const { values, lines } = await readSkuCsv(
    file,
    ['sku', 'quantity'],
    (v): StockChange => ({
      sku: v.sku!.trim(),
      mode: 'set',
      quantity: wholeNumber(v.quantity!, 'quantity'),
    }),
  );
  await withContainer(async (c) => {
    const result = await c.inventory
      .applyChanges(values, { actor: cliActor(), reason })
      .catch((err) => unknownSkusByLine(err, lines));
    print(
      json,
      {
        file: basename(file),
        rows: values.length,
        changed: result.changed,
        unchanged: values.length - result.changed,
      },
      () =>
        `${file}: set ${result.changed} SKU(s); ${values.length - result.changed} already had that quantity`,
    );
  });
}

export function registerInventoryCommands(program: Command) {
  const inventory = program
    .command('inventory')
    .description('stock: show, set, adjust, import (available units only; every change is a ledger line)');

  inventory
    .command('show <sku>')
    .description('available, reserved and sold units, and the active reservations')
    .addHelpText(
      'after',
      examples('shopctl inventory show KIT-0001', 'shopctl inventory show KIT-0001 --json'),
    )
    .action((sku: string, _opts: unknown, cmd: Command) =>
      showInventory(sku, cmd.optsWithGlobals<GlobalOptions>().json),
    );

  inventory
    .command('set')
    .argument('<sku>', "the product's SKU")
    .argument('<quantity>', 'available units, a whole number ≥ 0', nonNegativeInteger())
    .description('set the available units (reserved and sold units are not touched)')
    .requiredOption('--reason <text>', 'why, for the ledger')
    .addHelpText('after', examples('shopctl inventory set KIT-0001 120 --reason "stock count 2024-06"'))
    .action((sku: string, quantity: number, opts: { reason: string }, cmd: Command) =>
      changeInventory({ sku, mode: 'set', quantity }, opts.reason, cmd.optsWithGlobals<GlobalOptions>().json),
    );

  inventory
    .command('adjust')
    .argument('<sku>', "the product's SKU")
    .argument('<delta>', 'units to add (+n) or remove (-n)', signedInteger)
    .description('add or remove available units (never below zero)')
    .requiredOption('--reason <text>', 'why, for the ledger')
    .addHelpText(
      'after',
      examples(
        'shopctl inventory adjust KIT-0001 +24 --reason "delivery 8812"',
        'shopctl inventory adjust KIT-0001 -2 --reason damaged',
      ),
    )
    .action((sku: string, delta: number, opts: { reason: string }, cmd: Command) =>
      changeInventory(
        { sku, mode: 'adjust', quantity: delta },
        opts.reason,
        cmd.optsWithGlobals<GlobalOptions>().json,
      ),
    );

  inventory
    .command('import <file>')
    .description('set available units from a CSV with the header sku,quantity: all rows or none')
    .option('--reason <text>', 'why, for the ledger (default: the file name)')
    .addHelpText('after', examples('shopctl inventory import stock-count.csv --reason "annual count"'))
    .action((file: string, opts: { reason?: string }, cmd: Command) =>
      importStock(file, opts.reason ?? `import ${basename(file)}`, cmd.optsWithGlobals<GlobalOptions>().json),
    );
}

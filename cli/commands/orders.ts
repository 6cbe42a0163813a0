import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { orderStatusSchema } from '../../src/admin/index.js';
import {
  type ArchivedOrder,
  ArchiveNotWritten,
  archiveOrders,
  checkArchiveFile,
  readArchiveLines,
} from '../../src/archive/index.js';
import type { Container } from '../../src/container.js';
import { shipSchema } from '../../src/orders/index.js';
import { uuidParam } from '../../src/shared/input.js';
import { CliError, cliAdmin, type GlobalOptions, print, withContainer } from '../context.js';
import { examples, inert, money, table, when } from '../format.js';
import { fraction, positiveInteger, shareOrNone } from '../options.js';
import { progressBar } from '../progress.js';

type Order = Awaited<ReturnType<Container['orders']['getOrder']>>;

/** An order id argument: a UUID, or a usage error naming what was given. */
export function orderId(raw: string) {
  const parsed = uuidParam.safeParse(raw);
  if (!parsed.success) throw new CliError(`order id must be a UUID, got "${raw}"`);
  return parsed.data;
}

// Reasons are customers' free text, one line each: a newline in one cannot forge a line below.
const describeOrder = (o: Order) =>
  [
    `order ${o.order_id}  ${o.status}${o.status_reason ? ` (${inert(o.status_reason)})` : ''}  total ${money(o.total_cents)} ${o.currency}`,
    table(o.items, [
      ['SKU', (i) => i.sku],
      ['NAME', (i) => i.name],
      ['QTY', (i) => i.quantity],
      ['PRICE', (i) => money(i.price_at_purchase_cents)],
      ['LINE', (i) => money(i.line_total_cents)],
    ]),
    ...(o.tracking_url ? [`tracking: ${o.carrier} ${o.tracking_number} ${o.tracking_url}`] : []),
    'history:',
    ...o.status_history.map(
      (h: { from: string | null; to: string; reason: string | null; actor: string; at: Date }) =>
        `  ${when(h.at)}  ${h.from ?? 'new'} → ${h.to}  by ${h.actor}${h.reason ? ` (${inert(h.reason)})` : ''}`,
    ),
  ].join('\n');

/** Runs one order operation and prints the order as it is afterwards. */
const orderAction =
  <O>(op: (c: Container, id: string, opts: O) => Promise<Order>) =>
  async (raw: string, opts: O, cmd: Command) => {
    const id = orderId(raw);
    const { json } = cmd.optsWithGlobals<GlobalOptions>();
    await withContainer(async (c) => {
      const order = await op(c, id, opts);
      print(json, order, () => describeOrder(order));
    });
  };

/** A --before date: YYYY-MM-DD (midnight UTC) or a full ISO 8601 instant, not in the future. */
export function pastInstant(raw: string): Date {
  const value = raw.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('Expected a date such as 2021-06-01 or 2021-06-01T00:00:00Z.');
  }
  if (date.getTime() > Date.now()) throw new InvalidArgumentError('The date is in the future.');
  return date;
}

type ArchiveLine = ArchivedOrder & {
  status: string;
  total_cents: number;
  currency: string;
  created_at: string;
  user_id: string;
  items: { sku: string; name: string; quantity: number; price_at_purchase_cents: number }[];
  status_history: {
    from_status: string | null;
    to_status: string;
    reason: string | null;
    actor: string;
    created_at: string;
  }[];
  payments: {
    kind: string;
    state: string;
    amount_cents: number;
    provider: string;
    provider_ref: string | null;
  }[];
};

// Everything in an archive line came from customers or providers once: each cell is made inert.
const describeArchived = (o: ArchiveLine) =>
  [
    `order ${o.id}  ${o.status}  total ${money(o.total_cents)} ${o.currency}  created ${when(o.created_at)}  user ${o.user_id}`,
    table(o.items, [
      ['SKU', (i) => i.sku],
      ['NAME', (i) => i.name],
      ['QTY', (i) => i.quantity],
      ['PRICE', (i) => money(i.price_at_purchase_cents)],
    ]),
    'history:',
    ...o.status_history.map(
      (h) =>
        `  ${when(h.created_at)}  ${h.from_status ?? 'new'} → ${h.to_status}  by ${inert(h.actor)}${h.reason ? ` (${inert(h.reason)})` : ''}`,
    ),
    'payments:',
    o.payments.length
      ? table(o.payments, [
          ['KIND', (p) => p.kind],
          ['STATE', (p) => p.state],
          ['AMOUNT', (p) => money(p.amount_cents)],
          ['PROVIDER', (p) => p.provider],
          ['REF', (p) => p.provider_ref ?? '-'],
        ])
      : '  (none)',
  ].join('\n');

function registerArchiveCommands(orders: Command) {
  const archive = orders
    .command('archive')
    .description(
      'archive finished orders created before a date to ARCHIVE_DIR (gzip JSON lines, a file per month, checksums, a manifest), then remove them from the live tables',
    )
    .option('--before <date>', 'orders created before this date (UTC), e.g. 2021-06-01', pastInstant)
    .option('--dir <dir>', 'where the files go (default: ARCHIVE_DIR)')
    .option(
      '--duty <share>',
      'the share of the time it works, resting the rest so live traffic keeps its speed (default: ORDER_ARCHIVE_DUTY, 0.5); 1 runs flat out',
      fraction,
    )
    .option(
      '--busy-duty <share>',
      'the share while the store places more than ORDER_ARCHIVE_BUSY_RATE orders a second, a sale; 0 holds until it is over (default: ORDER_ARCHIVE_BUSY_DUTY, 0)',
      shareOrNone,
    )
    .addHelpText(
      'after',
      `
Only orders that can no longer change are taken: delivered, failed, cancelled or expired, with no
payment, refund or job still under way. Every file is written, flushed to disk and read back
(checksum, count, ids) before the first order is deleted; if that fails, nothing is deleted and
the exit code is 1. Deletes run 1,000 orders a transaction (ORDER_ARCHIVE_BATCH), skipping rows in use.
Between pages and batches it rests as long as it worked (--duty 0.5); while the store takes more
than 20 orders a second (ORDER_ARCHIVE_BUSY_RATE) it holds until the store is quiet again
(--busy-duty 0), so a sale keeps the machine; --busy-duty 0.05 keeps it moving at a twentieth.
${examples(
  'shopctl orders archive --before 2021-06-01',
  'shopctl orders archive show archive/orders-2021-05.<run>.jsonl.gz',
  'shopctl orders archive show archive/orders-2021-05.<run>.jsonl.gz 6f1c…e2 --json',
)}`,
    )
    .action(async (opts: { before?: Date; dir?: string; duty?: number; busyDuty?: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      if (!opts.before)
        throw new CliError('--before <date> is required (orders created before it are archived)', 2);
      const before = opts.before;
      await withContainer(async (c) => {
        const dir = opts.dir ?? c.config.archive.dir;
        const bars = json
          ? null
          : { writing: progressBar('orders archived'), deleting: progressBar('orders removed') };
        let shown = null as 'writing' | 'deleting' | null;
        let result: Awaited<ReturnType<typeof archiveOrders>>;
        try {
          result = await archiveOrders(c.db, {
            before,
            dir,
            batchSize: c.config.archive.batchSize,
            duty: opts.duty ?? c.config.archive.duty,
            yieldTo: {
              ...c.config.archive.yieldTo,
              busyDuty: opts.busyDuty ?? c.config.archive.yieldTo.busyDuty,
            },
            onProgress: ({ phase, done, total }) => {
              if (!bars) return;
              if (shown !== phase) {
                if (shown) bars[shown].stop();
                bars[phase].start(total, 0);
                shown = phase;
              }
              if (done % 500 === 0 || done === total) bars[phase].update(done);
            },
          });
        } catch (err) {
          if (err instanceof ArchiveNotWritten) throw new CliError(err.message);
          throw err;
        } finally {
          if (bars && shown) bars[shown].stop();
        }
        const { manifest, manifestFile, kept, ms } = result;
        print(
          json,
          {
            ...manifest,
            manifest_file: manifestFile,
            kept,
            ms,
            write_ms: result.writeMs,
            busy_ms: result.busyMs,
          },
          () =>
            manifest.files.length === 0
              ? `no finished order was created before ${before.toISOString()}: nothing to archive`
              : [
                  table(manifest.files, [
                    ['FILE', (f) => f.file],
                    ['ORDERS', (f) => f.orders],
                    ['REMOVED', (f) => f.deleted],
                    ['BYTES', (f) => f.bytes],
                    ['SHA256', (f) => f.sha256],
                  ]),
                  `archived ${manifest.orders} orders in ${manifest.files.length} file(s), manifest ${manifestFile}`,
                  `removed ${manifest.deleted} from the live tables${kept ? `; ${kept} left live (changed or in use since they were written)` : ''}`,
                  `${ms} ms (${result.writeMs} ms writing; ${result.busyMs} ms yielding to a busy store), ${Math.round((manifest.orders / Math.max(ms, 1)) * 1_000)} orders/s`,
                ].join('\n'),
        );
      });
    });

  archive
    .command('show <file> [order_id]')
    .description(
      'read an archive file back (its checksum checked first): every order, or one with its items, history and payments',
    )
    .option('--limit <n>', 'orders listed without an order id', positiveInteger(), 50)
    .action(async (file: string, rawId: string | undefined, opts: { limit: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const id = rawId === undefined ? undefined : orderId(rawId);
      let sha256: string;
      try {
        sha256 = await checkArchiveFile(file);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (id) {
        for await (const order of readArchiveLines(file)) {
          if (order.id !== id) continue;
          const o = order as ArchiveLine;
          print(json, o, () => describeArchived(o));
          return;
        }
        throw new CliError(`order ${id} is not in ${path.basename(file)}`);
      }
      const listed: ArchiveLine[] = [];
      let count = 0;
      for await (const order of readArchiveLines(file)) {
        count++;
        if (json || listed.length < opts.limit) listed.push(order as ArchiveLine);
      }
      print(json, { file: path.basename(file), sha256, orders: count, lines: listed }, () =>
        [
          `${path.basename(file)}: ${count} orders, sha256 ${sha256} (checked)`,
          table(
            listed,
            [
              ['ORDER', (o) => o.id],
              ['STATUS', (o) => o.status],
              ['ITEMS', (o) => o.items.reduce((n, i) => n + i.quantity, 0)],
              ['TOTAL', (o) => money(o.total_cents)],
              ['CREATED', (o) => when(o.created_at)],
            ],
            opts.limit,
          ),
          ...(count > listed.length ? [`… and ${count - listed.length} more`] : []),
        ].join('\n'),
      );
    });
}

export function registerOrderCommands(program: Command) {
  const orders = program
    .command('orders')
    .description('orders: list, show, ship, deliver, cancel, refund, archive');

  orders
    .command('list')
    .description("every customer's orders, newest first")
    .option('--status <status>', 'only this status, such as PAID')
    .option('--limit <n>', 'at most this many', positiveInteger(), 20)
    .addHelpText('after', examples('shopctl orders list --status PAID --limit 50'))
    .action(async (opts: { status?: string; limit: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const status =
        opts.status === undefined ? undefined : orderStatusSchema.parse(opts.status.toUpperCase());
      await withContainer(async (c) => {
        const rows = await c.orders.listAll({ status, limit: opts.limit });
        print(json, rows, () =>
          table(rows, [
            ['ORDER', (o) => o.order_id],
            ['STATUS', (o) => o.status],
            ['ITEMS', (o) => o.item_count],
            ['TOTAL', (o) => money(o.total_cents)],
            ['CREATED', (o) => when(o.created_at)],
          ]),
        );
      });
    });

  orders
    .command('show <id>')
    .description('an order with its items and status history')
    .addHelpText('after', examples('shopctl orders show 6f1c…e2 --json'))
    .action(orderAction((c, id) => c.orders.getOrder(id, cliAdmin())));

  orders
    .command('ship <id>')
    .description('PAID → SHIPPED, with the carrier and tracking number')
    .requiredOption('--carrier <carrier>', 'ups, fedex, usps or dhl')
    .requiredOption('--tracking <number>', 'tracking number')
    .addHelpText('after', examples('shopctl orders ship 6f1c…e2 --carrier ups --tracking 1Z999AA10123456784'))
    .action((raw: string, opts: { carrier: string; tracking: string }, cmd: Command) => {
      const shipment = shipSchema.parse({
        carrier: opts.carrier.toLowerCase(),
        tracking_number: opts.tracking,
      });
      return orderAction((c, id) => c.orders.ship(id, cliAdmin(), shipment))(raw, opts, cmd);
    });

  orders
    .command('deliver <id>')
    .description('SHIPPED → DELIVERED')
    .addHelpText('after', examples('shopctl orders deliver 6f1c…e2'))
    .action(orderAction((c, id) => c.orders.deliver(id, cliAdmin())));

  orders
    .command('cancel <id>')
    .description(
      'cancel: a PENDING order releases its stock; a PAID one is restocked and refunded by the worker',
    )
    .option('--reason <text>', 'why, kept in the status history', 'cancelled by admin')
    .addHelpText('after', examples('shopctl orders cancel 6f1c…e2 --reason "customer phoned"'))
    .action(orderAction<{ reason: string }>((c, id, opts) => c.orders.cancel(id, cliAdmin(), opts.reason)));

  orders
    .command('refund <id>')
    .description(
      'cancel a PAID order, restock it and refund the payment now; on a CANCELLED order, retry the refund',
    )
    .option('--reason <text>', 'why, kept in the status history')
    .addHelpText('after', examples('shopctl orders refund 6f1c…e2 --reason "damaged in transit" --json'))
    .action(async (raw: string, opts: { reason?: string }, cmd: Command) => {
      const id = orderId(raw);
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const order = await c.admin.refund(id, cliAdmin(), opts.reason);
        print(json, order, () => `${describeOrder(order)}\nrefund: ${order.refund}`);
      });
    });

  registerArchiveCommands(orders);
}

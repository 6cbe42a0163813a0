import type { Command } from 'commander';
import { orderStatusSchema } from '../../src/admin/schemas.js';
import type { Container } from '../../src/container.js';
import { shipSchema } from '../../src/orders/schemas.js';
import { uuidParam } from '../../src/shared/http.js';
import { CliError, cliAdmin, type GlobalOptions, print, withContainer } from '../context.js';
import { examples, inert, money, table, when } from '../format.js';
import { positiveInteger } from '../options.js';

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

export function registerOrderCommands(program: Command) {
  const orders = program.command('orders').description('orders: list, show, ship, deliver, cancel, refund');

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
}

import type { Command } from 'commander';
import type { ReservationView } from '../../src/inventory/index.js';
import { type GlobalOptions, print, withContainer } from '../context.js';
import { examples, table, when } from '../format.js';
import { positiveInteger } from '../options.js';

type Reservation = ReservationView;

const reservationTable = (rows: Reservation[]) =>
  table(rows, [
    ['ORDER', (r) => r.order_id],
    ['SKU', (r) => r.sku],
    ['QTY', (r) => r.quantity],
    ['EXPIRES', (r) => when(r.expires_at)],
    ['ORDER STATUS', (r) => r.order_status],
  ]);

/**
 * One sweep, as the server's sweeper runs it. The list shows what was due when it started; the
 * counts are what this run released (a server's sweeper may take some of the due ones first).
 */
export async function releaseExpired(json?: boolean) {
  await withContainer(async (c) => {
    const due: Reservation[] = await c.inventory.listReservations({ expiredOnly: true, limit: 1_000 });
    const released = await c.sweep();
    print(json, { released, due }, () =>
      [
        `released ${released.orders} expired order(s), ${released.units} unit(s) back to available`,
        ...(due.length ? ['due when the sweep started:', reservationTable(due)] : []),
      ].join('\n'),
    );
  });
}

export function registerReservationCommands(program: Command) {
  const reservations = program
    .command('reservations')
    .description('stock held by pending orders (reserved at checkout, released on expiry)');

  reservations
    .command('list')
    .description('ACTIVE reservations, soonest expiry first')
    .option('--expired', 'only those past their expiry, waiting for the sweeper')
    .option('--limit <n>', 'at most this many', positiveInteger(), 100)
    .addHelpText('after', examples('shopctl reservations list', 'shopctl reservations list --expired --json'))
    .action(async (opts: { expired?: boolean; limit: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const rows: Reservation[] = await c.inventory.listReservations({
          expiredOnly: Boolean(opts.expired),
          limit: opts.limit,
        });
        print(json, rows, () => reservationTable(rows));
      });
    });

  reservations
    .command('release-expired')
    .description('expire the orders whose reservations ran out and put their units back (one sweep)')
    .addHelpText('after', examples('shopctl reservations release-expired --json'))
    .action((_opts: unknown, cmd: Command) => releaseExpired(cmd.optsWithGlobals<GlobalOptions>().json));
}

import type { Command } from 'commander';
import type { Container } from '../../src/container.js';
import { type GlobalOptions, print, withContainer } from '../context.js';
import { examples, money, table, when } from '../format.js';
import { orderId } from './orders.js';

type Record = Awaited<ReturnType<Container['payments']['show']>>;

const describe = (r: Record) =>
  [
    `order ${r.order_id}  ${r.status}  total ${money(r.total_cents)} ${r.currency}`,
    'payments:',
    r.payments.length
      ? table(r.payments, [
          ['KIND', (p) => p.kind],
          ['STATE', (p) => p.state],
          ['PROVIDER', (p) => p.provider],
          ['REF', (p) => p.provider_ref ?? '-'],
          ['AMOUNT', (p) => money(p.amount_cents)],
          ['CODE', (p) => p.failure_code ?? ''],
          ['UPDATED', (p) => when(p.updated_at)],
        ])
      : '  none (not charged yet)',
    'jobs:',
    r.jobs.length
      ? table(r.jobs, [
          ['TOPIC', (j) => j.topic],
          ['ATTEMPTS', (j) => j.attempts],
          ['STATE', (j) => (j.processed_at ? 'done' : j.failed_at ? 'parked' : 'waiting')],
          ['NEXT', (j) => (j.processed_at || j.failed_at ? '' : when(j.available_at))],
          ['LAST ERROR', (j) => j.last_error ?? ''],
        ])
      : '  none',
    'webhooks:',
    r.webhooks.length
      ? table(r.webhooks, [
          ['EVENT', (w) => w.id],
          ['TYPE', (w) => w.type],
          ['DELIVERIES', (w) => w.deliveries],
          ['OUTCOME', (w) => w.outcome ?? 'not handled'],
          ['RECEIVED', (w) => when(w.received_at)],
        ])
      : '  none',
  ].join('\n');

export function registerPaymentCommands(program: Command) {
  const payments = program
    .command('payments')
    .description("payments: an order's charges, refunds, jobs and webhooks; retry");

  payments
    .command('show <order>')
    .description(
      'the charge and refunds of an order, with the provider references, the jobs and the webhooks',
    )
    .addHelpText('after', examples('shopctl payments show 6f1c…e2', 'shopctl payments show 6f1c…e2 --json'))
    .action(async (raw: string, _opts: unknown, cmd: Command) => {
      const id = orderId(raw);
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const record = await c.payments.show(id);
        print(json, record, () => describe(record));
      });
    });

  payments
    .command('retry <order>')
    .description('charge a PENDING order again now, with the same idempotency key (never a second charge)')
    .addHelpText('after', examples('shopctl payments retry 6f1c…e2 --json'))
    .action(async (raw: string, _opts: unknown, cmd: Command) => {
      const id = orderId(raw);
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const outcome = await c.payments.retry(id);
        const record = await c.payments.show(id);
        print(json, { outcome, ...record }, () => `retried: ${outcome}\n${describe(record)}`);
      });
    });
}

import type { Command } from 'commander';
import type { Container } from '../../src/container.js';
import {
  deadLetters,
  eventStats,
  findEvent,
  listEvents,
  replayEvent,
  storedDeadLetters,
} from '../../src/events/index.js';
import { type GlobalOptions, print, withContainer } from '../context.js';
import { examples, table, toJson, when } from '../format.js';
import { positiveInteger } from '../options.js';

const limitOf = positiveInteger(1_000);

interface ListOptions {
  type?: string;
  aggregate?: string;
  waiting?: boolean;
  limit: number;
}

/** The broker's dead-letter queue with AMQP_URL; else the in-process delivery's table. */
const readDeadLetters = (c: Container, opts: { limit: number; replay: boolean }) =>
  c.config.events.amqpUrl
    ? deadLetters(c.config.events.amqpUrl, opts)
    : storedDeadLetters(c.db, c.handlers, opts);

export function registerEventCommands(program: Command) {
  const events = program
    .command('events')
    .description('domain events: the relay to RabbitMQ, its backlog, one event, a replay');

  events
    .command('stats')
    .description('events waiting for the broker (and the oldest), and those sent, by type')
    .addHelpText('after', examples('shopctl events stats', 'shopctl events stats --json'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const stats = {
          ...(await eventStats(c.db)),
          dead_letters: (await readDeadLetters(c, { limit: 0, replay: false })).remaining,
        };
        print(json, stats, () =>
          [
            `waiting: ${stats.unpublished}${stats.oldest_unpublished ? ` (oldest ${when(stats.oldest_unpublished)}, ${stats.oldest_unpublished_seconds.toFixed(1)} s ago)` : ''}; sent: ${stats.published}; dead letters: ${stats.dead_letters}`,
            table(stats.by_type, [
              ['TYPE', (r) => r.type],
              ['WAITING', (r) => r.unpublished],
              ['SENT', (r) => r.published],
            ]),
          ].join('\n'),
        );
      });
    });

  events
    .command('list')
    .description('the newest events, optionally of one type or aggregate, or only those waiting')
    .option('--type <type>', 'e.g. order.paid')
    .option('--aggregate <id>', 'an order id or product id')
    .option('--waiting', 'only events the broker has not confirmed')
    .option('--limit <n>', 'at most this many (1-1000)', limitOf, 50)
    .addHelpText(
      'after',
      examples('shopctl events list --type order.paid --limit 10', 'shopctl events list --waiting'),
    )
    .action(async (opts: ListOptions, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const rows = await listEvents(c.db, {
          type: opts.type,
          aggregate: opts.aggregate,
          unpublished: opts.waiting,
          limit: opts.limit,
        });
        print(json, { events: rows }, () =>
          table(rows, [
            ['ID', (r) => r.event_id],
            ['TYPE', (r) => r.type],
            ['AGGREGATE', (r) => `${r.aggregate_type} ${r.aggregate_id}`],
            ['AT', (r) => when(r.occurred_at)],
            ['SENT', (r) => (r.published_at ? when(r.published_at) : 'waiting')],
          ]),
        );
      });
    });

  events
    .command('show <id>')
    .description('one event (its envelope id or row id), with its data')
    .addHelpText('after', examples('shopctl events show 2d7c…'))
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const row = await findEvent(c.db, ref);
        print(json, row, () =>
          [
            `${row.type}  ${row.aggregate_type} ${row.aggregate_id}  id ${row.event_id}`,
            `occurred ${when(row.occurred_at)}; ${row.published_at ? `sent ${when(row.published_at)}` : 'waiting for the broker'}`,
            toJson(row.data, 2),
          ].join('\n'),
        );
      });
    });

  events
    .command('dead-letters')
    .description(
      'events consumers gave up on (RabbitMQ with AMQP_URL, else PostgreSQL); --replay retries them',
    )
    .option('--limit <n>', 'at most this many (1-1000)', limitOf, 50)
    .option('--replay', 'give each back to the consumer that gave up on it (it dedupes on the event id)')
    .addHelpText(
      'after',
      examples('shopctl events dead-letters', 'shopctl events dead-letters --replay --json'),
    )
    .action(async (opts: { limit: number; replay?: boolean }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const result = await readDeadLetters(c, { limit: opts.limit, replay: !!opts.replay });
        print(json, result, () =>
          [
            table(result.letters, [
              ['EVENT', (l) => l.event?.id ?? '(unreadable)'],
              ['TYPE', (l) => l.event?.type ?? ''],
              ['AGGREGATE', (l) => (l.event ? `${l.event.aggregate.type} ${l.event.aggregate.id}` : '')],
              ['QUEUE', (l) => l.queue ?? ''],
              ['REASON', (l) => l.reason ?? ''],
              ['DELIVERIES', (l) => l.deliveries ?? ''],
            ]),
            opts.replay
              ? `replayed ${result.replayed}; ${result.remaining} left in the dead letters`
              : `${result.remaining} in the dead letters`,
          ].join('\n'),
        );
      });
    });

  events
    .command('replay <id>')
    .description('send an event again (same id: consumers that had it skip it)')
    .addHelpText('after', examples('shopctl events replay 2d7c…'))
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const row = await replayEvent(c.db, ref);
        print(json, row, () => `${row.type} ${row.event_id} will be sent again on the relay's next round`);
      });
    });
}

import { type Command, InvalidArgumentError } from 'commander';
import type { ConsumerName } from '../../src/events/index.js';
import { CONSUMER_QUEUES } from '../../src/events/index.js';
import { CliError, printText, withContainer } from '../context.js';
import { examples } from '../format.js';

const NAMES = Object.keys(CONSUMER_QUEUES) as ConsumerName[];

const consumerName = (raw: string, previous: ConsumerName[] = []) => {
  if (!NAMES.includes(raw as ConsumerName))
    throw new InvalidArgumentError(`unknown consumer "${raw}": one of ${NAMES.join(', ')}`);
  return [...previous, raw as ConsumerName];
};

/**
 * Domain-event work as a process of its own (beside service processes with EVENT_CONSUMERS=""):
 * the relay to RabbitMQ and the named consumers, with fulfillment's warehouse round, until
 * SIGINT or SIGTERM. Without a broker the relay delivers each event to the consumers in-process,
 * so such a worker runs all of them.
 */
export function registerWorkerCommands(program: Command) {
  program
    .command('worker')
    .description('run event consumers (and the relay) as their own process, until Ctrl-C')
    .argument('[consumers...]', `consumers to run: ${NAMES.join(', ')} (default: all)`)
    .option('--no-relay', 'do not relay events from PostgreSQL to the broker')
    .addHelpText(
      'after',
      examples(
        'AMQP_URL=amqp://guest:guest@127.0.0.1:5672 shopctl worker',
        'shopctl worker notifications --no-relay',
      ),
    )
    .action(async (raw: string[], opts: { relay: boolean }) => {
      const names = raw.length ? raw.reduce<ConsumerName[]>((all, r) => consumerName(r, all), []) : NAMES;
      await withContainer(async (c) => {
        const broker = c.config.events.amqpUrl !== null;
        if (!broker && (names.length < NAMES.length || !opts.relay))
          throw new CliError(
            'without a broker (AMQP_URL) a worker delivers every event to every consumer: name none, keep the relay',
          );
        const relay = opts.relay ? c.relayFor(names)!.start() : null;
        const consumers = c.startConsumersNamed(names);
        const warehouse = names.includes('fulfillment')
          ? setInterval(() => {
              c.advanceFulfillment().catch((err) => c.logger.warn({ err }, 'fulfillment round failed'));
            }, c.config.fulfillment.intervalMs)
          : null;
        printText(`worker: ${names.join(', ')}${relay ? ' and the relay' : ''}; Ctrl-C stops it`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        if (warehouse) clearInterval(warehouse);
        await Promise.all([relay?.stop(), ...consumers.map((x) => x.stop())]);
        printText('worker: stopped');
      });
    });
}

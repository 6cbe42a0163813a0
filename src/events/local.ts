import type { Trx } from '../db/index.js';
import { ItemFailure, runIsolating } from '../shared/batcher.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { applyOnce, type ConsumerHandlers, type ConsumerName } from './consumer.js';
import { type DomainEventRow, type EventEnvelope, toEnvelope } from './envelope.js';
import type { EventTransport } from './relay.js';
import { CONSUMER_QUEUES } from './topology.js';

/**
 * Delivery without a broker: the relay's claimed events go straight to this process's consumers,
 * each consumer's share applied once (its inbox) in a savepoint of the claim's transaction, so the
 * effects, the inbox rows and the events' published mark commit together. They are the
 * domain_events rows themselves, so, unlike a broker's messages, they are not checked against it.
 * A consumer's batch that fails is halved until the failing event stands alone; that event is
 * answered as failed (the relay retries it, and dead-letters it past the delivery limit), the
 * others commit.
 *
 * The bindings are the broker's (CONSUMER_QUEUES): a consumer sees the same events either way.
 */
export function inProcessTransport({
  consumers,
  handlers,
  logger,
  metrics,
  countDeadLetters,
}: {
  consumers: readonly ConsumerName[];
  handlers: ConsumerHandlers;
  logger: Logger;
  metrics: Metrics;
  countDeadLetters: () => Promise<number>;
}): EventTransport {
  return {
    unavailable: 'event delivery failed; events wait in PostgreSQL',
    async deliver(trx: Trx, rows: DomainEventRow[]) {
      const failures = new Map<DomainEventRow, { consumer: string; error: string }[]>();
      for (const name of consumers) {
        const bindings: readonly string[] = CONSUMER_QUEUES[name].bindings;
        const rowOf = new Map<EventEnvelope, DomainEventRow>();
        for (const row of rows) if (bindings.includes(row.type)) rowOf.set(toEnvelope(row), row);
        if (rowOf.size === 0) continue;
        const results = await runIsolating(
          [...rowOf.keys()],
          (batch) => applyOnce(trx, name, batch, handlers),
          {
            onAlone: (event, err) =>
              logger.warn(
                { err: (err as Error).message, consumer: name, event: event.id, type: event.type },
                'event consumer failed; retried later',
              ),
          },
        );
        for (const [event, result] of results) {
          if (result instanceof ItemFailure) {
            metrics.eventConsumerErrors.inc({ consumer: name, reason: 'handler' });
            const row = rowOf.get(event)!;
            const error = result.error instanceof Error ? result.error.message : String(result.error);
            failures.set(row, [...(failures.get(row) ?? []), { consumer: name, error }]);
          } else {
            metrics.eventsConsumed.inc({ consumer: name, outcome: result });
          }
        }
      }
      return failures;
    },
    deadLetters: countDeadLetters,
    close() {},
  };
}

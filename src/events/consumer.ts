import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Db, Trx } from '../db/index.js';
import { reconnectWithBackoff } from '../shared/backoff.js';
import { createBatcher, runIsolating } from '../shared/batcher.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { type DomainEvent, type EventType, readEvent } from './contract.js';
import { type EventEnvelope, eventEnvelope } from './envelope.js';
import { type BoundTo, CONSUMER_QUEUES, type ConsumerName, declareTopology } from './topology.js';

export type { ConsumerName } from './topology.js';

/**
 * What a consumer does with a batch of events it has not had before, inside the transaction that
 * records them in its inbox: set-based where it can (one insert for the batch, not one per event).
 * The events are of its bindings, their data parsed by the contract (`contract.ts`). Throwing
 * fails the whole batch; the caller isolates the event that caused it.
 */
export type EventHandler<T extends EventType = EventType> = (
  trx: Trx,
  events: DomainEvent<T>[],
) => Promise<void>;

/** Each consumer's handler, given only the events its queue is bound to. */
export type ConsumerHandlers = { [C in ConsumerName]: EventHandler<BoundTo<C>> };

/** What became of an event offered to a consumer. */
export type Outcome = 'applied' | 'duplicate' | Refusal;

/**
 * Why a consumer refused an envelope off the broker: no event in domain_events has its id
 * (`unknown`), or the one that has differs from it in type, aggregate, schema version or data
 * (`altered`).
 */
export type Refusal = 'unknown' | 'altered';

/**
 * Applies the consumer's handler to each event at most once, all in one transaction: the inbox
 * rows and the effects commit together. Answers, per event, what became of it (a duplicate: the
 * inbox already had it, a redelivery). One event's failure fails the batch; the caller isolates it.
 *
 * With `verify` the events came off the broker, where anyone holding its credentials can publish:
 * an event applies only if domain_events holds exactly it. Events read from domain_events itself
 * (in-process delivery, its stored dead letters) need no second look.
 */
export async function applyOnce(
  db: Db | Trx,
  consumer: ConsumerName,
  events: EventEnvelope[],
  handlers: ConsumerHandlers,
  { verify = false }: { verify?: boolean } = {},
): Promise<Map<EventEnvelope, Outcome>> {
  const bindings: readonly string[] = CONSUMER_QUEUES[consumer].bindings;
  // The bindings narrow the handler's events to BoundTo<consumer>.
  const handle = handlers[consumer] as EventHandler;
  // Inside a transaction already (in-process delivery), this is a savepoint.
  return db.transaction(async (trx) => {
    const outcomes = await (verify ? recordGenuine : record)(trx, consumer, events);
    // Data that breaks the contract throws here, as a handler would (retried, then dead-lettered).
    // A type the queue is not bound to (a replayed dead letter from an older binding) is recorded
    // and has no effect.
    const todo = events
      .filter((e) => outcomes.get(e) === 'applied' && bindings.includes(e.type))
      .map(readEvent);
    if (todo.length > 0) await handle(trx, todo);
    return outcomes;
  });
}

/** Records the events in the consumer's inbox: those it had not are to be applied. */
async function record(trx: Trx, consumer: string, events: EventEnvelope[]) {
  const { rows } = await trx.raw<{ rows: { event_id: string }[] }>(
    `INSERT INTO consumer_inbox (consumer, event_id)
     SELECT :consumer, unnest(:ids::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    { consumer, ids: events.map((e) => e.id) },
  );
  const fresh = new Set(rows.map((r) => r.event_id));
  // A batch holding the same event twice applies it once.
  return new Map(
    events.map((e): [EventEnvelope, Outcome] => [e, fresh.delete(e.id) ? 'applied' : 'duplicate']),
  );
}

/**
 * `record`, for the envelopes that match their event in domain_events (the unique index on
 * event_id, one lookup each), in one statement for the batch. A refused envelope is not recorded,
 * so it cannot use up a real event's id. An envelope whose id the inbox had before is a duplicate
 * even when its event has since gone to retention: an old redelivery is not taken for a forgery.
 */
async function recordGenuine(trx: Trx, consumer: string, events: EventEnvelope[]) {
  const { rows } = await trx.raw<{
    rows: { n: number; genuine: boolean; known: boolean; fresh: boolean; had: boolean }[];
  }>(
    `WITH batch AS (
       SELECT * FROM jsonb_to_recordset(:batch::jsonb)
         AS b(n int, id uuid, type text, aggregate_type text, aggregate_id text, schema_version int, data jsonb)
     ), judged AS (
       SELECT b.n, b.id, e.event_id IS NOT NULL AS known,
              coalesce(e.type = b.type AND e.aggregate_type = b.aggregate_type AND e.aggregate_id = b.aggregate_id
                       AND e.schema_version = b.schema_version AND e.data = b.data, false) AS genuine
         FROM batch b LEFT JOIN domain_events e ON e.event_id = b.id
     ), fresh AS (
       INSERT INTO consumer_inbox (consumer, event_id)
       SELECT DISTINCT :consumer, id FROM judged WHERE genuine
       ON CONFLICT DO NOTHING RETURNING event_id
     )
     SELECT j.n, j.genuine, j.known, j.id IN (SELECT event_id FROM fresh) AS fresh,
            CASE WHEN j.known THEN false
                 ELSE EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = :consumer AND i.event_id = j.id)
            END AS had
       FROM judged j`,
    {
      consumer,
      batch: JSON.stringify(
        events.map((e, n) => ({
          n,
          id: e.id,
          type: e.type,
          aggregate_type: e.aggregate.type,
          aggregate_id: e.aggregate.id,
          schema_version: e.schema_version,
          data: e.data,
        })),
      ),
    },
  );
  const judged = new Map(rows.map((r) => [r.n, r]));
  const claimed = new Set<string>();
  return new Map(
    events.map((e, n): [EventEnvelope, Outcome] => {
      const r = judged.get(n)!;
      if (r.genuine) {
        // The first copy in the batch applies; its twins are duplicates.
        const first = r.fresh && !claimed.has(e.id);
        claimed.add(e.id);
        return [e, first ? 'applied' : 'duplicate'];
      }
      return [e, r.known ? 'altered' : r.had ? 'duplicate' : 'unknown'];
    }),
  );
}

const parse = (msg: ConsumeMessage): EventEnvelope | null => {
  try {
    return eventEnvelope.safeParse(JSON.parse(msg.content.toString())).data ?? null;
  } catch {
    return null;
  }
};

/**
 * Consumes one consumer's quorum queue: each message is applied once (the inbox) and then acked.
 * A message that matches no event in domain_events is refused: acked, counted and logged, never
 * applied. A handler that throws has the message requeued; the queue's delivery limit dead-letters
 * it after a few tries, so one poison message cannot hold up the rest. An unreadable message (not
 * JSON, or not an envelope) is dead-lettered at once. A lost connection is re-opened with a back-off.
 */
export function startConsumer({
  db,
  amqpUrl,
  name,
  deployed,
  handlers,
  logger,
  metrics,
  prefetch = 200,
}: {
  db: Db;
  amqpUrl: string;
  name: ConsumerName;
  /** Every consumer of the deployment, whose queues the topology declares. */
  deployed: readonly ConsumerName[];
  handlers: ConsumerHandlers;
  logger: Logger;
  metrics: Metrics;
  prefetch?: number;
}) {
  const { queue } = CONSUMER_QUEUES[name];
  let connection: ChannelModel | null = null;
  let stopped = false;
  const retry = reconnectWithBackoff(() => void connect());
  const inFlight = new Set<Promise<void>>();
  let cancel: (() => Promise<void>) | undefined;

  /**
   * Messages are applied in batches (group commit, as checkouts are): up to `prefetch` in one
   * transaction. A batch that fails is halved until the failing message stands alone; only it is
   * requeued (and, past the delivery limit, dead-lettered).
   */
  const batcher = createBatcher<EventEnvelope, Outcome>({
    run: (events) =>
      runIsolating(events, async (batch) => applyOnce(db, name, batch, handlers, { verify: true }), {
        onAlone: (event, err) =>
          logger.warn(
            { err: (err as Error).message, consumer: name, event: event.id, type: event.type },
            'event consumer failed; requeued',
          ),
      }),
    maxSize: prefetch,
    maxWaitMs: 5,
    concurrency: 1,
    logger,
  });

  /**
   * Acknowledges (or rejects) on the channel the message came on. A channel that closed meanwhile
   * (the broker restarted, the process is stopping) has handed its unacknowledged messages back:
   * they come again, and the inbox keeps their effect single.
   */
  const settle = (channel: Channel, msg: ConsumeMessage, how: 'ack' | 'requeue' | 'dead-letter') => {
    try {
      if (how === 'ack') channel.ack(msg);
      else channel.nack(msg, false, how === 'requeue');
    } catch {
      // closed: redelivered later
    }
  };

  async function onMessage(channel: Channel, msg: ConsumeMessage) {
    const event = parse(msg);
    if (!event) {
      metrics.eventConsumerErrors.inc({ consumer: name, reason: 'unreadable' });
      settle(channel, msg, 'dead-letter');
      return;
    }
    try {
      const outcome = await batcher.submit(event);
      if (outcome === 'applied' || outcome === 'duplicate') {
        metrics.eventsConsumed.inc({ consumer: name, outcome });
      } else {
        // Acked: a refusal is final (it would be refused again), and a forger must not be able to
        // fill the dead letters an operator replays.
        metrics.eventsRejected.inc({ consumer: name, reason: outcome });
        logger.warn(
          {
            consumer: name,
            event: event.id,
            type: event.type,
            aggregate: event.aggregate,
            routing_key: msg.fields.routingKey,
            reason: outcome,
          },
          'event consumer refused a message that matches no event the shop wrote; not applied',
        );
      }
      settle(channel, msg, 'ack');
    } catch {
      metrics.eventConsumerErrors.inc({ consumer: name, reason: 'handler' });
      settle(channel, msg, 'requeue');
    }
  }

  async function connect() {
    try {
      const conn = await amqp.connect(amqpUrl, { clientProperties: { connection_name: `shop-${name}` } });
      conn.on('error', () => undefined);
      conn.on('close', () => {
        if (connection === conn) connection = null;
        retry.schedule();
      });
      const channel = await conn.createChannel();
      channel.on('error', () => undefined);
      await declareTopology(channel, deployed);
      await channel.prefetch(prefetch);
      const { consumerTag } = await channel.consume(queue, (msg) => {
        if (!msg) return;
        const work = onMessage(channel, msg).finally(() => inFlight.delete(work));
        inFlight.add(work);
      });
      cancel = () => channel.cancel(consumerTag).then(() => undefined);
      connection = conn;
      retry.succeeded();
      if (stopped) await conn.close().catch(() => undefined);
    } catch (err) {
      logger.warn(
        { err: (err as Error).message, consumer: name },
        'event consumer cannot reach the broker; retrying',
      );
      retry.schedule();
    }
  }
  void connect();

  return {
    /** No new deliveries, then the ones in hand finish (and are acknowledged), then the connection closes. */
    async stop() {
      stopped = true;
      retry.stop();
      await cancel?.().catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      await connection?.close().catch(() => undefined);
    },
  };
}

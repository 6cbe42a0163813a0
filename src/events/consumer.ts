import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Db, Trx } from '../db/index.js';
import { reconnectWithBackoff } from '../shared/backoff.js';
import { createBatcher, runIsolating } from '../shared/batcher.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventEnvelope } from './envelope.js';
import { CONSUMER_QUEUES, declareTopology } from './topology.js';

export type ConsumerName = keyof typeof CONSUMER_QUEUES;

/**
 * What a consumer does with a batch of events it has not had before, inside the transaction that
 * records them in its inbox: set-based where it can (one insert for the batch, not one per event).
 * Throwing fails the whole batch; the caller isolates the event that caused it.
 */
export type EventHandler = (trx: Trx, events: EventEnvelope[]) => Promise<void>;

/**
 * Applies `handle` to each event at most once for this consumer, all in one transaction: the inbox
 * rows and the effects commit together. Answers, per event, whether it was applied (false: the
 * inbox already had it, a redelivery). One event's failure fails the batch; the caller isolates it.
 */
export async function applyOnce(
  db: Db | Trx,
  consumer: string,
  events: EventEnvelope[],
  handle: EventHandler,
): Promise<Map<EventEnvelope, boolean>> {
  // Inside a transaction already (in-process delivery), this is a savepoint.
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: { event_id: string }[] }>(
      `INSERT INTO consumer_inbox (consumer, event_id)
       SELECT ?, unnest(?::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, events.map((e) => e.id)],
    );
    const fresh = new Set(rows.map((r) => r.event_id));
    const applied = new Map<EventEnvelope, boolean>();
    for (const event of events) {
      // A batch holding the same event twice applies it once.
      applied.set(event, fresh.delete(event.id));
    }
    const todo = events.filter((e) => applied.get(e));
    if (todo.length > 0) await handle(trx, todo);
    return applied;
  });
}

const parse = (msg: ConsumeMessage): EventEnvelope | null => {
  try {
    const event = JSON.parse(msg.content.toString()) as EventEnvelope;
    return typeof event?.id === 'string' && typeof event.type === 'string' ? event : null;
  } catch {
    return null;
  }
};

/**
 * Consumes one consumer's quorum queue: each message is applied once (the inbox) and then acked.
 * A handler that throws has the message requeued; the queue's delivery limit dead-letters it after
 * a few tries, so one poison message cannot hold up the rest. An unreadable message is dead-lettered
 * at once. A lost connection is re-opened with a back-off.
 */
export function startConsumer({
  db,
  amqpUrl,
  name,
  handle,
  logger,
  metrics,
  prefetch = 200,
}: {
  db: Db;
  amqpUrl: string;
  name: ConsumerName;
  handle: EventHandler;
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
  const batcher = createBatcher<EventEnvelope, boolean>({
    run: (events) =>
      runIsolating(events, async (batch) => applyOnce(db, name, batch, handle), {
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
      const applied = await batcher.submit(event);
      metrics.eventsConsumed.inc({ consumer: name, outcome: applied ? 'applied' : 'duplicate' });
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
      await declareTopology(channel);
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

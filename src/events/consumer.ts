import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Db, Trx } from '../db/index.js';
import { reconnectWithBackoff } from '../shared/backoff.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventEnvelope } from './envelope.js';
import { CONSUMER_QUEUES, declareTopology } from './topology.js';

export type ConsumerName = keyof typeof CONSUMER_QUEUES;

/** What a consumer does with one event, inside the transaction that records it in the inbox. */
export type EventHandler = (trx: Trx, event: EventEnvelope) => Promise<void>;

/**
 * Applies `handle` to one event at most once for this consumer: the inbox row and the effect
 * commit together. Answers false when the event was already applied (a redelivery).
 */
export async function applyOnce(db: Db, consumer: string, event: EventEnvelope, handle: EventHandler) {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: unknown[] }>(
      `INSERT INTO consumer_inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
      [consumer, event.id],
    );
    if (rows.length === 0) return false;
    await handle(trx, event);
    return true;
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
  prefetch = 50,
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

  async function onMessage(channel: Channel, msg: ConsumeMessage) {
    const event = parse(msg);
    if (!event) {
      metrics.eventConsumerErrors.inc({ consumer: name, reason: 'unreadable' });
      channel.nack(msg, false, false);
      return;
    }
    try {
      const applied = await applyOnce(db, name, event, handle);
      metrics.eventsConsumed.inc({ consumer: name, outcome: applied ? 'applied' : 'duplicate' });
      channel.ack(msg);
    } catch (err) {
      metrics.eventConsumerErrors.inc({ consumer: name, reason: 'handler' });
      logger.warn(
        { err: (err as Error).message, consumer: name, event: event.id, type: event.type },
        'event consumer failed; requeued',
      );
      channel.nack(msg, false, true);
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
      await channel.consume(queue, (msg) => {
        if (!msg) return;
        const work = onMessage(channel, msg).finally(() => inFlight.delete(work));
        inFlight.add(work);
      });
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
    async stop() {
      stopped = true;
      retry.stop();
      await Promise.allSettled([...inFlight]);
      await connection?.close().catch(() => undefined);
    },
  };
}

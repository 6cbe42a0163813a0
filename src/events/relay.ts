import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Db } from '../db/index.js';
import { listenForOutboxEvents } from '../outbox/listener.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { type DomainEventRow, toEnvelope } from './envelope.js';
import { declareTopology, EVENTS_EXCHANGE } from './topology.js';

/** The channel domain_events' insert trigger notifies (migration 20261202000007). */
export const EVENTS_CHANNEL = 'domain_events';

export interface RelayOptions {
  amqpUrl: string;
  /** Events claimed, published and confirmed per round. */
  batchSize: number;
  /** Polling, behind LISTEN/NOTIFY. */
  intervalMs: number;
}

/**
 * The oldest unpublished events no other relay holds (SKIP LOCKED), of which those go whose older
 * unpublished events of the same aggregate are all in this claim too: an order's events leave in
 * the order they happened, whichever relay sends them, and a busy aggregate (a hot SKU's stock
 * changes) sends a run of its events per round rather than one. An older event locked by another
 * relay is visible to the NOT EXISTS, so its newer ones wait for it rather than overtake it; the
 * ones that wait stay locked until this round commits, then go on the next.
 */
const CLAIM = `
  WITH claimed AS (
    SELECT e.id, e.event_id, e.type, e.aggregate_type, e.aggregate_id, e.data, e.schema_version, e.occurred_at
      FROM domain_events e
     WHERE e.published_at IS NULL
     ORDER BY e.id
     LIMIT ?
       FOR UPDATE SKIP LOCKED)
  SELECT c.* FROM claimed c
   WHERE NOT EXISTS (SELECT 1 FROM domain_events o
                      WHERE o.published_at IS NULL AND o.aggregate_type = c.aggregate_type
                        AND o.aggregate_id = c.aggregate_id AND o.id < c.id
                        AND o.id NOT IN (SELECT id FROM claimed))
   ORDER BY c.id`;

/**
 * The relay from PostgreSQL to RabbitMQ: each round claims events in a transaction, publishes them
 * on a confirm channel, waits for the broker's confirms and only then marks them published and
 * commits. A broker that is down, or a publish it does not confirm, rolls the round back: the
 * events stay in PostgreSQL and go on a later round (at least once; consumers dedupe on the id).
 */
export function createEventRelay({
  db,
  dbUrl,
  logger,
  metrics,
  options,
}: {
  db: Db;
  dbUrl: string;
  logger: Logger;
  metrics: Metrics;
  options: RelayOptions;
}) {
  let connection: ChannelModel | null = null;
  let channel: ConfirmChannel | null = null;
  let lastWarn = 0;

  const drop = () => {
    const c = connection;
    connection = null;
    channel = null;
    c?.close().catch(() => undefined);
  };

  async function openChannel(): Promise<ConfirmChannel> {
    if (channel) return channel;
    const conn = await amqp.connect(options.amqpUrl, { clientProperties: { connection_name: 'shop-relay' } });
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (connection === conn) drop();
    });
    try {
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => {
        if (channel === ch) drop();
      });
      await declareTopology(ch);
      connection = conn;
      channel = ch;
      return ch;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  /** One round: claim, publish, wait for the confirms, mark, commit. Answers how many went. */
  async function relayOnce(): Promise<number> {
    const ch = await openChannel();
    const sent = await db.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: DomainEventRow[] }>(CLAIM, [options.batchSize]);
      if (rows.length === 0) return [];
      for (const row of rows) {
        const envelope = toEnvelope(row);
        ch.publish(EVENTS_EXCHANGE, row.type, Buffer.from(JSON.stringify(envelope)), {
          persistent: true,
          contentType: 'application/json',
          messageId: envelope.id,
          type: envelope.type,
          timestamp: Math.floor(row.occurred_at.getTime() / 1000),
          headers: { 'schema-version': envelope.schema_version },
        });
      }
      await ch.waitForConfirms();
      await trx('domain_events')
        .whereRaw('id = ANY(?::bigint[])', [rows.map((r) => r.id)])
        .update({
          published_at: trx.raw('clock_timestamp()'),
          attempts: trx.raw('attempts + 1'),
          last_error: null,
        });
      return rows;
    });
    const now = Date.now();
    for (const row of sent) {
      metrics.eventsPublished.inc({ type: row.type });
      metrics.eventRelayLag.observe(Math.max(0, now - row.occurred_at.getTime()) / 1000);
    }
    return sent.length;
  }

  let running: Promise<void> | null = null;
  let again = false;

  /** Relays until nothing is left; a call while a drain runs makes it go round once more. */
  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          // Until a round finds nothing: a round that sent an aggregate's oldest event has made
          // its next one eligible, even when the round was not full.
          while ((await relayOnce()) > 0) {
            // more may be eligible
          }
        } while (again);
      } catch (err) {
        metrics.eventRelayErrors.inc();
        drop();
        if (Date.now() - lastWarn > 10_000) {
          lastWarn = Date.now();
          logger.warn(
            { err: (err as Error).message },
            'event relay: broker unavailable; events wait in PostgreSQL',
          );
        }
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    drain,
    relayOnce,
    /** Starts relaying: woken by NOTIFY, polling every intervalMs behind it. */
    start() {
      const listener = listenForOutboxEvents(dbUrl, () => void drain(), logger, EVENTS_CHANNEL);
      const timer = setInterval(() => void drain(), options.intervalMs);
      timer.unref();
      void drain();
      return {
        async stop() {
          clearInterval(timer);
          await listener.close();
          await running;
          drop();
        },
      };
    },
    async close() {
      await running;
      drop();
    },
  };
}

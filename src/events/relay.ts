import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Db, Trx } from '../db/index.js';
import { listenForOutboxEvents } from '../outbox/index.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { contractBreach } from './contract.js';
import { type DomainEventRow, toEnvelope } from './envelope.js';
import {
  type ConsumerName,
  DEAD_LETTER_QUEUE,
  DELIVERY_LIMIT,
  declareTopology,
  EVENTS_EXCHANGE,
} from './topology.js';

/** The channel domain_events' insert trigger notifies (migration 20261202000007). */
export const EVENTS_CHANNEL = 'domain_events';

export interface RelayOptions {
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
 * relay, or waiting for its retry, is one of the `blocking`, so its newer ones wait for it rather
 * than overtake it; the ones that wait stay locked until this round commits, then go on the next.
 *
 * An older unpublished event outside the claim has an id below the claim's newest, so `blocking`
 * is one range of the unpublished index, read once: the events other relays hold and those waiting
 * for a retry. Written as a NOT EXISTS per claimed event, the planner, going by statistics taken
 * while nothing waited (a partial index of "no" rows), read the whole backlog once per claimed
 * event: with 16,000 events behind after a sale, a round of 500 took 8.8 s of a core instead of
 * 16 ms, and the relay fell further behind with each round.
 */
export const CLAIM = `
  WITH claimed AS (
    SELECT e.id, e.event_id, e.type, e.aggregate_type, e.aggregate_id, e.data, e.schema_version, e.occurred_at,
           e.attempts
      FROM domain_events e
     WHERE e.published_at IS NULL AND (e.retry_at IS NULL OR e.retry_at <= now())
     ORDER BY e.id
     LIMIT ?
       FOR UPDATE SKIP LOCKED),
  blocking AS MATERIALIZED (
    SELECT o.aggregate_type, o.aggregate_id, min(o.id) AS first_id
      FROM domain_events o
     WHERE o.published_at IS NULL AND o.id < (SELECT max(id) FROM claimed)
       AND o.id NOT IN (SELECT id FROM claimed)
     GROUP BY o.aggregate_type, o.aggregate_id)
  SELECT c.* FROM claimed c
   WHERE NOT EXISTS (SELECT 1 FROM blocking b
                      WHERE b.aggregate_type = c.aggregate_type AND b.aggregate_id = c.aggregate_id
                        AND b.first_id < c.id)
   ORDER BY c.id`;

/**
 * Where a relay round hands its claimed events, inside the round's transaction. The broker
 * publishes them and waits for the confirms (throwing rolls the round back: they all go again);
 * in-process delivery applies them to the consumers and answers, per event, the consumers that
 * failed on it (it is retried later, alone).
 */
export interface EventTransport {
  deliver(
    trx: Trx,
    rows: DomainEventRow[],
  ): Promise<Map<DomainEventRow, { consumer: string; error: string }[]>>;
  /** How many dead letters wait for an operator (the metric reads it). */
  deadLetters(): Promise<number | null>;
  close(): void;
  /** For the log line when a round fails. */
  unavailable: string;
}

/**
 * RabbitMQ: publisher confirms on one channel, re-opened after the broker went away. The queues of
 * the deployment's consumers (`deployed`) are declared before the first publish, so no event is
 * routed nowhere.
 */
export function brokerTransport(amqpUrl: string, deployed: readonly ConsumerName[]): EventTransport {
  let connection: ChannelModel | null = null;
  let channel: ConfirmChannel | null = null;

  const drop = () => {
    const c = connection;
    connection = null;
    channel = null;
    c?.close().catch(() => undefined);
  };

  async function openChannel(): Promise<ConfirmChannel> {
    if (channel) return channel;
    const conn = await amqp.connect(amqpUrl, { clientProperties: { connection_name: 'shop-relay' } });
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
      await declareTopology(ch, deployed);
      connection = conn;
      channel = ch;
      return ch;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  return {
    unavailable: 'event relay: broker unavailable; events wait in PostgreSQL',
    async deliver(_trx, rows) {
      const ch = await openChannel();
      try {
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
      } catch (err) {
        drop();
        throw err;
      }
      return new Map();
    },
    async deadLetters() {
      if (!channel) return null;
      return (await channel.checkQueue(DEAD_LETTER_QUEUE)).messageCount;
    },
    close: drop,
  };
}

/** After a consumer failed on an event: 1 s, 2 s, 4 s, 8 s... before the next try. */
const retryDelaySeconds = (attempts: number) => 2 ** Math.min(attempts, 10);

/**
 * The relay from PostgreSQL to its transport: each round claims events in a transaction, checks
 * them against the contract (`contract.ts`; an event that breaks it is refused, see `refuse`), hands
 * them over (to RabbitMQ, confirmed; or to the in-process consumers) and only then marks them
 * published and commits. A broker that is down rolls the round back: the events stay in
 * PostgreSQL and go on a later round (at least once; consumers dedupe on the id). An event an
 * in-process consumer failed on is tried again later, and after DELIVERY_LIMIT tries becomes that
 * consumer's dead letter, as a broker's queue would make it.
 */
export function createEventRelay({
  db,
  dbUrl,
  logger,
  metrics,
  options,
  transport,
}: {
  db: Db;
  dbUrl: string;
  logger: Logger;
  metrics: Metrics;
  options: RelayOptions;
  transport: EventTransport;
}) {
  let lastWarn = 0;

  /**
   * Events that break the contract (a type it lacks, data or an aggregate it does not allow) are
   * refused, not sent: a consumer would only fail on them, and other systems would read them. Each
   * is done with, as a dead letter is (published_at, so its aggregate's next events go), with the
   * reason in last_error, an error log line and shop_events_refused_total; once the contract or the
   * trigger is fixed, `shopctl events replay <id>` sends it.
   */
  async function refuse(trx: Trx, refused: Map<DomainEventRow, string>) {
    for (const [row, reason] of refused) {
      await trx('domain_events')
        .where({ id: row.id })
        .update({
          published_at: trx.raw('clock_timestamp()'),
          attempts: row.attempts + 1,
          retry_at: null,
          last_error: `relay: refused, breaks the event contract: ${reason}`.slice(0, 1000),
        });
    }
  }

  /** One round: claim, check, deliver, mark, commit. Answers how many events it claimed. */
  async function relayOnce(): Promise<number> {
    const { claimed, sent, refused } = await db.transaction(async (trx) => {
      const { rows: all } = await trx.raw<{ rows: DomainEventRow[] }>(CLAIM, [options.batchSize]);
      if (all.length === 0) return { claimed: 0, sent: [], refused: new Map<DomainEventRow, string>() };
      const refused = new Map<DomainEventRow, string>();
      for (const row of all) {
        const breach = contractBreach(toEnvelope(row));
        if (breach) refused.set(row, breach);
      }
      await refuse(trx, refused);
      const rows = all.filter((r) => !refused.has(r));
      const failures: Awaited<ReturnType<EventTransport['deliver']>> =
        rows.length > 0 ? await transport.deliver(trx, rows) : new Map();
      const done = rows.filter((r) => !failures.has(r));
      for (const [row, failed] of failures) {
        const deliveries = row.attempts + 1;
        const dead = deliveries >= DELIVERY_LIMIT;
        if (dead) {
          await trx('event_dead_letters')
            .insert(
              failed.map((f) => ({
                consumer: f.consumer,
                event_id: row.event_id,
                envelope: JSON.stringify(toEnvelope(row)),
                error: f.error.slice(0, 1000),
                deliveries,
              })),
            )
            .onConflict(['consumer', 'event_id'])
            .merge(['envelope', 'error', 'deliveries', 'created_at']);
        }
        // Dead: delivered to every consumer that could take it, and done with.
        await trx('domain_events')
          .where({ id: row.id })
          .update({
            attempts: deliveries,
            last_error: failed
              .map((f) => `${f.consumer}: ${f.error}`)
              .join('; ')
              .slice(0, 1000),
            ...(dead
              ? { published_at: trx.raw('clock_timestamp()'), retry_at: null }
              : { retry_at: trx.raw(`now() + ? * interval '1 second'`, [retryDelaySeconds(row.attempts)]) }),
          });
      }
      if (done.length > 0) {
        await trx('domain_events')
          .whereRaw('id = ANY(?::bigint[])', [done.map((r) => r.id)])
          .update({
            published_at: trx.raw('clock_timestamp()'),
            attempts: trx.raw('attempts + 1'),
            last_error: null,
            retry_at: null,
          });
      }
      return { claimed: all.length, sent: done, refused };
    });
    for (const [row, reason] of refused) {
      metrics.eventsRefused.inc({ type: row.type });
      logger.error(
        {
          event: row.event_id,
          type: row.type,
          aggregate: { type: row.aggregate_type, id: row.aggregate_id },
          reason,
        },
        'event relay: refused an event that breaks the event contract; not sent',
      );
    }
    const now = Date.now();
    for (const row of sent) {
      metrics.eventsPublished.inc({ type: row.type });
      metrics.eventRelayLag.observe(Math.max(0, now - row.occurred_at.getTime()) / 1000);
    }
    return claimed;
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
        if (Date.now() - lastWarn > 10_000) {
          lastWarn = Date.now();
          logger.warn({ err: (err as Error).message }, transport.unavailable);
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
    deadLetters: () => transport.deadLetters(),
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
          transport.close();
        },
      };
    },
    async close() {
      await running;
      transport.close();
    },
  };
}

export type EventRelay = ReturnType<typeof createEventRelay>;

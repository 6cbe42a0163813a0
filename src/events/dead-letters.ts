import amqp from 'amqplib';
import type { Db } from '../db/index.js';
import { ageRule, type RetentionRule } from '../db/retention.js';
import { applyOnce, type ConsumerHandlers, type ConsumerName } from './consumer.js';
import type { EventEnvelope } from './envelope.js';
import { CONSUMER_QUEUES, DEAD_LETTER_QUEUE, declareExchanges } from './topology.js';

export interface DeadLetter {
  event: EventEnvelope | null;
  /** The consumer queue it died in, why, and how many times it was delivered there. */
  queue: string | null;
  reason: string | null;
  deliveries: number | null;
  /** The raw body, when it was not an envelope at all. */
  raw?: string;
}

export interface DeadLetterReport {
  letters: DeadLetter[];
  replayed: number;
  remaining: number;
}

interface XDeath {
  queue?: string;
  reason?: string;
  count?: number;
}

/**
 * Reads up to `limit` dead letters. Without `replay` they are put back as they were (a look, not a
 * take); with it each goes back to the queue it died in (to that consumer only, confirmed by the
 * broker) and leaves the dead letters.
 */
export async function deadLetters(
  amqpUrl: string,
  { limit, replay }: { limit: number; replay: boolean },
): Promise<DeadLetterReport> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await declareExchanges(channel);
    const { messageCount: before } = await channel.checkQueue(DEAD_LETTER_QUEUE);
    const taken: { letter: DeadLetter; msg: amqp.GetMessage }[] = [];
    for (let i = 0; i < limit; i++) {
      const msg = await channel.get(DEAD_LETTER_QUEUE, { noAck: false });
      if (!msg) break;
      const death = ((msg.properties.headers?.['x-death'] as XDeath[] | undefined) ?? [])[0];
      let event: EventEnvelope | null = null;
      try {
        event = JSON.parse(msg.content.toString()) as EventEnvelope;
      } catch {
        event = null;
      }
      taken.push({
        msg,
        letter: {
          event,
          queue: death?.queue ?? null,
          reason: death?.reason ?? null,
          deliveries: death?.count ?? null,
          ...(event ? {} : { raw: msg.content.toString().slice(0, 500) }),
        },
      });
    }
    const replayed: DeadLetter[] = [];
    for (const { letter, msg } of taken) {
      if (replay && letter.queue) {
        channel.sendToQueue(letter.queue, msg.content, { ...msg.properties, headers: {} });
        await channel.waitForConfirms();
        channel.ack(msg);
        replayed.push(letter);
      } else {
        channel.nack(msg, false, true);
      }
    }
    // Counted before the look: a message put back is not counted again until the broker has it.
    return {
      letters: taken.map((t) => t.letter),
      replayed: replayed.length,
      remaining: before - replayed.length,
    };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** How many dead letters in-process delivery (no broker) has left for an operator. */
export const countDeadLetters = async (db: Db) =>
  Number((await db('event_dead_letters').count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0);

/**
 * The same look (or, with `replay`, take) without a broker: each letter is applied again to the
 * consumer that gave up on it, once (its inbox), and leaves the dead letters when that commits; one
 * that fails again stays, with the new error.
 */
export async function storedDeadLetters(
  db: Db,
  handlers: ConsumerHandlers,
  { limit, replay }: { limit: number; replay: boolean },
): Promise<DeadLetterReport> {
  const rows = await db('event_dead_letters')
    .orderBy('id')
    .limit(limit)
    .select<
      { id: number; consumer: ConsumerName; envelope: EventEnvelope; error: string; deliveries: number }[]
    >('id', 'consumer', 'envelope', 'error', 'deliveries');
  const letters = rows.map(
    (r): DeadLetter => ({
      event: r.envelope,
      queue: CONSUMER_QUEUES[r.consumer]?.queue ?? r.consumer,
      reason: r.error,
      deliveries: r.deliveries,
    }),
  );
  let replayed = 0;
  if (replay) {
    for (const row of rows) {
      try {
        await db.transaction(async (trx) => {
          // Unchecked: the relay stored this envelope from its domain_events row, which retention
          // may have deleted since.
          await applyOnce(trx, row.consumer, [row.envelope], handlers);
          await trx('event_dead_letters').where({ id: row.id }).delete();
        });
        replayed++;
      } catch (err) {
        await db('event_dead_letters')
          .where({ id: row.id })
          .update({ error: (err as Error).message.slice(0, 1000), deliveries: row.deliveries + 1 });
      }
    }
  }
  return { letters, replayed, remaining: await countDeadLetters(db) };
}

/**
 * Retention: a replayed letter leaves at once (`storedDeadLetters`); one nobody replayed goes after
 * 30 days, as long as its event is kept in domain_events for a consumer that has not applied it.
 */
export const deadLettersRetention: RetentionRule = ageRule(
  'event_dead_letters',
  'replayed (at once), else 30 days after the last delivery failed',
  "created_at < now() - interval '30 days'",
);

import amqp from 'amqplib';
import type { EventEnvelope } from './envelope.js';
import { DEAD_LETTER_QUEUE, declareTopology } from './topology.js';

export interface DeadLetter {
  event: EventEnvelope | null;
  /** The consumer queue it died in, why, and how many times it was delivered there. */
  queue: string | null;
  reason: string | null;
  deliveries: number | null;
  /** The raw body, when it was not an envelope at all. */
  raw?: string;
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
export async function deadLetters(amqpUrl: string, { limit, replay }: { limit: number; replay: boolean }) {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await declareTopology(channel);
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

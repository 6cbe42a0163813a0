import type { Db, Trx } from '../db/index.js';
import { runPiece, type SqlPiece } from '../db/pieces.js';
import { countWhere, type RetentionRule } from '../db/retention.js';

export interface OutboxEvent {
  id: number;
  topic: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export type NewEvent = {
  topic: string;
  aggregate_id: string;
  payload?: Record<string, unknown>;
  delayMs?: number;
};

/** Written in the caller's transaction: the event exists if and only if the change committed. */
export async function enqueue(trx: Trx, events: NewEvent[]) {
  if (events.length === 0) return;
  await runPiece(trx, enqueued(events));
}

/** `enqueue` as a piece of the caller's statement. */
export const enqueued = (events: NewEvent[]): SqlPiece => ({
  sql: `INSERT INTO outbox_events (topic, aggregate_id, payload, available_at)
     SELECT t, a, p, now() + make_interval(secs => d / 1000.0)
       FROM unnest(:outbox_topic::text[], :outbox_aggregate::text[], :outbox_payload::jsonb[], :outbox_delay_ms::int[])
            AS e(t, a, p, d)`,
  bindings: {
    outbox_topic: events.map((e) => e.topic),
    outbox_aggregate: events.map((e) => e.aggregate_id),
    outbox_payload: events.map((e) => JSON.stringify(e.payload ?? {})),
    outbox_delay_ms: events.map((e) => e.delayMs ?? 0),
  },
});

/**
 * Claims due events for `leaseMs`: SKIP LOCKED lets any number of workers claim side by side, and
 * the lease (available_at pushed forward) hands an event to another worker if this one dies.
 */
export async function claim(
  db: Db,
  topics: string[],
  limit: number,
  leaseMs: number,
): Promise<OutboxEvent[]> {
  const { rows } = await db.raw<{ rows: OutboxEvent[] }>(
    `UPDATE outbox_events e
        SET available_at = now() + make_interval(secs => ? / 1000.0), attempts = e.attempts + 1
      WHERE e.id IN (
        SELECT id FROM outbox_events
         WHERE processed_at IS NULL AND failed_at IS NULL AND available_at <= now() AND topic = ANY(?::text[])
         ORDER BY available_at, id
         LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING e.id, e.topic, e.aggregate_id, e.payload, e.attempts`,
    [leaseMs, topics, limit],
  );
  return rows;
}

export async function markProcessed(db: Db | Trx, ids: number[]) {
  if (ids.length === 0) return;
  await db('outbox_events')
    .whereIn('id', ids)
    .whereNull('processed_at')
    .update({ processed_at: db.fn.now(), last_error: null });
}

/** How a topic's failed events are tried again; the handlers' domain decides (payments: `payments/retries.ts`). */
export interface RetryPolicy {
  /** Attempts after which an event is parked as failed for an operator. */
  maxAttempts: number;
  /** The wait before the next attempt, given the attempts made so far. */
  delaySeconds: (attempts: number) => number;
}

/** Schedules the event's next attempt; after `policy.maxAttempts` it is parked as failed for an operator. */
export async function markFailed(db: Db, event: OutboxEvent, error: string, policy: RetryPolicy) {
  const giveUp = event.attempts >= policy.maxAttempts;
  await db('outbox_events')
    .where({ id: event.id })
    .update({
      last_error: error.slice(0, 2000),
      ...(giveUp
        ? { failed_at: db.fn.now() }
        : {
            available_at: db.raw(`now() + make_interval(secs => ?)`, [policy.delaySeconds(event.attempts)]),
          }),
    });
  return giveUp;
}

/** Marks an aggregate's open events of a topic done: their work was done another way (by hand). */
export async function completeEvents(db: Db, topic: string, aggregateId: string) {
  await db('outbox_events')
    .where({ topic, aggregate_id: aggregateId })
    .whereNull('processed_at')
    .update({ processed_at: db.fn.now(), failed_at: null, last_error: null });
}

/** Retention: events processed over a week ago; pending and parked (failed) events stay. */
export const deleteProcessedOutboxEvents = (db: Db) =>
  db('outbox_events').where('processed_at', '<', db.raw("now() - interval '7 days'")).delete();

export const outboxRetention: RetentionRule = {
  table: 'outbox_events',
  rule: 'processed over 7 days ago; pending and parked jobs are kept',
  due: (db) => countWhere(db, 'outbox_events', "processed_at < now() - interval '7 days'"),
  purge: deleteProcessedOutboxEvents,
};

import type { Db } from '../db/index.js';
import { ageRule, type RetentionRule } from '../db/retention.js';
import { DomainError } from '../shared/errors.js';
import type { DomainEventRow } from './envelope.js';
import { CONSUMER_QUEUES, type ConsumerName } from './topology.js';

export interface EventRow extends DomainEventRow {
  published_at: Date | null;
}

/** The relay's account: what waits, how old the oldest is, and what went, by type. */
export async function eventStats(db: Db) {
  const { rows } = await db.raw<{
    rows: { type: string; unpublished: number; published: number; oldest_unpublished: Date | null }[];
  }>(
    `SELECT type, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
            count(*) FILTER (WHERE published_at IS NOT NULL)::int AS published,
            min(occurred_at) FILTER (WHERE published_at IS NULL) AS oldest_unpublished
       FROM domain_events GROUP BY type ORDER BY type`,
  );
  const waiting = rows.filter((r) => r.oldest_unpublished);
  const oldest = waiting.length
    ? new Date(Math.min(...waiting.map((r) => r.oldest_unpublished!.getTime())))
    : null;
  return {
    unpublished: rows.reduce((n, r) => n + r.unpublished, 0),
    published: rows.reduce((n, r) => n + r.published, 0),
    oldest_unpublished: oldest,
    oldest_unpublished_seconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0,
    by_type: rows,
  };
}

/** The newest events first, optionally of one type, one aggregate, or only those still waiting. */
export function listEvents(
  db: Db,
  {
    type,
    aggregate,
    unpublished,
    limit = 50,
  }: { type?: string; aggregate?: string; unpublished?: boolean; limit?: number },
) {
  return db('domain_events')
    .modify((q) => {
      if (type) q.where({ type });
      if (aggregate) q.where({ aggregate_id: aggregate });
      if (unpublished) q.whereNull('published_at');
    })
    .orderBy('id', 'desc')
    .limit(limit)
    .select<EventRow[]>('*');
}

/** One event by its envelope id (a uuid) or its row id. */
export async function findEvent(db: Db, ref: string): Promise<EventRow> {
  const row = /^\d{1,18}$/.test(ref)
    ? await db('domain_events')
        .where({ id: Number(ref) })
        .first<EventRow | undefined>()
    : /^[0-9a-f-]{36}$/i.test(ref)
      ? await db('domain_events').where({ event_id: ref }).first<EventRow | undefined>()
      : undefined;
  if (!row) throw new DomainError('not_found', `No domain event ${ref}`, { event: ref });
  return row;
}

/**
 * Sends an event again (same id, so a consumer that had it skips it; one that missed it gets it):
 * it is marked unpublished, and the relay takes it on its next round, in order for its aggregate.
 */
export async function replayEvent(db: Db, ref: string): Promise<EventRow> {
  const row = await findEvent(db, ref);
  const [updated] = await db('domain_events')
    .where({ id: row.id })
    .update({ published_at: null })
    .returning<EventRow[]>('*');
  return updated!;
}

/** Each of these consumers and an event type its queue is bound to. */
const bindingsOf = (consumers: readonly ConsumerName[]) =>
  consumers.flatMap((consumer) => CONSUMER_QUEUES[consumer].bindings.map((type) => ({ consumer, type })));

/**
 * Retention, a week. Published events are the broker's (or the in-process consumers') now;
 * unpublished ones are the relay's backlog, kept, unless nothing in this store delivers them (a
 * process that relays nothing and has no broker: then events live in PostgreSQL for a week).
 *
 * A broker's consumer applies only what it finds here, so a published event that a consumer bound
 * to its type has not applied yet (still in its queue, or in the dead letters for an operator to
 * replay) stays, up to a month; the inbox says which have. One that every consumer has applied
 * goes after the week: a redelivery of it is then a duplicate by the inbox alone. `consumers` are
 * the deployment's (config.events.deployed): a consumer it does not have applies nothing.
 */
export const deleteExpiredEvents = (db: Db, options: RetentionOptions) => expiredEvents(db, options).delete();

interface RetentionOptions {
  relayed: boolean;
  consumers: readonly ConsumerName[];
}

/** The events past retention (`deleteExpiredEvents`), as a query to delete or count. */
function expiredEvents(db: Db, { relayed, consumers }: RetentionOptions) {
  const bindings = bindingsOf(consumers);
  return relayed
    ? db('domain_events')
        .where('published_at', '<', db.raw("now() - interval '7 days'"))
        .andWhere((q) =>
          q.where('published_at', '<', db.raw("now() - interval '30 days'")).orWhereRaw(
            `NOT EXISTS (SELECT 1 FROM unnest(:consumers::text[], :types::text[]) AS b(consumer, type)
                          WHERE b.type = domain_events.type
                            AND NOT EXISTS (SELECT 1 FROM consumer_inbox i
                                             WHERE i.consumer = b.consumer AND i.event_id = domain_events.event_id))`,
            { consumers: bindings.map((b) => b.consumer), types: bindings.map((b) => b.type) },
          ),
        )
    : db('domain_events').where('occurred_at', '<', db.raw("now() - interval '7 days'"));
}

export const eventsRetention = (options: RetentionOptions): RetentionRule => ({
  table: 'domain_events',
  rule: options.relayed
    ? 'published over 7 days ago (30 while a consumer has not applied it); unpublished ones wait for the relay'
    : 'occurred over 7 days ago (nothing in this process delivers them)',
  due: async (db) => Number((await expiredEvents(db, options).count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0),
  purge: (db) => deleteExpiredEvents(db, options),
});

/**
 * Retention of the inbox: a row answers a redelivery of its event as a duplicate. An event can be
 * delivered and applied while it is in domain_events (up to 30 days after it was published, for a
 * consumer that has not applied it) or in the stored dead letters (30 days), so a row goes only
 * once it is 30 days old, its event has left domain_events and no dead letter of its consumer
 * holds it. A broker message of a deleted event that comes even later is refused as `unknown`
 * (never applied): without the row it is counted as refused rather than as a duplicate.
 */
export const inboxRetention: RetentionRule = ageRule(
  'consumer_inbox',
  '30 days after processing, once its event has left domain_events and the dead letters',
  `processed_at < now() - interval '30 days'
   AND NOT EXISTS (SELECT 1 FROM domain_events e WHERE e.event_id = consumer_inbox.event_id)
   AND NOT EXISTS (SELECT 1 FROM event_dead_letters d
                    WHERE d.consumer = consumer_inbox.consumer AND d.event_id = consumer_inbox.event_id)`,
);

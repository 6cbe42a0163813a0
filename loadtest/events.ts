import type { Db } from '../src/db/index.js';
import { CONSUMER_QUEUES } from '../src/events/index.js';
import { quantiles } from './fire.js';

export interface EventFigures {
  events: number;
  unpublished: number;
  /** From the transaction that wrote an event to the broker's confirm, or to the in-process consumers' commit (ms). */
  relayLag: { p50: number; p99: number; max: number };
  /** Per consumer: the events bound to it, and those its inbox has (applied once each). */
  consumers: Record<string, { bound: number; applied: number }>;
  /** How long after the settlement every consumer had every event it is bound to (ms), or null. */
  caughtUpAfterMs: number | null;
  paidOrders: number;
  /** Paid orders that reached SHIPPED or DELIVERED through the fulfillment consumer. */
  shipped: number;
  /** How long after the settlement the last paid order shipped (ms), or null if some never did. */
  shippedAfterMs: number | null;
}

/**
 * Waits until every event is sent (to the broker, or to the in-process consumers), every consumer
 * has applied every event it is bound to (its inbox), and fulfillment has shipped every paid order;
 * then reads the relay's lag from the events themselves.
 */
export async function eventFigures(
  db: Db,
  {
    timeoutMs = 60_000,
    searchIndex = false,
    ordersSince = new Date(0),
  }: {
    timeoutMs?: number;
    searchIndex?: boolean;
    /**
     * The run's orders are those placed since: a database that also holds years of finished
     * orders (the archive bench's million) is not counted whole every 100 ms.
     */
    ordersSince?: Date;
  } = {},
): Promise<EventFigures> {
  const started = Date.now();
  let shippedAfterMs: number | null = null;
  let caughtUpAfterMs: number | null = null;
  // The search-index consumer is deployed only where browse searches the engine (SEARCH_BACKEND=opensearch).
  const names = (Object.keys(CONSUMER_QUEUES) as (keyof typeof CONSUMER_QUEUES)[]).filter(
    (n) => searchIndex || n !== 'search-index',
  );
  const counts = async () => {
    const row = (
      await db.raw<{ rows: Record<string, number>[] }>(
        `SELECT (SELECT count(*) FROM domain_events WHERE published_at IS NULL)::int AS unpublished,
                (SELECT count(*) FROM orders WHERE created_at >= :since
                    AND status IN ('PAID', 'SHIPPED', 'DELIVERED'))::int AS paid,
                (SELECT count(*) FROM orders WHERE created_at >= :since
                    AND status IN ('SHIPPED', 'DELIVERED'))::int AS shipped,
                ${names
                  .map(
                    (n, i) =>
                      `(SELECT count(*) FROM domain_events WHERE type IN (${CONSUMER_QUEUES[n].bindings.map((b) => `'${b}'`).join(', ')}))::int AS "bound:${n}",
                       (SELECT count(*) FROM consumer_inbox WHERE consumer = :name${i})::int AS "applied:${n}"`,
                  )
                  .join(',\n')}`,
        { since: ordersSince, ...Object.fromEntries(names.map((n, i) => [`name${i}`, n])) },
      )
    ).rows[0]!;
    const consumers = Object.fromEntries(
      names.map((n) => [n, { bound: row[`bound:${n}`]!, applied: row[`applied:${n}`]! }]),
    );
    return {
      unpublished: row.unpublished!,
      paid: row.paid!,
      shipped: row.shipped!,
      consumers,
      behind: Object.values(consumers).some((c) => c.applied < c.bound),
    };
  };
  let c = await counts();
  while (Date.now() - started < timeoutMs && (c.unpublished > 0 || c.shipped < c.paid || c.behind)) {
    await new Promise((r) => setTimeout(r, 100));
    c = await counts();
    if (caughtUpAfterMs === null && c.unpublished === 0 && !c.behind) caughtUpAfterMs = Date.now() - started;
  }
  if (caughtUpAfterMs === null && c.unpublished === 0 && !c.behind) caughtUpAfterMs = Date.now() - started;
  if (c.unpublished === 0 && c.shipped === c.paid) shippedAfterMs = Date.now() - started;
  const { rows } = await db.raw<{ rows: { ms: number }[] }>(
    `SELECT extract(epoch FROM published_at - occurred_at) * 1000 AS ms FROM domain_events
      WHERE published_at IS NOT NULL ORDER BY 1`,
  );
  const lags = Float64Array.from(rows.map((r) => Number(r.ms)));
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    events: rows.length + c.unpublished,
    unpublished: c.unpublished,
    relayLag: quantiles(lags, round),
    consumers: c.consumers,
    caughtUpAfterMs,
    paidOrders: c.paid,
    shipped: c.shipped,
    shippedAfterMs,
  };
}

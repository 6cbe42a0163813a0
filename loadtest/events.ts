import type { Db } from '../src/db/index.js';
import { percentile } from './fire.js';

export interface EventFigures {
  events: number;
  unpublished: number;
  /** From the transaction that wrote an event to the broker's confirm (ms). */
  relayLag: { p50: number; p99: number; max: number };
  paidOrders: number;
  /** Paid orders that reached SHIPPED or DELIVERED through the fulfillment consumer. */
  shipped: number;
  /** How long after the settlement the last paid order shipped (ms), or null if some never did. */
  shippedAfterMs: number | null;
}

/**
 * With a broker: waits until the relay has sent every event and fulfillment has shipped every paid
 * order, then reads the relay's lag from the events themselves.
 */
export async function eventFigures(db: Db, timeoutMs = 60_000): Promise<EventFigures> {
  const started = Date.now();
  let shippedAfterMs: number | null = null;
  const counts = async () =>
    (
      await db.raw<{ rows: { unpublished: number; paid: number; shipped: number }[] }>(
        `SELECT (SELECT count(*) FROM domain_events WHERE published_at IS NULL)::int AS unpublished,
                (SELECT count(*) FROM orders WHERE status IN ('PAID', 'SHIPPED', 'DELIVERED'))::int AS paid,
                (SELECT count(*) FROM orders WHERE status IN ('SHIPPED', 'DELIVERED'))::int AS shipped`,
      )
    ).rows[0]!;
  let c = await counts();
  while (Date.now() - started < timeoutMs && (c.unpublished > 0 || c.shipped < c.paid)) {
    await new Promise((r) => setTimeout(r, 100));
    c = await counts();
  }
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
    relayLag: {
      p50: round(percentile(lags, 50)),
      p99: round(percentile(lags, 99)),
      max: round(percentile(lags, 100)),
    },
    paidOrders: c.paid,
    shipped: c.shipped,
    shippedAfterMs,
  };
}

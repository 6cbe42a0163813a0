import type { Db } from '../src/db/index.js';
import { quantiles } from './fire.js';

/** Cards that pay (every order with one must end PAID) and the decline in the mix. */
export const GOOD_CARDS = ['pm_card_visa', 'pm_card_mastercard'];
// Nine in ten pay; one in ten is declined and hands its unit back mid-sale, as real sales do.
export const PAYMENT_MIX = [...Array(8).fill('pm_card_visa'), 'pm_card_mastercard', 'pm_card_chargeDeclined'];

export interface BacklogPoint {
  /** Milliseconds since the sale started. */
  at: number;
  /** Orders placed whose charge has not settled. */
  backlog: number;
}

const backlogQuery = `SELECT count(*)::int AS n FROM outbox_events
  WHERE topic = 'payment.requested' AND processed_at IS NULL AND failed_at IS NULL`;

/** Samples the payment backlog every `intervalMs` until stopped. */
export function sampleBacklog(db: Db, startedAt: number, intervalMs = 250) {
  const points: BacklogPoint[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await db.raw<{ rows: { n: number }[] }>(backlogQuery);
      points.push({ at: Date.now() - startedAt, backlog: rows[0]!.n });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return points;
    },
  };
}

/** Waits until every charge has settled and no reservation is held; answers how long that took (ms). */
export async function waitForSettlement(db: Db, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const { rows } = await db.raw<{ rows: { pending: number; active: number }[] }>(
      `SELECT (${backlogQuery}) AS pending,
              (SELECT count(*) FROM reservations WHERE state = 'ACTIVE')::int AS active`,
    );
    if (rows[0]!.pending === 0 && rows[0]!.active === 0) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

export interface PaymentFigures {
  orders: number;
  paid: number;
  declined: number;
  expired: number;
  /** Orders with a good card that did not end PAID (must be 0). */
  unpaidGoodCards: number;
  /** Median PAID transitions per whole second while they flowed. */
  paidPerSec: number;
  /** From the order placed to PAID, ms. */
  toPaid: { p50: number; p99: number; max: number };
  /** From the last checkout answer until nothing was left to settle, ms (null: did not settle). */
  drainMs: number | null;
  backlog: BacklogPoint[];
  backlogMax: number;
}

/** What happened to the hot SKU's orders after checkout, from PostgreSQL. */
export async function paymentFigures(
  db: Db,
  productId: number,
  backlog: BacklogPoint[],
  drainMs: number | null,
): Promise<PaymentFigures> {
  const { rows } = await db.raw<{
    rows: { status: string; payment_method: string; placed: Date; paid_at: Date | null }[];
  }>(
    `SELECT o.status, o.payment_method, o.created_at AS placed,
            (SELECT min(h.created_at) FROM order_status_history h WHERE h.order_id = o.id AND h.to_status = 'PAID') AS paid_at
       FROM orders o WHERE o.id IN (SELECT order_id FROM order_items WHERE product_id = ?)`,
    [productId],
  );
  const toPaid = Float64Array.from(
    rows.filter((r) => r.paid_at).map((r) => r.paid_at!.getTime() - r.placed.getTime()),
  ).sort();
  const perSecond = new Map<number, number>();
  for (const r of rows) {
    if (!r.paid_at) continue;
    const s = Math.floor(r.paid_at.getTime() / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  // Whole seconds only: the first and last are partial.
  const seconds = [...perSecond].sort(([a], [b]) => a - b).map(([, n]) => n);
  const whole = (seconds.length >= 3 ? seconds.slice(1, -1) : seconds).sort((a, b) => a - b);
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  // Shipped and delivered orders were paid first (fulfillment runs with a broker).
  const wasPaid = (status: string) => status === 'PAID' || status === 'SHIPPED' || status === 'DELIVERED';
  return {
    orders: rows.length,
    paid: rows.filter((r) => wasPaid(r.status)).length,
    declined: count('PAYMENT_FAILED'),
    expired: count('EXPIRED'),
    unpaidGoodCards: rows.filter((r) => GOOD_CARDS.includes(r.payment_method) && !wasPaid(r.status)).length,
    paidPerSec: whole[Math.floor(whole.length / 2)] ?? 0,
    toPaid: quantiles(toPaid),
    drainMs,
    backlog,
    backlogMax: Math.max(0, ...backlog.map((b) => b.backlog)),
  };
}

import type { HotSku } from '../../src/audit/index.js';
import type { Histogram } from './exposition.js';

export type { Histogram } from './exposition.js';
export type { HotSku };

/**
 * What one source saw at one moment. Flows are cumulative (counters and histograms, as Prometheus
 * keeps them), so two snapshots give the rates between them; the store's state (backlogs,
 * reservations, stock) is read as it is now.
 */
export interface Snapshot {
  source: 'metrics' | 'postgres';
  /** The database or the service URLs, for the header. */
  target: string;
  /** When it was taken (ms since the epoch, this machine's clock). */
  at: number;
  instances: InstanceStatus[];
  /** One reading per instance that answered (PostgreSQL: one). */
  readings: Reading[];
  state: StoreState;
  /** The hottest SKUs; null when the source cannot tell (a service's metrics carry no product). */
  hot: HotSku[] | null;
}

export interface InstanceStatus {
  name: string;
  up: boolean;
  error: string | null;
}

/**
 * One instance's cumulative counters and histograms, by key:
 * - `checkout.requests` POST /checkout answered, any status (metrics only)
 * - `checkout.started` checkouts the service processed; `checkout.completed` those that made an order
 * - `checkout.failed:<code>` refused checkouts by error code; `checkout.rate_limited` 429s before them
 * - `settled:<outcome>` payment results and expiries settled
 * - `reservations.expired` orders whose reservations expired
 * - `events.sent` domain events the broker confirmed
 * Histograms (seconds): `checkout.latency`, `checkout.latency.completed`, `checkout_to_paid`.
 */
export interface Reading {
  name: string;
  /** The moment its figures hold for (ms); rates divide by the time between two readings. */
  at: number;
  counters: Record<string, number>;
  histograms: Record<string, Histogram>;
}

/** Store-wide figures as they are now; null where the source cannot tell. Ages: seconds, 0 when none waits. */
export interface StoreState {
  payments: {
    backlog: number | null;
    backlog_capped: boolean;
    oldest_seconds: number | null;
    parked: number | null;
  };
  reservations: {
    active: number | null;
    /** `units` held (metrics) or `reservations` (rows, PostgreSQL). */
    active_unit: 'units' | 'reservations';
    active_capped: boolean;
    expiring_soon: number | null;
    soon_seconds: number;
    overdue: number | null;
    overdue_capped: boolean;
    overdue_oldest_seconds: number | null;
  };
  events: { unsent: number | null; unsent_capped: boolean; oldest_seconds: number | null };
  oversell: {
    /** SKUs with a negative stock counter now: invariant 1, the check `shopctl audit oversell` runs. */
    oversold_skus: number | null;
    /** Violations of any invariant found by audits so far (ops_counters.oversell_incidents). */
    incidents_total: number | null;
  };
}

export interface Latency {
  /** Milliseconds; a quantile past the last finite bucket reads as that bound, flagged *_at_least. */
  p50: number;
  p99: number;
  p50_at_least: boolean;
  p99_at_least: boolean;
  samples: number;
}

/** The figures of one frame: what `render` draws and `--json` prints. */
export interface View {
  at: string;
  source: Snapshot['source'];
  target: string;
  /** Seconds between the two snapshots the rates come from; null on a first frame. */
  interval_seconds: number | null;
  instances: InstanceStatus[];
  checkouts: {
    /** POST /checkout answered per second, whatever the answer (metrics only). */
    requests_per_second: number | null;
    /** Checkouts processed per second (metrics) or orders created per second (PostgreSQL). */
    per_second: number | null;
    outcomes_per_second: {
      completed: number | null;
      sold_out: number | null;
      over_limit: number | null;
      refused: number | null;
      rate_limited: number | null;
    };
    refused_by_reason: Record<string, number> | null;
    latency_ms: Latency | null;
    completed_latency_ms: Latency | null;
  };
  payments: StoreState['payments'] & {
    settled_per_second: Record<string, number> | null;
    checkout_to_paid_ms: Latency | null;
  };
  reservations: StoreState['reservations'] & { expired_per_second: number | null };
  stock: {
    hot:
      | {
          sku: string;
          name: string;
          available: number;
          reserved: number;
          sold: number;
          checked_out_per_second: number | null;
          sold_per_second: number | null;
        }[]
      | null;
  };
  events: StoreState['events'] & { sent_per_second: number | null };
  oversell: StoreState['oversell'] & { incidents_new: number | null };
}

/** A snapshot with nothing in it but who failed, so the screen says why instead of going blank. */
export function failedSnapshot(
  source: Snapshot['source'],
  target: string,
  at: number,
  instances: InstanceStatus[],
): Snapshot {
  return {
    source,
    target,
    at,
    instances,
    readings: [],
    state: {
      payments: { backlog: null, backlog_capped: false, oldest_seconds: null, parked: null },
      reservations: {
        active: null,
        active_unit: source === 'postgres' ? 'reservations' : 'units',
        active_capped: false,
        expiring_soon: null,
        soon_seconds: 60,
        overdue: null,
        overdue_capped: false,
        overdue_oldest_seconds: null,
      },
      events: { unsent: null, unsent_capped: false, oldest_seconds: null },
      oversell: { oversold_skus: null, incidents_total: null },
    },
    hot: null,
  };
}

/** A counter that went down was reset (its process restarted): all of its value is new. */
const increase = (before: number, after: number) => (after >= before ? after - before : after);

/**
 * Quantile `q` of the observations in cumulative buckets, interpolated linearly inside the bucket
 * it falls in (as PromQL's histogram_quantile). Past the last finite bound, that bound, flagged.
 */
export function quantile(q: number, h: Histogram): { value: number; atLeast: boolean } | null {
  const total = h.counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < h.le.length; i++) {
    const count = h.counts[i]!;
    if (count < rank) continue;
    const upper = h.le[i]!;
    const lower = i === 0 ? 0 : h.le[i - 1]!;
    if (upper === Number.POSITIVE_INFINITY) return { value: lower, atLeast: true };
    const below = i === 0 ? 0 : h.counts[i - 1]!;
    const inBucket = count - below;
    const value = inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
    return { value, atLeast: false };
  }
  return { value: h.le.at(-2) ?? 0, atLeast: true };
}

/** The observations between two readings of one histogram (a reset one counts whole). */
function histogramIncrease(before: Histogram | undefined, after: Histogram): Histogram {
  const sameBuckets =
    before && before.le.length === after.le.length && before.le.every((b, i) => b === after.le[i]);
  if (!before || !sameBuckets || (after.counts.at(-1) ?? 0) < (before.counts.at(-1) ?? 0)) return after;
  return {
    le: after.le,
    counts: after.counts.map((c, i) => c - before.counts[i]!),
    sum: after.sum - before.sum,
  };
}

function addHistograms(into: Histogram | null, h: Histogram): Histogram {
  if (!into) return { le: [...h.le], counts: [...h.counts], sum: h.sum };
  const byLe = new Map<number, number>(into.le.map((b, i) => [b, into.counts[i]!]));
  for (let i = 0; i < h.le.length; i++) byLe.set(h.le[i]!, (byLe.get(h.le[i]!) ?? 0) + h.counts[i]!);
  const le = [...byLe.keys()].sort((a, b) => a - b);
  return { le, counts: le.map((b) => byLe.get(b)!), sum: into.sum + h.sum };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function latencyOf(h: Histogram | null): Latency | null {
  if (!h) return null;
  const p50 = quantile(0.5, h);
  const p99 = quantile(0.99, h);
  if (!p50 || !p99) return null;
  return {
    p50: round(p50.value * 1000, 2),
    p99: round(p99.value * 1000, 2),
    p50_at_least: p50.atLeast,
    p99_at_least: p99.atLeast,
    samples: h.counts.at(-1) ?? 0,
  };
}

/**
 * The rates between two snapshots, per instance then summed (as PromQL's sum(rate(…))): an
 * instance in only one of them adds nothing, and a restarted one counts from zero.
 */
function flows(previous: Snapshot, current: Snapshot) {
  const pairs = current.readings.flatMap((cur) => {
    const prev = previous.readings.find((r) => r.name === cur.name);
    const seconds = prev ? (cur.at - prev.at) / 1000 : 0;
    return prev && seconds > 0 ? [{ prev, cur, seconds }] : [];
  });
  const keys = new Set(pairs.flatMap(({ cur }) => Object.keys(cur.counters)));
  const rates = new Map<string, number>();
  for (const key of keys) {
    let rate = 0;
    for (const { prev, cur, seconds } of pairs) {
      if (cur.counters[key] === undefined) continue;
      rate += increase(prev.counters[key] ?? 0, cur.counters[key]!) / seconds;
    }
    rates.set(key, round(rate, 2));
  }
  const histogram = (key: string) => {
    let sum: Histogram | null = null;
    for (const { prev, cur } of pairs) {
      const h = cur.histograms[key];
      if (h) sum = addHistograms(sum, histogramIncrease(prev.histograms[key], h));
    }
    return sum;
  };
  const seconds = pairs.length ? pairs.reduce((s, p) => s + p.seconds, 0) / pairs.length : null;
  return { rates, histogram, seconds: seconds === null ? null : round(seconds, 3) };
}

/** Rates by the suffix of every key starting with `prefix` (`settled:paid` → `paid`). */
function ratesUnder(rates: Map<string, number>, prefix: string, except: string[] = []) {
  const out: Record<string, number> = {};
  for (const [key, rate] of rates) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!except.includes(name)) out[name] = rate;
  }
  return out;
}

/** The frame's figures: `current`'s state and the flows since `previous` (none without one). */
export function toView(current: Snapshot, previous: Snapshot | null): View {
  const f = previous && current.readings.length ? flows(previous, current) : null;
  const has = (key: string) => current.readings.some((r) => r.counters[key] !== undefined);
  const rate = (key: string) => (f && has(key) ? (f.rates.get(key) ?? 0) : null);
  const hist = (key: string) => latencyOf(f ? f.histogram(key) : null);
  const sumRates = (rs: Record<string, number>) =>
    round(
      Object.values(rs).reduce((s, r) => s + r, 0),
      2,
    );

  // Refusals are only counted where the service counts them; PostgreSQL sees no row for them.
  const refusals = f && has('checkout.started') ? ratesUnder(f.rates, 'checkout.failed:') : null;
  const otherRefusals = refusals
    ? Object.fromEntries(
        Object.entries(refusals).filter(([code]) => code !== 'out_of_stock' && code !== 'purchase_limit'),
      )
    : null;
  const settled = f ? ratesUnder(f.rates, 'settled:') : null;

  const before = previous?.hot ? new Map(previous.hot.map((h) => [h.product_id, h])) : null;
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const perSecond = (now: number, then: number | undefined) =>
    then === undefined || seconds <= 0 ? null : round(Math.max(0, now - then) / seconds, 2);
  const incidentsNew =
    previous &&
    current.state.oversell.incidents_total !== null &&
    previous.state.oversell.incidents_total !== null
      ? Math.max(0, current.state.oversell.incidents_total - previous.state.oversell.incidents_total)
      : null;

  return {
    at: new Date(current.at).toISOString(),
    source: current.source,
    target: current.target,
    interval_seconds: f?.seconds ?? null,
    instances: current.instances,
    checkouts: {
      requests_per_second: rate('checkout.requests'),
      per_second: has('checkout.started') ? rate('checkout.started') : rate('checkout.completed'),
      outcomes_per_second: {
        completed: rate('checkout.completed'),
        sold_out: refusals ? (refusals.out_of_stock ?? 0) : null,
        over_limit: refusals ? (refusals.purchase_limit ?? 0) : null,
        refused: otherRefusals ? sumRates(otherRefusals) : null,
        rate_limited: rate('checkout.rate_limited'),
      },
      refused_by_reason: refusals,
      latency_ms: hist('checkout.latency'),
      completed_latency_ms: hist('checkout.latency.completed'),
    },
    payments: {
      ...current.state.payments,
      settled_per_second: settled,
      checkout_to_paid_ms: hist('checkout_to_paid'),
    },
    reservations: { ...current.state.reservations, expired_per_second: rate('reservations.expired') },
    stock: {
      hot:
        current.hot?.map((h) => ({
          sku: h.sku,
          name: h.name,
          available: h.available,
          reserved: h.reserved,
          sold: h.sold,
          checked_out_per_second: perSecond(h.checked_out, before?.get(h.product_id)?.checked_out),
          sold_per_second: perSecond(h.sold, before?.get(h.product_id)?.sold),
        })) ?? null,
    },
    events: { ...current.state.events, sent_per_second: rate('events.sent') },
    oversell: { ...current.state.oversell, incidents_new: incidentsNew },
  };
}

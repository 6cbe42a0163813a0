import {
  type Exposition,
  type Histogram,
  has,
  histogramOf,
  parseExposition,
  sumBy,
  sumOf,
} from './exposition.js';
import { failedSnapshot, type Reading, type Snapshot, type StoreState } from './snapshot.js';

const CHECKOUT = { method: 'POST', route: '/checkout' };

/** A service URL as given (`http://host:port`), or its metrics page when it names one. */
export function metricsUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`not an http(s) URL: ${raw}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/metrics';
  return url.toString();
}

/** One instance's flows, under the keys `toView` reads (see Reading). */
export function readingOf(name: string, at: number, exp: Exposition): Reading {
  const counters: Record<string, number> = {
    'checkout.requests': sumOf(exp, 'http_request_duration_seconds_count', CHECKOUT),
    'checkout.started': sumOf(exp, 'shop_checkouts_started_total'),
    'checkout.completed': sumOf(exp, 'shop_checkouts_completed_total'),
    'checkout.rate_limited':
      sumOf(exp, 'shop_rate_limited_total', { limit: 'checkout_ip' }) +
      sumOf(exp, 'shop_rate_limited_total', { limit: 'checkout_user' }),
    'reservations.expired': sumOf(exp, 'shop_reservations_expired_total'),
    'events.sent': sumOf(exp, 'shop_events_published_total'),
  };
  for (const [reason, n] of sumBy(exp, 'shop_checkouts_failed_total', 'reason')) {
    counters[`checkout.failed:${reason}`] = n;
  }
  for (const [outcome, n] of sumBy(exp, 'shop_settlements_total', 'outcome'))
    counters[`settled:${outcome}`] = n;

  const histograms: Record<string, Histogram> = {};
  const add = (key: string, h: Histogram | null) => {
    if (h) histograms[key] = h;
  };
  add('checkout.latency', histogramOf(exp, 'http_request_duration_seconds', CHECKOUT));
  add(
    'checkout.latency.completed',
    histogramOf(exp, 'http_request_duration_seconds', { ...CHECKOUT, status: '201' }),
  );
  add('checkout_to_paid', histogramOf(exp, 'shop_checkout_to_paid_seconds'));
  return { name, at, counters, histograms };
}

/**
 * The store-wide gauges. Every instance reads them from the same PostgreSQL at its scrape, so
 * they are taken once (the largest), never summed; so is the oversell incidents counter, which
 * every instance reads from the shared ops_counters row.
 */
export function stateOf(scrapes: Exposition[]): StoreState {
  const max = (name: string) => {
    const values = scrapes.filter((e) => has(e, name)).map((e) => sumOf(e, name));
    return values.length ? Math.max(...values) : null;
  };
  return {
    payments: {
      backlog: max('shop_payment_backlog'),
      backlog_capped: false,
      oldest_seconds: max('shop_payment_backlog_oldest_seconds'),
      parked: max('shop_outbox_failed_jobs'),
    },
    reservations: {
      active: max('shop_active_reservations'),
      active_unit: 'units',
      active_capped: false,
      expiring_soon: null,
      soon_seconds: 60,
      overdue: null,
      overdue_capped: false,
      overdue_oldest_seconds: max('shop_reservation_overdue_seconds'),
    },
    // Only a relaying process reports a non-zero age; none reports a count.
    events: { unsent: null, unsent_capped: false, oldest_seconds: max('shop_event_backlog_oldest_seconds') },
    oversell: { oversold_skus: null, incidents_total: max('shop_oversell_incidents_total') },
  };
}

/** Snapshots summed over the service instances' GET /metrics. */
export function metricsSource(
  urls: string[],
  { token, timeoutMs }: { token: string | null; timeoutMs: number },
) {
  const targets = urls.map(metricsUrl);
  const target = targets.join(' ');
  async function scrape(url: string) {
    const res = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    return { at: Date.now(), exp: parseExposition(text) };
  }
  return {
    target,
    async take(): Promise<Snapshot> {
      const at = Date.now();
      const results = await Promise.allSettled(targets.map(scrape));
      const up = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [{ url: targets[i]!, ...r.value }] : [],
      );
      const instances = results.map((r, i) => ({
        name: targets[i]!,
        up: r.status === 'fulfilled',
        error: r.status === 'rejected' ? describe(r.reason) : null,
      }));
      if (!up.length) return failedSnapshot('metrics', target, at, instances);
      return {
        source: 'metrics',
        target,
        at,
        instances,
        readings: up.map((u) => readingOf(u.url, u.at, u.exp)),
        state: stateOf(up.map((u) => u.exp)),
        hot: null,
      };
    },
  };
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

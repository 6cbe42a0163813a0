import { inert, table } from '../format.js';
import { type Latency, type Snapshot, toView, type View } from './snapshot.js';

export interface RenderOptions {
  /** Bold headings and alarms in red (a terminal). */
  color?: boolean;
  /** Lines are cut to this many columns, so a full-screen redraw never wraps. */
  width?: number;
  /** Shown in the header; the loop's refresh period. */
  intervalMs?: number;
  /** PostgreSQL flows end this long before the read (see src/audit/live.ts). */
  settleMs?: number;
  /** Hint for the last line: how to leave. */
  footer?: string;
}

const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** A rate: one decimal under 10/s, whole above; "…" until a second sample exists. */
export function perSecond(rate: number | null, measured = true): string {
  if (!measured) return '…';
  if (rate === null) return 'n/a';
  return `${rate < 10 ? rate.toFixed(1) : num(rate)}/s`;
}

export function seconds(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}

const millis = (ms: number, atLeast: boolean) =>
  `${atLeast ? '≥' : ''}${ms < 1000 ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`}`;

function latency(l: Latency | null, measured: boolean, none = 'none in the interval') {
  if (!measured) return '…';
  if (!l) return none;
  return `p50 ${millis(l.p50, l.p50_at_least)}  p99 ${millis(l.p99, l.p99_at_least)}  (${num(l.samples)})`;
}

/** Settlement outcomes in the order a sale's reader looks for them; others after, by name. */
const OUTCOMES = ['paid', 'payment_failed', 'requires_action', 'expired', 'cancelled'];
const rank = (outcome: string) => (OUTCOMES.includes(outcome) ? OUTCOMES.indexOf(outcome) : OUTCOMES.length);

/** ", oldest 3.2 s" when something waits (an age of 0 means nothing does). */
const oldest = (s: number | null) => (s === null ? ', oldest n/a' : s > 0 ? `, oldest ${seconds(s)}` : '');

const count = (n: number | null, capped = false) => (n === null ? 'n/a' : `${num(n)}${capped ? '+' : ''}`);

/** Cuts a line to `width` visible columns, keeping ANSI colour codes whole. */
export function clipLine(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}

/** One frame as lines of text: the snapshot, and the rates since `previous` when there is one. */
export function render(snapshot: Snapshot, previous: Snapshot | null, options: RenderOptions = {}): string {
  return renderView(toView(snapshot, previous), options);
}

/**
 * Every string of a value, and every key (metric labels become keys), made inert: a scraped
 * service's answer, its error text and product names reach the frame as text, never as escapes.
 */
function inertDeep<T>(value: T): T {
  if (typeof value === 'string') return inert(value) as T;
  if (Array.isArray(value)) return value.map(inertDeep) as T;
  if (value && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [inert(k), inertDeep(x)])) as T;
  return value;
}

export function renderView(view: View, options: RenderOptions = {}): string {
  const v = inertDeep(view);
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const alarm = (s: string) => (options.color ? `\x1b[1;31m${s}\x1b[0m` : s);
  const heading = (name: string, rest = '') => `${bold(name.padEnd(16))}${rest}`;
  const row = (label: string, rest: string) => `  ${label.padEnd(14)}${rest}`;
  const measured = v.interval_seconds !== null;
  const fromPg = v.source === 'postgres';
  const c = v.checkouts;
  const o = c.outcomes_per_second;
  const lines: string[] = [];

  const every = options.intervalMs
    ? `  every ${options.intervalMs < 1000 ? `${options.intervalMs} ms` : `${options.intervalMs / 1000} s`}`
    : '';
  lines.push(
    `${bold('shopctl top')}  ${v.target}  ${v.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}${every}`,
  );
  const down = v.instances.filter((i) => !i.up);
  if (down.length) {
    lines.push(alarm(`  unreachable: ${down.map((i) => `${i.name} (${i.error})`).join('; ')}`));
  }
  if (v.source === 'metrics') {
    lines.push(
      `  ${v.instances.length - down.length} of ${v.instances.length} instance(s) answering; counters summed, store-wide gauges read once`,
    );
  } else {
    const lag = seconds((options.settleMs ?? 1000) / 1000);
    lines.push(
      `  from PostgreSQL; flows are counted up to ${lag} ago, so transactions still committing are not missed`,
    );
  }
  if (!measured) lines.push('  rates need a second sample: …');
  lines.push('');

  lines.push(
    heading(
      'CHECKOUTS',
      fromPg
        ? `${perSecond(c.per_second, measured)} orders created (refused checkouts leave no row in PostgreSQL)`
        : `${perSecond(c.per_second, measured)} processed, ${perSecond(c.requests_per_second, measured)} requests`,
    ),
  );
  lines.push(
    row(
      'outcomes',
      [
        `completed ${perSecond(o.completed, measured)}`,
        `sold out ${perSecond(o.sold_out, measured)}`,
        `over limit ${perSecond(o.over_limit, measured)}`,
        `refused ${perSecond(o.refused, measured)}`,
        `rate-limited ${perSecond(o.rate_limited, measured)}`,
      ].join('  '),
    ),
  );
  const others = Object.entries(c.refused_by_reason ?? {}).filter(
    ([code, r]) => code !== 'out_of_stock' && code !== 'purchase_limit' && r > 0,
  );
  if (others.length)
    lines.push(row('refused by', others.map(([code, r]) => `${code} ${perSecond(r)}`).join('  ')));
  lines.push(
    row(
      'latency',
      fromPg
        ? 'n/a: PostgreSQL sees no request (checkout → paid below; --url for request latency)'
        : `${latency(c.latency_ms, measured)}   completed: ${latency(c.completed_latency_ms, measured, 'none')}`,
    ),
  );

  const p = v.payments;
  lines.push(heading('PAYMENTS'));
  lines.push(
    row(
      'backlog',
      `${count(p.backlog, p.backlog_capped)} waiting to be charged${oldest(p.oldest_seconds)}   parked jobs ${count(p.parked)}`,
    ),
  );
  const settled = p.settled_per_second;
  lines.push(
    row(
      'settled',
      !measured
        ? '…'
        : settled && Object.keys(settled).length
          ? Object.entries(settled)
              .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
              .map(([outcome, r]) => `${outcome} ${perSecond(r)}`)
              .join('  ')
          : 'none',
    ),
  );
  lines.push(row('checkout→paid', latency(p.checkout_to_paid_ms, measured)));

  const r = v.reservations;
  lines.push(heading('RESERVATIONS'));
  lines.push(
    row(
      'active',
      `${count(r.active, r.active_capped)} ${r.active_unit === 'units' ? 'units held' : 'reservations'}   expiring within ${r.soon_seconds} s: ${r.expiring_soon === null ? 'n/a' : count(r.expiring_soon, r.overdue_capped)}`,
    ),
  );
  const age = r.overdue_oldest_seconds;
  const late = age ? ` (oldest ${seconds(age)} past due)` : '';
  const overdue =
    r.overdue !== null
      ? `overdue ${count(r.overdue, r.overdue_capped)}${late}`
      : age === null
        ? 'overdue n/a'
        : `overdue ${age ? late.trim().slice(1, -1) : 'none'}`;
  lines.push(
    row('expiry', `${age ? alarm(overdue) : overdue}   expired ${perSecond(r.expired_per_second, measured)}`),
  );

  lines.push(heading('HOT SKUS', v.stock.hot ? 'busiest in the ledger over the last minute' : ''));
  if (!v.stock.hot) {
    lines.push(
      '  n/a: service metrics carry no product (run without --url to read the stock from PostgreSQL)',
    );
  } else {
    const hot = table(v.stock.hot, [
      ['SKU', (h) => h.sku],
      ['NAME', (h) => (h.name.length > 28 ? `${h.name.slice(0, 27)}…` : h.name)],
      ['AVAILABLE', (h) => num(h.available)],
      ['RESERVED', (h) => num(h.reserved)],
      ['SOLD', (h) => num(h.sold)],
      [
        'CHECKED OUT/S',
        (h) => perSecond(h.checked_out_per_second, h.checked_out_per_second !== null).replace('/s', ''),
      ],
      ['SOLD/S', (h) => perSecond(h.sold_per_second, h.sold_per_second !== null).replace('/s', '')],
    ]);
    lines.push(...(v.stock.hot.length ? hot : '(no stock has moved yet)').split('\n').map((l) => `  ${l}`));
  }

  const e = v.events;
  lines.push(
    heading(
      'EVENTS',
      fromPg
        ? `unsent ${count(e.unsent, e.unsent_capped)}${oldest(e.oldest_seconds)}`
        : `oldest unsent ${e.oldest_seconds ? seconds(e.oldest_seconds) : 'none'} (as instances that relay report it)   sent ${perSecond(e.sent_per_second, measured)}`,
    ),
  );

  const s = v.oversell;
  const oversold =
    s.oversold_skus === null
      ? 'oversold SKUs n/a (PostgreSQL only)'
      : `${num(s.oversold_skus)} oversold SKU${s.oversold_skus === 1 ? '' : 's'} (invariant 1, now)`;
  const incidents = `audit incidents ${count(s.incidents_total)}${s.incidents_new ? ` (+${num(s.incidents_new)})` : ''}`;
  lines.push(
    heading(
      'OVERSELL',
      `${s.oversold_skus ? alarm(oversold) : oversold}   ${s.incidents_new ? alarm(incidents) : incidents}`,
    ),
  );
  if (options.footer) lines.push('', options.footer);

  const width = options.width;
  return (width ? lines.map((l) => clipLine(l, width)) : lines).join('\n');
}

import { expect } from 'chai';
import client from 'prom-client';
import { intervalOf } from '../../cli/commands/top.js';
import { ExpositionError, histogramOf, parseExposition, sumBy, sumOf } from '../../cli/top/exposition.js';
import { clipLine, render } from '../../cli/top/render.js';
import { metricsUrl, readingOf, stateOf } from '../../cli/top/scrape.js';
import { failedSnapshot, quantile, type Snapshot, toView } from '../../cli/top/snapshot.js';
import { exitCodeOf } from '../../cli/top/terminal.js';

/** One service instance's metrics, the way prom-client writes them. */
function instance() {
  const registry = new client.Registry();
  const opts = { registers: [registry] };
  const m = {
    http: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      ...opts,
    }),
    started: new client.Counter({ name: 'shop_checkouts_started_total', help: 'started', ...opts }),
    completed: new client.Counter({ name: 'shop_checkouts_completed_total', help: 'completed', ...opts }),
    failed: new client.Counter({
      name: 'shop_checkouts_failed_total',
      help: 'failed',
      labelNames: ['reason'],
      ...opts,
    }),
    limited: new client.Counter({
      name: 'shop_rate_limited_total',
      help: 'limited',
      labelNames: ['limit'],
      ...opts,
    }),
    settled: new client.Counter({
      name: 'shop_settlements_total',
      help: 'settled',
      labelNames: ['outcome'],
      ...opts,
    }),
    toPaid: new client.Histogram({
      name: 'shop_checkout_to_paid_seconds',
      help: 'to paid',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      ...opts,
    }),
    backlog: new client.Gauge({ name: 'shop_payment_backlog', help: 'backlog', ...opts }),
    incidents: new client.Counter({ name: 'shop_oversell_incidents_total', help: 'incidents', ...opts }),
  };
  return {
    m,
    /** Checkouts answered: n completed in `seconds` each, k sold out, r rate limited. */
    checkouts(n: number, seconds: number, soldOut = 0, rateLimited = 0) {
      for (let i = 0; i < n; i++) {
        m.started.inc();
        m.completed.inc();
        m.http.observe({ method: 'POST', route: '/checkout', status: '201' }, seconds);
      }
      for (let i = 0; i < soldOut; i++) {
        m.started.inc();
        m.failed.inc({ reason: 'out_of_stock' });
        m.http.observe({ method: 'POST', route: '/checkout', status: '409' }, 0.002);
      }
      for (let i = 0; i < rateLimited; i++) {
        m.limited.inc({ limit: 'checkout_user' });
        m.http.observe({ method: 'POST', route: '/checkout', status: '429' }, 0.001);
      }
    },
    scrape: async () => parseExposition(await registry.metrics()),
  };
}

async function snapshotOf(
  at: number,
  instances: { name: string; exp: ReturnType<typeof parseExposition> }[],
) {
  return {
    source: 'metrics',
    target: instances.map((i) => i.name).join(' '),
    at,
    instances: instances.map((i) => ({ name: i.name, up: true, error: null })),
    readings: instances.map((i) => readingOf(i.name, at, i.exp)),
    state: stateOf(instances.map((i) => i.exp)),
    hot: null,
  } satisfies Snapshot;
}

describe('shopctl top: the exposition parser', () => {
  it("reads prom-client's text: families, labels, buckets with le, +Inf", async () => {
    const a = instance();
    a.checkouts(3, 0.03, 1);
    const exp = await a.scrape();
    expect(exp.types.get('http_request_duration_seconds')).to.equal('histogram');
    expect(exp.types.get('shop_checkouts_failed_total')).to.equal('counter');
    expect(sumOf(exp, 'shop_checkouts_started_total')).to.equal(4);
    expect(Object.fromEntries(sumBy(exp, 'shop_checkouts_failed_total', 'reason'))).to.deep.equal({
      out_of_stock: 1,
    });
    const h = histogramOf(exp, 'http_request_duration_seconds', { method: 'POST', route: '/checkout' })!;
    expect(h.le.at(-1)).to.equal(Number.POSITIVE_INFINITY);
    // 201s and the 409 summed bucket by bucket.
    expect(h.counts.at(-1)).to.equal(4);
    expect(h.counts[h.le.indexOf(0.005)]).to.equal(1);
    expect(h.counts[h.le.indexOf(0.05)]).to.equal(4);
    expect(histogramOf(exp, 'no_such_histogram')).to.equal(null);
  });

  it('unescapes label values, ignores timestamps and comments, reads NaN and ±Inf', () => {
    const exp = parseExposition(
      [
        '# HELP x_total A "quoted" help',
        '# TYPE x_total counter',
        'x_total{path="/a\\"b",note="line\\nbreak",dir="c:\\\\tmp"} 7 1700000000000',
        'y NaN',
        'z{le="+Inf"} +Inf',
        'w -Inf',
        '',
      ].join('\n'),
    );
    expect(exp.samples[0]).to.deep.equal({
      name: 'x_total',
      labels: { path: '/a"b', note: 'line\nbreak', dir: 'c:\\tmp' },
      value: 7,
    });
    expect(Number.isNaN(exp.samples[1]!.value)).to.equal(true);
    expect(exp.samples[2]!.value).to.equal(Number.POSITIVE_INFINITY);
    expect(exp.samples[3]!.value).to.equal(Number.NEGATIVE_INFINITY);
  });

  it('names the line of a malformed sample', () => {
    expect(() => parseExposition('ok 1\nbad{x="1" 2')).to.throw(ExpositionError, /line 2/);
    expect(() => parseExposition('ok one')).to.throw(ExpositionError, /line 1: bad value "one"/);
    expect(() => parseExposition('{x="1"} 2')).to.throw(ExpositionError, /bad metric name/);
  });
});

describe('shopctl top: quantiles from buckets', () => {
  const h = { le: [0.01, 0.1, 1, Number.POSITIVE_INFINITY], counts: [50, 90, 100, 100], sum: 0 };

  it('interpolates inside the bucket the rank falls in, as histogram_quantile does', () => {
    expect(quantile(0.5, h)).to.deep.equal({ value: 0.01, atLeast: false });
    expect(quantile(0.25, h)!.value).to.be.closeTo(0.005, 1e-9);
    expect(quantile(0.9, h)!.value).to.be.closeTo(0.1, 1e-9);
    expect(quantile(0.99, h)!.value).to.be.closeTo(0.1 + 0.9 * 0.9, 1e-9);
  });

  it('past the last finite bound answers that bound, flagged; nothing observed is null', () => {
    const slow = { le: [0.1, 1, Number.POSITIVE_INFINITY], counts: [10, 10, 100], sum: 0 };
    expect(quantile(0.5, slow)).to.deep.equal({ value: 1, atLeast: true });
    expect(quantile(0.5, { le: [1, Number.POSITIVE_INFINITY], counts: [0, 0], sum: 0 })).to.equal(null);
  });
});

describe('shopctl top: rates between two snapshots', () => {
  it('sums per-instance rates across instances; latency from the interval only', async () => {
    const a = instance();
    const b = instance();
    a.checkouts(100, 0.3); // before the first snapshot: slow, must not count
    const s1 = await snapshotOf(0, [
      { name: 'a', exp: await a.scrape() },
      { name: 'b', exp: await b.scrape() },
    ]);
    a.checkouts(180, 0.008, 10, 5);
    b.checkouts(20, 0.008, 10);
    a.m.settled.inc({ outcome: 'paid' }, 150);
    a.m.toPaid.observe(0.4);
    const s2 = await snapshotOf(2_000, [
      { name: 'a', exp: await a.scrape() },
      { name: 'b', exp: await b.scrape() },
    ]);
    const v = toView(s2, s1);
    expect(v.interval_seconds).to.equal(2);
    expect(v.checkouts.per_second).to.equal(110); // (190 + 30) started / 2 s
    expect(v.checkouts.requests_per_second).to.equal(112.5); // + 5 rate limited
    expect(v.checkouts.outcomes_per_second).to.deep.equal({
      completed: 100,
      sold_out: 10,
      over_limit: 0,
      refused: 0,
      rate_limited: 2.5,
    });
    expect(v.payments.settled_per_second).to.deep.equal({ paid: 75 });
    // 200 completed in the 5–10 ms bucket: p50 and p99 interpolate inside it, never 300 ms.
    const completed = v.checkouts.completed_latency_ms!;
    expect(completed.samples).to.equal(200);
    expect(completed.p50).to.be.within(5, 10);
    expect(completed.p99).to.be.within(5, 10);
    expect(v.checkouts.latency_ms!.samples).to.equal(225);
    expect(v.payments.checkout_to_paid_ms).to.include({ samples: 1, p99_at_least: false });
  });

  it('counts a restarted instance from zero and leaves out one that was not there before', async () => {
    const a = instance();
    a.checkouts(500, 0.01);
    const s1 = await snapshotOf(0, [{ name: 'a', exp: await a.scrape() }]);
    const restarted = instance();
    restarted.checkouts(30, 0.01);
    const newcomer = instance();
    newcomer.checkouts(1_000, 0.01);
    const s2 = await snapshotOf(1_000, [
      { name: 'a', exp: await restarted.scrape() },
      { name: 'c', exp: await newcomer.scrape() },
    ]);
    expect(toView(s2, s1).checkouts.outcomes_per_second.completed).to.equal(30);
  });

  it("takes store-wide gauges once across instances, and the oversell incidents' increase", async () => {
    const a = instance();
    const b = instance();
    a.m.backlog.set(40);
    b.m.backlog.set(42);
    a.m.incidents.inc(1);
    b.m.incidents.inc(1);
    const s1 = await snapshotOf(0, [
      { name: 'a', exp: await a.scrape() },
      { name: 'b', exp: await b.scrape() },
    ]);
    a.m.incidents.inc(2);
    b.m.incidents.inc(2);
    const s2 = await snapshotOf(1_000, [
      { name: 'a', exp: await a.scrape() },
      { name: 'b', exp: await b.scrape() },
    ]);
    const v = toView(s2, s1);
    expect(v.payments.backlog).to.equal(42);
    expect(v.oversell).to.deep.equal({ oversold_skus: null, incidents_total: 3, incidents_new: 2 });
    // A gauge no instance exports is unknown, not zero.
    expect(v.reservations.active).to.equal(null);
  });

  it('a first frame has state but no rates', async () => {
    const a = instance();
    a.checkouts(5, 0.01);
    const v = toView(await snapshotOf(0, [{ name: 'a', exp: await a.scrape() }]), null);
    expect(v.interval_seconds).to.equal(null);
    expect(v.checkouts.per_second).to.equal(null);
    expect(v.checkouts.latency_ms).to.equal(null);
  });
});

/** What the PostgreSQL source reports (see cli/top/postgres.ts). */
function pgSnapshot(at: number, orders: number, paid: number, sold: number): Snapshot {
  const le = [0.1, 1, Number.POSITIVE_INFINITY];
  return {
    source: 'postgres',
    target: 'postgres 127.0.0.1:5432/shop',
    at,
    instances: [{ name: 'pg', up: true, error: null }],
    readings: [
      {
        name: 'pg',
        at: at - 1_000,
        counters: {
          'checkout.completed': orders,
          'settled:paid': paid,
          'settled:expired': 0,
          'reservations.expired': 0,
        },
        histograms: { checkout_to_paid: { le, counts: [0, paid, paid], sum: paid * 0.5 } },
      },
    ],
    state: {
      payments: { backlog: 12, backlog_capped: false, oldest_seconds: 0.4, parked: 0 },
      reservations: {
        active: 30,
        active_unit: 'reservations',
        active_capped: false,
        expiring_soon: 2,
        soon_seconds: 60,
        overdue: 0,
        overdue_capped: false,
        overdue_oldest_seconds: 0,
      },
      events: { unsent: 1_000, unsent_capped: true, oldest_seconds: 3 },
      oversell: { oversold_skus: 0, incidents_total: 0 },
    },
    hot: [
      {
        product_id: 7,
        sku: 'FLASH-1',
        name: 'Flash sale headphones',
        available: 4_000 - sold,
        reserved: 12,
        sold,
        checked_out: sold + 12,
      },
    ],
  };
}

describe('shopctl top: PostgreSQL snapshots', () => {
  it('knows orders created and settled, not refusals or request latency', () => {
    const v = toView(pgSnapshot(11_000, 900, 880, 880), pgSnapshot(10_000, 100, 80, 80));
    expect(v.checkouts.per_second).to.equal(800);
    expect(v.checkouts.requests_per_second).to.equal(null);
    expect(v.checkouts.outcomes_per_second).to.deep.equal({
      completed: 800,
      sold_out: null,
      over_limit: null,
      refused: null,
      rate_limited: null,
    });
    expect(v.checkouts.latency_ms).to.equal(null);
    expect(v.payments.settled_per_second).to.deep.equal({ paid: 800, expired: 0 });
    expect(v.payments.checkout_to_paid_ms).to.include({ p50: 550, samples: 800 });
    expect(v.stock.hot).to.deep.equal([
      {
        sku: 'FLASH-1',
        name: 'Flash sale headphones',
        available: 3_120,
        reserved: 12,
        sold: 880,
        checked_out_per_second: 800,
        sold_per_second: 800,
      },
    ]);
  });
});

describe('shopctl top: render', () => {
  it('draws every panel with its figures; a first frame says rates come next', () => {
    const first = render(pgSnapshot(10_000, 100, 80, 80), null);
    expect(first).to.contain('rates need a second sample');
    const frame = render(pgSnapshot(11_000, 900, 880, 880), pgSnapshot(10_000, 100, 80, 80), {
      intervalMs: 1_000,
    });
    for (const heading of ['CHECKOUTS', 'PAYMENTS', 'RESERVATIONS', 'HOT SKUS', 'EVENTS', 'OVERSELL'])
      expect(frame).to.match(new RegExp(`^${heading}`, 'm'));
    expect(frame).to.contain('800/s orders created');
    expect(frame).to.contain('sold out n/a');
    expect(frame).to.contain('12 waiting to be charged, oldest 400 ms');
    expect(frame).to.match(/FLASH-1\s+Flash sale headphones\s+3,120\s+12\s+880\s+800\s+800/);
    expect(frame).to.contain('unsent 1,000+');
    expect(frame).to.contain('0 oversold SKUs');
    expect(frame).not.to.contain('\x1b[');
  });

  it('metrics frames say the stock needs PostgreSQL; alarms are red in colour', async () => {
    const a = instance();
    const s = await snapshotOf(0, [{ name: 'http://a:3000/metrics', exp: await a.scrape() }]);
    expect(render(s, null)).to.contain('HOT SKUS').and.contain('run without --url');
    const down = failedSnapshot('metrics', 'http://b', 0, [
      { name: 'http://b', up: false, error: 'ECONNREFUSED' },
    ]);
    expect(render(down, null, { color: true })).to.contain(
      '\x1b[1;31m  unreachable: http://b (ECONNREFUSED)',
    );
    const oversold = pgSnapshot(1_000, 0, 0, 0);
    oversold.state.oversell.oversold_skus = 2;
    expect(render(oversold, null, { color: true })).to.contain('\x1b[1;31m2 oversold SKUs');
  });

  it('cuts lines to the terminal width without splitting colour codes', () => {
    expect(clipLine('\x1b[1mABCDEF\x1b[0m tail', 3)).to.equal('\x1b[1mABC\x1b[0m');
    const frame = render(pgSnapshot(11_000, 900, 880, 880), pgSnapshot(10_000, 100, 80, 80), { width: 40 });
    for (const line of frame.split('\n')) expect(line.length).to.be.at.most(40);
  });
});

describe('shopctl top: options and exit codes', () => {
  it('--interval takes seconds or a duration, 100 ms to 1 h', () => {
    expect(intervalOf('1')).to.equal(1_000);
    expect(intervalOf('0.5')).to.equal(500);
    expect(intervalOf('250ms')).to.equal(250);
    expect(intervalOf('2s')).to.equal(2_000);
    for (const bad of ['0', '50ms', '2h', 'soon', '-1']) expect(() => intervalOf(bad)).to.throw(/--interval/);
  });

  it('--url names the service; its metrics page is /metrics', () => {
    expect(metricsUrl('http://10.0.0.5:3000')).to.equal('http://10.0.0.5:3000/metrics');
    expect(metricsUrl('http://10.0.0.5:3000/internal/metrics')).to.equal(
      'http://10.0.0.5:3000/internal/metrics',
    );
    expect(() => metricsUrl('ftp://x')).to.throw(/http/);
  });

  it('--once exits 1 when nothing answered or a SKU is oversold', () => {
    const ok = pgSnapshot(1_000, 0, 0, 0);
    expect(exitCodeOf(toView(ok, null))).to.equal(0);
    ok.state.oversell.oversold_skus = 1;
    expect(exitCodeOf(toView(ok, null))).to.equal(1);
    const down = failedSnapshot('postgres', 'pg', 0, [{ name: 'pg', up: false, error: 'refused' }]);
    expect(exitCodeOf(toView(down, null))).to.equal(1);
  });
});

import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApp } from '../../src/app.js';
import { createLiveStore } from '../../src/audit/live.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import {
  cliEnv,
  hasTmux,
  type Json,
  placeOrder,
  shellCommand,
  shopctl,
  tmuxSession,
} from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rates times the interval they were measured over: the events of that interval. */
const events = (perSecond: number | null, seconds: number) => Math.round((perSecond ?? Number.NaN) * seconds);

/** Resolves once `shopctl top` has a connection open to the test's database (its first sample). */
async function topConnected(t: TestContext) {
  const name = new URL(t.databaseUrl).pathname.slice(1);
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(50)) {
    const { rows } = await t.container.db.raw(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'shopctl top' AND datname = ?`,
      [name],
    );
    if (rows[0].n > 0) return;
  }
  throw new Error('shopctl top never connected');
}

describe('shopctl top', function () {
  this.timeout(120_000);

  describe('from PostgreSQL', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext();
    });
    after(() => t.close());

    it('counts each order transition once, one whose transaction was still open at a read included', async () => {
      const store = createLiveStore(t.container.db, { settleMs: 1_000 });
      const p = await createProduct(t.container.db, { stock: 20 });
      await store.read();
      await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
      await placeOrder(t, [{ product_id: p.id, quantity: 2 }], { pay: false });

      // An order's transaction writes its history row, then later orders commit (higher ids) and a
      // read runs before it commits: reading past the newest id seen would lose it for good.
      const { id: userId } = await t.container.db('users').first('id');
      let inserted!: () => void;
      let release!: () => void;
      const wrote = new Promise<void>((r) => {
        inserted = r;
      });
      const slow = t.container.db.transaction(async (trx) => {
        const [order] = await trx('orders')
          .insert({ user_id: userId, total_cents: 0, shipping_address: {}, payment_method: 'pm_card_visa' })
          .returning('id');
        await trx('order_status_history').insert({ order_id: order.id, to_status: 'PENDING', actor: 'test' });
        inserted();
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await wrote;
      await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
      await store.read();
      release();
      await slow;

      await sleep(1_100);
      const after = await store.read();
      expect(after.transitions).to.deep.equal({ CREATED: 4, PAID: 2 });
      expect(after.checkoutToPaid.counts.at(-1)).to.equal(2);
      // Nothing new: nothing counted twice.
      await sleep(300);
      expect((await store.read()).transitions).to.deep.equal({ CREATED: 4, PAID: 2 });
      expect(
        after.hot.map((h) => [h.product_id, h.available, h.reserved, h.sold, h.checked_out]),
      ).to.deep.equal([[p.id, 16, 2, 2, 4]]);
      expect(after.reservations).to.include({ active: 1, expiring_soon: 0, overdue: 0 });
      expect(after.payments).to.include({ backlog: 0, parked: 0 });
      expect(after.oversell).to.deep.equal({ oversold_skus: 0, incidents_total: 0 });
    });

    it('--once --json: orders created and paid in the interval, checkout → paid, the stock, backlogs, oversell 0', async () => {
      await t.truncate();
      const hot = await createProduct(t.container.db, {
        sku: 'TOP-HOT',
        name: 'Flash headphones',
        stock: 10,
      });
      const last = await createProduct(t.container.db, { sku: 'TOP-LAST', stock: 1 });
      await placeOrder(t, [{ product_id: hot.id, quantity: 1 }]);
      // Its cart holds the last unit, which someone else checks out first.
      const soldOut = await shopperWithCart(t, [{ product_id: last.id, quantity: 1 }]);
      // Nothing from before the run may fall in its interval (which ends a second before each read).
      await sleep(1_100);

      const running = shopctl(t, ['top', '--once', '--json', '--interval', '4s']);
      await topConnected(t);
      await sleep(500); // its first sample done
      await placeOrder(t, [{ product_id: hot.id, quantity: 2 }]);
      await placeOrder(t, [{ product_id: hot.id, quantity: 1 }]);
      await placeOrder(t, [{ product_id: hot.id, quantity: 3 }], { pay: false });
      await placeOrder(t, [{ product_id: last.id, quantity: 1 }]);
      await postCheckout(t, soldOut).expect(409);
      const res = await running;
      expect(res.code, res.stderr).to.equal(0);
      const v = res.json();

      expect(v).to.include({ source: 'postgres' });
      expect(v.instances).to.deep.equal([{ name: v.target, up: true, error: null }]);
      const seconds = v.interval_seconds;
      expect(seconds).to.be.within(3.5, 6);
      expect(events(v.checkouts.per_second, seconds)).to.equal(4);
      expect(events(v.checkouts.outcomes_per_second.completed, seconds)).to.equal(4);
      // A refused checkout leaves no row: PostgreSQL cannot count it, and says so.
      expect(v.checkouts.outcomes_per_second).to.include({
        sold_out: null,
        refused: null,
        rate_limited: null,
      });
      expect(v.checkouts.latency_ms).to.equal(null);
      expect(events(v.payments.settled_per_second.paid, seconds)).to.equal(3);
      expect(v.payments.checkout_to_paid_ms.samples).to.equal(3);
      expect(v.payments.checkout_to_paid_ms.p99).to.be.within(0, 5_000);
      expect(v.payments).to.include({ backlog: 0, backlog_capped: false, parked: 0 });

      expect(v.stock.hot.map((h: Json) => [h.sku, h.available, h.reserved, h.sold])).to.deep.equal([
        ['TOP-HOT', 3, 3, 4],
        ['TOP-LAST', 0, 0, 1],
      ]);
      const [flash] = v.stock.hot;
      expect(flash.name).to.equal('Flash headphones');
      expect(events(flash.checked_out_per_second, seconds)).to.equal(6);
      expect(v.reservations).to.include({
        active: 1,
        active_unit: 'reservations',
        expiring_soon: 0,
        overdue: 0,
        overdue_oldest_seconds: 0,
      });
      // No broker here: every domain event waits.
      expect(v.events.unsent).to.be.above(0);
      expect(v.oversell).to.deep.equal({ oversold_skus: 0, incidents_total: 0, incidents_new: 0 });
    });

    it('--once: one human frame; a database that does not answer is exit 1 with the reason', async () => {
      const human = await shopctl(t, ['top', '--once', '--interval', '200ms']);
      expect(human.code, human.stderr).to.equal(0);
      expect(human.stdout)
        .to.match(/^CHECKOUTS /m)
        .and.match(/^OVERSELL\s+0 oversold SKUs/m);
      expect(human.stdout).not.to.contain('\x1b[');
      const down = await shopctl(t, ['top', '--once', '--json', '--interval', '200ms'], {
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/shop_test_nowhere' },
      });
      expect(down.code).to.equal(1);
      expect(down.json().instances[0]).to.include({ up: false });
      expect(down.json().instances[0].error).to.match(/ECONNREFUSED/);
    });
  });

  describe("from a running service's /metrics", () => {
    let t: TestContext;
    let server: http.Server;
    let url: string;
    let scrapes = 0;

    before(async () => {
      t = await createTestContext();
      const app = createApp(t.container).callback();
      server = http.createServer((req, res) => {
        if (req.url === '/metrics') scrapes++;
        return app(req, res);
      });
      server.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await t.close();
    });

    it('--url --once --json: checkout requests and outcomes between the scrapes, latency from the buckets', async () => {
      const hot = await createProduct(t.container.db, { stock: 3 });
      // Before the first scrape: in the counters, but not in the rates.
      await placeOrder(t, [{ product_id: hot.id, quantity: 1 }]);
      // Carts that hold units the two orders below take first.
      const late = [
        await shopperWithCart(t, [{ product_id: hot.id, quantity: 1 }]),
        await shopperWithCart(t, [{ product_id: hot.id, quantity: 1 }]),
      ];

      const running = shopctl(t, ['top', '--url', url, '--once', '--json', '--interval', '3s']);
      for (const until = Date.now() + 30_000; scrapes === 0 && Date.now() < until; ) await sleep(20);
      await placeOrder(t, [{ product_id: hot.id, quantity: 1 }]);
      await placeOrder(t, [{ product_id: hot.id, quantity: 1 }], { pay: false });
      for (const shopper of late) await postCheckout(t, shopper).expect(409);
      const res = await running;
      expect(res.code, res.stderr).to.equal(0);
      expect(scrapes).to.equal(2);
      const v = res.json();
      expect(v).to.include({ source: 'metrics', target: `${url}/metrics` });
      expect(v.instances).to.deep.equal([{ name: `${url}/metrics`, up: true, error: null }]);
      const seconds = v.interval_seconds;
      expect(seconds).to.be.within(2.5, 5);
      expect(events(v.checkouts.requests_per_second, seconds)).to.equal(4);
      expect(events(v.checkouts.per_second, seconds)).to.equal(4);
      const o = v.checkouts.outcomes_per_second;
      expect(
        [o.completed, o.sold_out, o.over_limit, o.refused, o.rate_limited].map((r) => events(r, seconds)),
      ).to.deep.equal([2, 2, 0, 0, 0]);
      expect(v.checkouts.latency_ms.samples).to.equal(4);
      expect(v.checkouts.completed_latency_ms.samples).to.equal(2);
      expect(v.checkouts.latency_ms.p50).to.be.within(0, 2_000);
      expect(v.checkouts.latency_ms.p99).to.be.at.least(v.checkouts.latency_ms.p50);
      // One paid, one waiting for the card's authentication.
      expect(v.payments.settled_per_second).to.have.all.keys('paid', 'requires_action');
      expect(events(v.payments.settled_per_second.paid, seconds)).to.equal(1);
      expect(v.payments.checkout_to_paid_ms.samples).to.equal(1);
      expect(v.payments).to.include({ backlog: 0, parked: 0 });
      // Units held by the pending order, from the service's gauge.
      expect(v.reservations).to.include({ active: 1, active_unit: 'units', expiring_soon: null });
      // What only PostgreSQL can tell is unknown here, not zero.
      expect(v.stock.hot).to.equal(null);
      expect(v.oversell).to.deep.equal({ oversold_skus: null, incidents_total: 0, incidents_new: 0 });
    });

    it('an instance that does not answer is listed as down; with none answering, exit 1', async () => {
      // A port nothing listens on any more.
      const closed = http.createServer().listen(0, '127.0.0.1');
      await new Promise((r) => closed.once('listening', r));
      const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise((r) => closed.close(r));
      const [mixed, none] = await Promise.all([
        shopctl(t, ['top', '--url', url, '--url', dead, '--once', '--json', '--interval', '200ms']),
        shopctl(t, ['top', '--url', dead, '--once', '--json', '--interval', '200ms']),
      ]);
      expect(mixed.code, mixed.stderr).to.equal(0);
      expect(mixed.json().instances.map((i: Json) => [i.name, i.up])).to.deep.equal([
        [`${url}/metrics`, true],
        [`${dead}/metrics`, false],
      ]);
      expect(none.code).to.equal(1);
      expect(none.json().instances[0].error).to.equal('ECONNREFUSED');
      const bad = await shopctl(t, ['top', '--url', 'not a url']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.contain('--url must be');
    });
  });

  describe('in a terminal (tmux pseudo-terminal)', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext();
    });
    after(() => t.close());

    it('the menu runs it; q comes back to the menu', async function () {
      if (!hasTmux()) this.skip();
      const session = tmuxSession(`shopctl-top-menu-${process.pid}`);
      try {
        session.start(shellCommand(cliEnv(t), []));
        await session.waitFor(/What do you want to do\?/);
        session.keys('Up', 'Up', 'Enter'); // past Quit, the last entry
        await session.waitFor(/^OVERSELL\s+0 oversold SKUs/m);
        session.keys('q');
        await session.waitFor(/What do you want to do\?/, 2);
        session.keys('Up', 'Enter');
        expect(await session.waitFor(/\[exit \d+\]/)).to.contain('[exit 0]');
      } finally {
        session.stop();
      }
    });

    it('redraws a full-screen frame with the figures; q, Ctrl-C or SIGINT quit and restore the terminal', async function () {
      if (!hasTmux()) this.skip(); // tmux is not installed: no pseudo-terminal to drive it with.
      const hot = await createProduct(t.container.db, { sku: 'TTY-HOT', stock: 9 });
      await placeOrder(t, [{ product_id: hot.id, quantity: 2 }]);
      // A tmux server of its own for each way out (a new one on a just-killed socket can fail).
      for (const quit of ['q', 'C-c', 'SIGINT']) {
        const socket = `shopctl-top-${process.pid}-${quit}`;
        const session = tmuxSession(socket);
        const tmux = (...args: string[]) =>
          execFileSync('tmux', ['-L', socket, ...args], {
            encoding: 'utf8',
            env: { ...process.env, TMUX: '' },
          });
        /** SIGINT from outside, to shopctl itself (the child of the pane's shell). */
        const interrupt = () => {
          const shell = tmux('display', '-p', '-t', 'menu', '#{pane_pid}').trim();
          const child = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n')[0]!;
          process.kill(Number(child), 'SIGINT');
        };
        const flags = () => tmux('display', '-p', '-t', 'menu', '#{alternate_on} #{cursor_flag}').trim();
        try {
          session.start(shellCommand(cliEnv(t), ['top', '--interval', '300ms']));
          // A second frame has rates: every panel, the hot SKU's stock, oversell 0.
          const screen = await session.waitFor(/CHECKOUTS\s+\d+\.\d\/s orders created/);
          for (const heading of ['PAYMENTS', 'RESERVATIONS', 'HOT SKUS', 'EVENTS'])
            expect(screen).to.match(new RegExp(`^${heading}`, 'm'));
          expect(screen).to.match(/TTY-HOT\s+Test product \d+\s+7\s+0\s+2\s+0\.0\s+0\.0/);
          expect(screen).to.match(/^OVERSELL\s+0 oversold SKUs/m);
          expect(screen).to.contain('q quits');
          expect(flags()).to.equal('1 0'); // alternate screen on, cursor hidden
          if (quit === 'SIGINT') interrupt();
          else session.keys(quit);
          const after = await session.waitFor(/\[exit \d+\]/);
          expect(after, `quit with ${quit}`).to.contain('[exit 0]');
          expect(after).not.to.contain('HOT SKUS');
          expect(flags()).to.equal('0 1'); // back on the main screen, cursor shown
        } finally {
          session.stop();
        }
      }
    });
  });
});

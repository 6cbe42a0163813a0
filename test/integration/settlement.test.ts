import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { createContainer } from '../../src/container.js';
import { startBackgroundJobs } from '../../src/jobs/index.js';
import { createSandboxProvider, type SandboxFault } from '../../src/payments/sandbox.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { completeCharge, startCharge } from '../support/payments.js';
import { stockOf } from '../support/stock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const shoppers: Awaited<ReturnType<typeof shopperWithCart>>[] = [];

async function placeOrders(t: TestContext, productId: number, count: number, paymentMethod = 'pm_card_visa') {
  const ids: string[] = [];
  // A few at a time: each is a user, a cart add and a checkout.
  for (let i = 0; i < count; i += 20) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, async () => {
        const shopper = await shopperWithCart(t, [{ product_id: productId, quantity: 1 }]);
        const res = await postCheckout(t, shopper, { payment_method: paymentMethod }).expect(201);
        return { id: res.body.order_id as string, shopper };
      }),
    );
    ids.push(...chunk.map((c) => c.id));
    shoppers.push(...chunk.map((c) => c.shopper));
  }
  return ids;
}
const shopperOf = (t: TestContext, orderId: string) =>
  t.container
    .db('orders')
    .where({ id: orderId })
    .first('user_id')
    .then((o) => shoppers.find((s) => s.id === o.user_id)!);

const historyOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('order_status_history')
      .where({ order_id: orderId })
      .orderBy('id')
      .select('to_status')
  ).map((h) => h.to_status as string);

/** Net units each order holds by ledger kind: what its movements add up to. */
async function ledgerByOrder(t: TestContext) {
  const rows = await t.container
    .db('stock_movements')
    .whereNotNull('order_id')
    .select('order_id', 'kind')
    .sum<{ order_id: string; kind: string; units: number }[]>({ units: 'quantity' })
    .groupBy('order_id', 'kind');
  const byOrder = new Map<string, Record<string, number>>();
  for (const r of rows) byOrder.set(r.order_id, { ...byOrder.get(r.order_id), [r.kind]: Number(r.units) });
  return byOrder;
}

async function expectHealthy(t: TestContext) {
  const report = await checkInvariants(t.container.db);
  expect(report.violations).to.deep.equal([]);
}

describe('settlement in group commits', function () {
  this.timeout(60_000);

  describe('payments racing cancels and the sweeper', () => {
    let t: TestContext;
    before(async () => {
      t = await createTestContext({ RESERVATION_TTL: '400ms' });
    });
    after(() => t.close());

    it('every order ends in exactly one state; counters, ledger and refunds exact; the audit clean', async () => {
      const p = await createProduct(t.container.db, { stock: 100 });
      const ids = await placeOrders(t, p.id, 60);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 40, reserved: 60, sold: 0 });
      // Half are due when the race starts (the sweeper may expire those first); the other half hold
      // their stock for ten more minutes, so only a payment or a cancel can end them.
      await sleep(450);
      await t.container
        .db('reservations')
        .whereIn('order_id', ids.slice(30))
        .update({ expires_at: t.container.db.raw("now() + interval '10 minutes'") });
      const cancelled = ids.filter((_, i) => i % 3 === 0);
      const other = createContainer(t.container.config);
      try {
        const results = await Promise.allSettled([
          t.container.worker.drain(),
          other.worker.drain(),
          t.container.sweep(),
          other.sweep(),
          ...cancelled.map(async (id) =>
            t
              .request()
              .post(`/orders/${id}/cancel`)
              .set((await shopperOf(t, id)).auth)
              .send({}),
          ),
        ]);
        expect(results.filter((r) => r.status === 'rejected')).to.deep.equal([]);
        // A cancel either won (200) or found the order already final (409): never anything else.
        for (const r of results.slice(4)) {
          expect([200, 409]).to.include((r as PromiseFulfilledResult<{ status: number }>).value.status);
        }
      } finally {
        await other.close();
      }
      // Refunds queued by cancels of paid orders (and late payments) are drained too, and so is any
      // job a transient failure (a deadlock the database broke) put back for a retry seconds later:
      // its time is brought forward, as the clock would.
      for (let round = 0; round < 5; round++) {
        await t.container
          .db('outbox_events')
          .whereNull('processed_at')
          .whereNull('failed_at')
          .update({ available_at: t.container.db.fn.now() });
        await t.container.worker.drain();
      }
      await t.container.sweep();
      expect(
        await t.container.db('outbox_events').whereNotNull('failed_at').count('* as n').first(),
      ).to.deep.equal({
        n: 0,
      });

      const orders = await t.container.db('orders').whereIn('id', ids).select('id', 'status');
      const ledger = await ledgerByOrder(t);
      const payments = await t.container
        .db('payments')
        .whereIn('order_id', ids)
        .select('order_id', 'kind', 'state');
      let sold = 0;
      for (const o of orders) {
        const history = await historyOf(t, o.id);
        expect(history[0]).to.equal('PENDING');
        expect(history.at(-1)).to.equal(o.status);
        // Each status reached at most once: nothing settled twice.
        expect(new Set(history).size).to.equal(history.length);
        expect(['PAID', 'CANCELLED', 'EXPIRED']).to.include(o.status);
        const m = { reserved: 0, released: 0, sold: 0, restocked: 0, ...ledger.get(o.id) };
        // What the order's movements did to the counters: it holds nothing reserved at the end, and
        // one sold unit exactly when PAID (a late payment reserves again, then sells).
        const net = { reserved: m.reserved - m.released - m.sold, sold: m.sold - m.restocked };
        const charged = payments.some(
          (x) => x.order_id === o.id && x.kind === 'charge' && x.state === 'succeeded',
        );
        const refunded = payments.some((x) => x.order_id === o.id && x.kind === 'refund');
        if (o.status === 'PAID') {
          sold++;
          expect(net, JSON.stringify(m)).to.deep.equal({ reserved: 0, sold: 1 });
          expect(charged).to.equal(true);
          expect(refunded).to.equal(false);
        } else {
          // Released, or sold and put back: either way the unit is on sale again.
          expect(net, `${o.status} ${history.join('>')} ${JSON.stringify(m)}`).to.deep.equal({
            reserved: 0,
            sold: 0,
          });
          // Money taken for an order that did not go through goes back, once.
          expect(refunded).to.equal(charged);
        }
      }
      expect(orders.filter((o) => o.status === 'PAID').length).to.be.above(0);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 100 - sold, reserved: 0, sold });
      await expectHealthy(t);
    });
  });

  describe('a provider call that times out', () => {
    let t: TestContext;
    const faults: SandboxFault[] = ['timeout'];
    const sandbox = createSandboxProvider({ fault: () => faults.shift() });
    before(async () => {
      t = await createTestContext({ PAYMENT_TIMEOUT: '100ms' }, { paymentProvider: sandbox });
    });
    after(() => t.close());

    it('is retried later with the same key: one charge, one PAID transition', async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      const [id] = await placeOrders(t, p.id, 1);
      // The provider charged, but its answer was lost: the event waits for a retry, the order PENDING.
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
      expect((await t.container.db('orders').where({ id }).first()).status).to.equal('PENDING');
      const [attempt] = await t.container.db('payments').where({ order_id: id });
      expect(attempt).to.include({ state: 'pending', idempotency_key: `order:${id}:charge` });
      const event = await t.container.db('outbox_events').where({ aggregate_id: id }).first();
      expect(event.last_error).to.match(/timed out|no answer/);
      expect(event.available_at.getTime()).to.be.above(Date.now());

      // Its retry comes due; the same key replays the charge the provider already made.
      await t.container
        .db('outbox_events')
        .where({ id: event.id })
        .update({ available_at: t.container.db.fn.now() });
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
      expect((await t.container.db('orders').where({ id }).first()).status).to.equal('PAID');
      expect(await historyOf(t, id!)).to.deep.equal(['PENDING', 'PAID']);
      expect([...sandbox.charges.keys()]).to.deep.equal([`order:${id}:charge`]);
      expect(sandbox.charges.get(`order:${id}:charge`)!.calls).to.equal(2);
      expect(await t.container.db('payments').where({ order_id: id })).to.have.length(1);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 4, reserved: 0, sold: 1 });
      const metrics = await t.container.metrics.registry.getSingleMetricAsString(
        'shop_payment_retries_total',
      );
      expect(metrics).to.include('shop_payment_retries_total{reason="timeout"} 1');
      await expectHealthy(t);
    });

    it('a 500 from the provider charges nothing and is retried', async () => {
      faults.push('server_error');
      const p = await createProduct(t.container.db, { stock: 5 });
      const [id] = await placeOrders(t, p.id, 1);
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 0, failed: 1 });
      expect(sandbox.charges.has(`order:${id}:charge`)).to.equal(false);
      await t.container
        .db('outbox_events')
        .where({ aggregate_id: id })
        .update({ available_at: t.container.db.fn.now() });
      expect(await t.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
      expect(sandbox.charges.get(`order:${id}:charge`)!.calls).to.equal(1);
      expect(await historyOf(t, id!)).to.deep.equal(['PENDING', 'PAID']);
    });
  });

  describe('batches', () => {
    let t: TestContext;
    before(async () => {
      // Wide enough that concurrent results meet in one batch.
      t = await createTestContext({ SETTLEMENT_BATCH_WAIT: '20ms', PAYMENT_CONCURRENCY: '20' });
    });
    after(() => t.close());
    beforeEach(() => t.truncate());

    it('a poisoned result fails alone; its batch-mates settle', async () => {
      const p = await createProduct(t.container.db, { stock: 20 });
      const ids = await placeOrders(t, p.id, 10);
      for (const id of ids) await startCharge(t.container, id);
      const before = (await t.container.metrics.settlementBatchSize.get()).values;
      const results = await Promise.allSettled(
        ids.map((id, i) =>
          completeCharge(
            t.container,
            id,
            // A NUL byte cannot be stored in PostgreSQL text: the whole statement fails.
            i === 3
              ? { status: 'failed', ref: 'pi_bad', failureCode: 'bad\u0000code' }
              : { status: 'succeeded', ref: `pi_${i}` },
          ),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal(
        ids.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')),
      );
      expect(
        results
          .filter((r) => r.status === 'fulfilled')
          .map((r) => (r as PromiseFulfilledResult<string>).value),
      ).to.deep.equal(Array(9).fill('paid'));
      // They met in one batch of ten, not ten transactions.
      const after = (await t.container.metrics.settlementBatchSize.get()).values;
      const count = (v: typeof before) =>
        v.find((x) => x.metricName === 'shop_settlement_batch_size_count')?.value ?? 0;
      const sum = (v: typeof before) =>
        v.find((x) => x.metricName === 'shop_settlement_batch_size_sum')?.value ?? 0;
      expect(sum(after) - sum(before)).to.equal(10);
      expect(count(after) - count(before)).to.equal(1);
      for (const [i, id] of ids.entries()) {
        expect((await t.container.db('orders').where({ id }).first()).status).to.equal(
          i === 3 ? 'PENDING' : 'PAID',
        );
      }
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 10, reserved: 1, sold: 9 });
      await expectHealthy(t);
    });

    it('two service processes settling one backlog settle each order once', async () => {
      const p = await createProduct(t.container.db, { stock: 200 });
      const ids = await placeOrders(t, p.id, 120);
      // 20 calls in flight each: neither can claim the whole backlog alone.
      const slow = { latencyMs: { min: 5, max: 20 } };
      const a = createContainer(t.container.config, { paymentProvider: createSandboxProvider(slow) });
      const b = createContainer(t.container.config, { paymentProvider: createSandboxProvider(slow) });
      try {
        const [ra, rb] = await Promise.all([a.worker.drain(), b.worker.drain()]);
        expect(ra.failed + rb.failed).to.equal(0);
        expect(ra.processed + rb.processed).to.equal(120);
        expect(ra.processed).to.be.above(0);
        expect(rb.processed).to.be.above(0);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      const ledger = await ledgerByOrder(t);
      for (const id of ids) {
        expect(await historyOf(t, id)).to.deep.equal(['PENDING', 'PAID']);
        expect(ledger.get(id)).to.deep.equal({ reserved: 1, sold: 1 });
      }
      expect(await t.container.db('payments').whereIn('order_id', ids)).to.have.length(120);
      expect(await stockOf(t, p.id)).to.deep.equal({ available: 80, reserved: 0, sold: 120 });
      await expectHealthy(t);
    });

    it('reports the backlog: orders waiting for payment and the oldest wait', async () => {
      const p = await createProduct(t.container.db, { stock: 5 });
      await placeOrders(t, p.id, 2);
      await sleep(50);
      const text = await t.container.metrics.registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('shop_payment_backlog')).to.equal(2);
      expect(value('shop_payment_backlog_oldest_seconds')).to.be.within(0.05, 30);
      await t.container.worker.drain();
      const after = await t.container.metrics.registry.metrics();
      expect(after).to.match(/^shop_payment_backlog 0$/m);
      expect(after).to.match(/^shop_payment_backlog_oldest_seconds 0$/m);
    });
  });

  describe('payments start promptly', () => {
    let t: TestContext;
    before(async () => {
      // Polling once a minute: only the LISTEN/NOTIFY wake-up can start a payment in time.
      t = await createTestContext({ WORKER_INTERVAL: '60s' });
    });
    after(() => t.close());

    it('a new order is charged and PAID within a fraction of a second, woken by NOTIFY', async () => {
      const jobs = startBackgroundJobs(t.container);
      try {
        // The listener connects in the background; its first look finds nothing.
        await sleep(300);
        const p = await createProduct(t.container.db, { stock: 5 });
        const [id] = await placeOrders(t, p.id, 1);
        const placed = Date.now();
        let status = 'PENDING';
        while (status === 'PENDING' && Date.now() - placed < 5_000) {
          await sleep(10);
          status = (await t.container.db('orders').where({ id }).first()).status;
        }
        expect(status).to.equal('PAID');
        expect(Date.now() - placed).to.be.below(1_000);
      } finally {
        await jobs.stop();
      }
    });
  });
});

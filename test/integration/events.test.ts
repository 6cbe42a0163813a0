import { spawn } from 'node:child_process';
import amqp from 'amqplib';
import { expect } from 'chai';
import { createContainer } from '../../src/container.js';
import { type DomainEventRow, type EventEnvelope, toEnvelope } from '../../src/events/envelope.js';
import { CLAIM } from '../../src/events/relay.js';
import { DEAD_LETTER_QUEUE, DELIVERY_LIMIT, EVENTS_EXCHANGE } from '../../src/events/topology.js';
import { createLogger } from '../../src/shared/logger.js';
import { createVhost, eventTap, startBroker, stopBroker } from '../support/amqp.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { cliEnv, ROOT, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { scansOf } from '../support/plans.js';
import { until } from '../support/wait.js';

/**
 * Domain events through a real RabbitMQ: written with their change, published with publisher
 * confirms, marked sent only once confirmed, in order per aggregate, with the broker down or two
 * relays at once.
 */
describe('domain events on RabbitMQ', function () {
  this.timeout(60_000);
  let t: TestContext;
  let vhost: Awaited<ReturnType<typeof createVhost>>;
  let tap: Awaited<ReturnType<typeof eventTap>>;

  before(async () => {
    vhost = await createVhost(`shop_test_${process.pid}_events`);
    t = await createTestContext({
      AMQP_URL: vhost.url,
      EVENT_RELAY_BATCH: '7',
      // The warehouse ships at once and delivers in an hour; the tests turn its crank
      // (advanceFulfillment) themselves, and move the hour along.
      FULFILLMENT_SHIP_DELAY: '0ms',
      FULFILLMENT_DELIVER_DELAY: '1h',
    });
    tap = await eventTap(vhost.url, 'test.all-events');
  });

  after(async () => {
    await tap?.close();
    await t?.close();
    await vhost?.drop();
  });

  const unpublished = async () =>
    Number((await t.container.db('domain_events').whereNull('published_at').count('* as n').first())?.n);
  const relay = () => t.container.relay!;

  async function placeOrder(stock = 5) {
    const product = await createProduct(t.container.db, { stock, price_cents: 2_500 });
    const shopper = await shopperWithCart(t, [{ product_id: product.id, quantity: 1 }]);
    const res = await postCheckout(t, shopper).expect(201);
    return { orderId: res.body.order_id as string, product, shopper };
  }

  it('publishes an order created then paid, each once, in a versioned envelope, marked sent after the confirm', async () => {
    const { orderId, shopper } = await placeOrder();
    await Promise.all(t.container.payments.chargeOrders([orderId]));
    const rows = await t.container.db('domain_events').where({ aggregate_id: orderId }).orderBy('id');
    expect(rows.map((r) => [r.type, r.published_at])).to.deep.equal([
      ['order.created', null],
      ['order.paid', null],
    ]);

    await relay().drain();
    const mine = (await tap.waitFor(2)).filter((e) => e.aggregate.id === orderId);
    expect(mine.map((e) => e.type)).to.deep.equal(['order.created', 'order.paid']);
    const [created, paid] = mine as [EventEnvelope, EventEnvelope];
    expect(created).to.include({ id: rows[0].event_id, source: 'shop', schema_version: 1 });
    expect(created.aggregate).to.deep.equal({ type: 'order', id: orderId });
    expect(paid.data).to.include({
      order_id: orderId,
      user_id: shopper.id,
      status: 'PAID',
      from_status: 'PENDING',
    });
    expect(paid.data.total_cents).to.equal(2_500);
    expect(new Date(paid.time).getTime()).to.be.at.most(Date.now());
    expect(await unpublished()).to.equal(0);
    const published = await t.container.metrics.eventsPublished.get();
    expect(published.values.find((v) => v.labels.type === 'order.paid')?.value).to.equal(1);
  });

  it('keeps events in PostgreSQL while the broker is down, and sends each once when it is back', async () => {
    await relay().drain();
    const before = tap.seen.length;
    await stopBroker();
    let placed: string[] = [];
    try {
      placed = (await Promise.all(Array.from({ length: 10 }, () => placeOrder()))).map((o) => o.orderId);
      // Checkouts commit with the broker down; their events wait, and the failed round is counted.
      const errors = async () => (await t.container.metrics.eventRelayErrors.get()).values[0]?.value ?? 0;
      const failedBefore = await errors();
      await relay().drain();
      // Each order's product was created (product.created), then checked out: its order.created
      // and its product's inventory.changed.
      expect(await unpublished()).to.equal(30);
      expect(await errors()).to.equal(failedBefore + 1);
    } finally {
      await startBroker();
      await tap.reopen();
    }
    await relay().drain();
    expect(await unpublished()).to.equal(0);
    const seen = (await tap.waitFor(before + 30)).slice(before);
    expect(seen).to.have.length(30);
    const orders = seen.filter((e) => e.aggregate.type === 'order');
    expect(orders.map((e) => e.aggregate.id).sort()).to.deep.equal([...placed].sort());
    expect(new Set(seen.map((e) => e.id)).size).to.equal(seen.length);
  });

  it('two relays side by side send every event once, each aggregate in order', async () => {
    await relay().drain();
    const before = tap.seen.length;
    const AGGREGATES = 40;
    const PER = 5;
    /** The first aggregate's product id (no such product: the relay sends what the rows say). */
    const AGGREGATE = 900_000;
    // Written as five statements, so each aggregate's events have increasing ids.
    for (let seq = 1; seq <= PER; seq++) {
      await t.container.db('domain_events').insert(
        Array.from({ length: AGGREGATES }, (_, a) => ({
          type: 'inventory.changed',
          aggregate_type: 'product',
          aggregate_id: String(AGGREGATE + a),
          // The step is the available count.
          data: {
            product_id: AGGREGATE + a,
            sku: `AGG-${a}`,
            available: seq,
            reserved: 0,
            sold: 0,
            previous_available: seq - 1,
            threshold: 0,
          },
        })),
      );
    }
    const other = createContainer(t.container.config, { logger: createLogger('silent') });
    try {
      // Small rounds, so the two relays interleave many times.
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other.relay! : relay()).drain()));
      await Promise.all([relay().drain(), other.relay!.drain()]);
    } finally {
      await other.close();
    }
    expect(await unpublished()).to.equal(0);
    const seen = (await tap.waitFor(before + AGGREGATES * PER)).slice(before);
    expect(seen).to.have.length(AGGREGATES * PER);
    expect(new Set(seen.map((e) => e.id)).size).to.equal(AGGREGATES * PER);
    for (let a = 0; a < AGGREGATES; a++) {
      const id = String(AGGREGATE + a);
      const steps = seen.filter((e) => e.aggregate.id === id).map((e) => e.data.available);
      expect(steps, `product ${id}`).to.deep.equal([1, 2, 3, 4, 5]);
    }
  });

  it('a backlog the statistics never saw: a round reads the waiting events once, and still holds back what another relay holds', async () => {
    await relay().drain();
    const db = t.container.db;
    const AGGREGATES = 2_000;
    const FIRST = 800_000;
    const backlog = (published: boolean) =>
      db.raw(
        `INSERT INTO domain_events (type, aggregate_type, aggregate_id, data, published_at)
         SELECT 'inventory.changed', 'product', (:first + a)::text,
                jsonb_build_object('product_id', :first + a, 'sku', 'BACKLOG-' || a, 'available', s, 'reserved', 0,
                                   'sold', 0, 'previous_available', s - 1, 'threshold', 0),
                CASE WHEN :published THEN now() END
           FROM generate_series(0, :n - 1) a, generate_series(1, 2) s
          ORDER BY a, s`,
        { first: FIRST, n: AGGREGATES, published },
      );
    try {
      // The statistics are taken while nothing waits, as after any quiet hour; then a sale's worth
      // of events is written, each product's two in a row.
      await backlog(true);
      await db.raw('ANALYZE domain_events');
      await backlog(false);
      const waiting = await db('domain_events')
        .whereNull('published_at')
        .orderBy('id')
        .select('id', 'aggregate_id');
      expect(waiting).to.have.length(AGGREGATES * 2);
      // Another relay is mid-round on the first 25 products' first events.
      const held = waiting.filter((_, i) => i < 50 && i % 2 === 0);
      const other = await db.transaction();
      try {
        await other('domain_events')
          .whereIn(
            'id',
            held.map((e) => e.id),
          )
          .forUpdate()
          .select('id');
        const round = await db.transaction();
        try {
          const scans = await scansOf(round, CLAIM, [500], 'domain_events');
          expect(scans.length).to.be.at.least(2);
          // Each read of the table runs once per round, and reads about the claim's range, not the
          // backlog once per claimed event.
          for (const scan of scans) expect(scan.loops, scan.index ?? scan.node).to.equal(1);
          const read = scans.reduce((n, s) => n + s.rows, 0);
          expect(read).to.be.below(2_000);
        } finally {
          await round.rollback();
        }
        const claim = await db.transaction();
        try {
          const { rows } = await claim.raw<{ rows: { id: string; aggregate_id: string }[] }>(CLAIM, [500]);
          const heldProducts = new Set(held.map((e) => e.aggregate_id));
          // Those products' second events wait for their first; every other product's go, both.
          expect(rows.filter((r) => heldProducts.has(r.aggregate_id))).to.deep.equal([]);
          expect(rows).to.have.length(500 - 25);
          expect(rows.map((r) => Number(r.id))).to.deep.equal(
            waiting
              .slice(0, 525)
              .filter((e) => !heldProducts.has(e.aggregate_id))
              .map((e) => Number(e.id)),
          );
        } finally {
          await claim.rollback();
        }
      } finally {
        await other.rollback();
      }
    } finally {
      await db('domain_events').whereRaw("data->>'sku' LIKE 'BACKLOG-%'").del();
    }
  });

  describe('consumers: notifications and fulfillment', () => {
    let consumers: { stop(): Promise<void> }[] = [];
    before(() => {
      consumers = t.container.startConsumers();
    });
    after(async () => {
      for (const c of consumers) await c.stop();
    });

    const notificationsOf = (userId: string) =>
      t.container.db('notifications').where({ user_id: userId }).orderBy('id');
    const counted = async (outcome: string) =>
      (await t.container.metrics.eventsConsumed.get()).values.find(
        (v) => v.labels.consumer === 'notifications' && v.labels.outcome === outcome,
      )?.value ?? 0;

    /** An order placed and paid, its events relayed, and the customer's notifications once they came. */
    async function paidAndNotified() {
      const { orderId, shopper } = await placeOrder();
      await Promise.all(t.container.payments.chargeOrders([orderId]));
      await relay().drain();
      const rows = await until(
        () => notificationsOf(shopper.id),
        (r) => r.length > 0,
      );
      return { orderId, shopper, rows };
    }

    it('tells the customer their order is paid, once, even when the message comes twice', async () => {
      const { orderId, shopper, rows } = await paidAndNotified();
      expect(rows.map((r) => [r.kind, r.order_id])).to.deep.equal([['order.paid', orderId]]);
      expect(rows[0].message).to.equal('Payment received: your order of 25.00 USD is confirmed.');
      const seen = await t.request().get('/notifications').set(shopper.auth).expect(200);
      expect(seen.body.notifications.map((n: { kind: string }) => n.kind)).to.deep.equal(['order.paid']);

      // The broker delivers it again (a consumer crashed before its ack, a replay): the inbox has it.
      const duplicatesBefore = await counted('duplicate');
      const event = await t.container
        .db('domain_events')
        .where({ aggregate_id: orderId, type: 'order.paid' })
        .first();
      await t.container.db('domain_events').where({ id: event.id }).update({ published_at: null });
      await relay().drain();
      await until(
        () => counted('duplicate'),
        (n) => n > duplicatesBefore,
      );
      expect(await notificationsOf(shopper.id)).to.have.length(1);
    });

    const orderOf = (id: string) => t.container.db('orders').where({ id }).first();
    const shipmentOf = (orderId: string) => t.container.db('shipments').where({ order_id: orderId }).first();

    it('ships a paid order with a tracking URL, tells the customer, and delivers it, through the broker', async () => {
      const { orderId, shopper } = await paidAndNotified();
      const pending = await until(
        () => shipmentOf(orderId),
        (s) => s !== undefined,
      );
      expect(pending).to.include({ state: 'pending', carrier: null });

      expect((await t.container.advanceFulfillment()).shipped).to.be.at.least(1);
      const shipped = await orderOf(orderId);
      expect(shipped.status).to.equal('SHIPPED');
      expect(shipped.tracking_number).to.match(/^SHOP\d{12}$/);
      const view = await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200);
      expect(view.body.tracking_url).to.be.a('string').and.contain(shipped.tracking_number);

      await relay().drain();
      const told = await until(
        () => notificationsOf(shopper.id),
        (r) => r.length === 2,
      );
      expect(told.map((n) => n.kind)).to.deep.equal(['order.paid', 'order.shipped']);
      expect(told[1].message).to.contain(shipped.tracking_number);

      expect(await t.container.advanceFulfillment()).to.deep.include({ delivered: 0 });
      await t.container
        .db('shipments')
        .where({ order_id: orderId })
        .update({ deliver_at: t.container.db.raw("now() - interval '1 second'") });
      expect(await t.container.advanceFulfillment()).to.deep.include({ delivered: 1 });
      expect((await orderOf(orderId)).status).to.equal('DELIVERED');
      expect((await shipmentOf(orderId)).state).to.equal('delivered');
      const history = await t.container.db('order_status_history').where({ order_id: orderId }).orderBy('id');
      expect(history.map((h) => [h.to_status, h.actor])).to.deep.include.members([
        ['SHIPPED', 'fulfillment'],
        ['DELIVERED', 'fulfillment'],
      ]);
    });

    it('cancels the shipment of a paid order cancelled before it shipped', async () => {
      const { orderId, shopper } = await paidAndNotified();
      await until(
        () => shipmentOf(orderId),
        (s) => s !== undefined,
      );
      await t.container.orders.cancel(orderId, { userId: shopper.id, role: 'customer' });
      await relay().drain();
      const shipment = await until(
        () => shipmentOf(orderId),
        (s) => s.state === 'cancelled',
      );
      expect(shipment.state).to.equal('cancelled');
      expect(await t.container.advanceFulfillment()).to.deep.include({ shipped: 0 });
      expect((await orderOf(orderId)).status).to.equal('CANCELLED');
    });

    it('with two consumers of each kind (a second process), applies each event once', async () => {
      const other = createContainer(t.container.config, { logger: createLogger('silent') });
      const more = other.startConsumers();
      try {
        const placed = await Promise.all(Array.from({ length: 12 }, () => placeOrder()));
        await Promise.all(t.container.payments.chargeOrders(placed.map((p) => p.orderId)));
        await relay().drain();
        const ids = placed.map((p) => p.orderId);
        const count = async (table: string) =>
          Number((await t.container.db(table).whereIn('order_id', ids).count('* as n').first())?.n);
        await until(
          async () => [await count('notifications'), await count('shipments')],
          ([n, s]) => n === 12 && s === 12,
        );
        // Nothing more arrives later: each paid order has exactly one notification and one shipment.
        await new Promise((r) => setTimeout(r, 200));
        expect([await count('notifications'), await count('shipments')]).to.deep.equal([12, 12]);
      } finally {
        for (const c of more) await c.stop();
        await other.close();
      }
    });

    it('tells the admins when a checkout takes a product below its low-stock threshold, with stock events', async () => {
      const product = await createProduct(t.container.db, { stock: 4, price_cents: 900 });
      await t.container.db('products').where({ id: product.id }).update({ low_stock_threshold: 3 });
      const shopper = await shopperWithCart(t, [{ product_id: product.id, quantity: 2 }]);
      await postCheckout(t, shopper).expect(201);
      const events = await t.container
        .db('domain_events')
        .where({ aggregate_id: String(product.id) })
        .orderBy('id');
      expect(events.map((e) => [e.type, e.data.available])).to.deep.equal([
        ['product.created', undefined],
        ['inventory.changed', 2],
        ['inventory.low', 2],
      ]);
      await relay().drain();
      const admins = await until(
        () => t.container.db('notifications').where({ audience: 'admins', kind: 'inventory.low' }),
        (r) => r.some((n) => n.message.includes(product.sku)),
      );
      expect(admins.find((n) => n.message.includes(product.sku))?.message).to.equal(
        `Low stock: ${product.sku} has 2 left (threshold 3).`,
      );
    });

    it('runs as its own process: shopctl worker relays and notifies until SIGTERM', async () => {
      // This process's consumers step aside, so only the worker can do the work.
      for (const c of consumers) await c.stop();
      consumers = [];
      const worker = spawn(
        process.execPath,
        ['--import', 'tsx', 'bin/shopctl.ts', 'worker', 'notifications'],
        {
          cwd: ROOT,
          env: cliEnv(t, { AMQP_URL: vhost.url }),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      worker.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => worker.on('close', (code) => resolve(code)));
      try {
        await until(
          async () => stderr,
          (e) => e.includes('worker: notifications and the relay'),
          20_000,
        );
        const { orderId, shopper } = await placeOrder();
        await Promise.all(t.container.payments.chargeOrders([orderId]));
        const rows = await until(
          () => notificationsOf(shopper.id),
          (r) => r.length > 0,
        );
        expect(rows.map((r) => [r.kind, r.order_id])).to.deep.equal([['order.paid', orderId]]);
      } finally {
        worker.kill('SIGTERM');
      }
      expect(await exited, stderr).to.equal(0);
      expect(stderr).to.contain('worker: stopped');
      consumers = t.container.startConsumers();
    });

    it('dead-letters a poison message after the delivery limit, and the others still flow', async () => {
      const errorsBefore = (await t.container.metrics.eventConsumerErrors.get()).values.reduce(
        (n, v) => n + v.value,
        0,
      );
      // An order.paid whose data names no customer, as a relay from before the event contract sent
      // it (today's relay refuses it): the consumers find it in domain_events, and fail on it every
      // time.
      const [poison] = await t.container
        .db('domain_events')
        .insert({
          type: 'order.paid',
          aggregate_type: 'order',
          aggregate_id: 'poison-1',
          data: { order_id: 'not-a-uuid' },
          published_at: t.container.db.fn.now(),
        })
        .returning<DomainEventRow[]>('*');
      const conn = await amqp.connect(vhost.url);
      try {
        const ch = await conn.createChannel();
        ch.publish(EVENTS_EXCHANGE, 'order.paid', Buffer.from(JSON.stringify(toEnvelope(poison!))));
        const { rows } = await paidAndNotified();
        expect(rows.map((r) => r.kind)).to.deep.equal(['order.paid']);
        // Both consumers of order.paid refused it: one dead letter from each queue.
        const dead = await until(
          async () => (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount,
          (n) => n >= 2,
          20_000,
        );
        expect(dead).to.equal(2);
        // The relay's process reports them (its channel counts the dead-letter queue).
        expect((await t.container.metrics.eventDeadLetters.get()).values[0]?.value).to.equal(2);

        // On-call sees them, with the queue each died in; a look leaves them there.
        const env = { env: { AMQP_URL: vhost.url } };
        const seen = await shopctl(t, ['events', 'dead-letters', '--json'], env);
        expect(seen.code, seen.stderr).to.equal(0);
        const letters = seen.json().letters as { event: EventEnvelope; queue: string; reason: string }[];
        expect(letters.map((l) => [l.event.aggregate.id, l.queue, l.reason]).sort()).to.deep.equal([
          ['poison-1', 'shop.fulfillment', 'delivery_limit'],
          ['poison-1', 'shop.notifications', 'delivery_limit'],
        ]);
        expect(seen.json().remaining).to.equal(2);
        // Replayed, each goes back to its own queue, fails there again, and comes back.
        const replayed = await shopctl(t, ['events', 'dead-letters', '--replay', '--json'], env);
        expect(replayed.json()).to.include({ replayed: 2, remaining: 0 });
        await until(
          async () => (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount,
          (n) => n >= 2,
          20_000,
        );
        const again = (await shopctl(t, ['events', 'dead-letters', '--json'], env)).json().letters as {
          event: EventEnvelope;
          queue: string;
        }[];
        expect(
          new Set(again.filter((l) => l.event.aggregate.id === 'poison-1').map((l) => l.queue)),
        ).to.deep.equal(new Set(['shop.fulfillment', 'shop.notifications']));
      } finally {
        await conn.close();
      }
      const errors = (await t.container.metrics.eventConsumerErrors.get()).values.reduce(
        (n, v) => n + v.value,
        0,
      );
      expect(errors - errorsBefore).to.be.at.least(4 * DELIVERY_LIMIT);
    });
  });

  it('publishes a price change', async () => {
    const product = await createProduct(t.container.db, { price_cents: 1_000 });
    await relay().drain();
    const before = tap.seen.length;
    await t.container.prices.changePrices([{ sku: product.sku, price_cents: 1_250 }], 'admin:test');
    await relay().drain();
    const change = (await tap.waitFor(before + 1)).find(
      (e) => e.type === 'price.changed' && e.aggregate.id === String(product.id),
    );
    expect(change?.data).to.include({ sku: product.sku, old_price_cents: 1_000, price_cents: 1_250 });
  });
});

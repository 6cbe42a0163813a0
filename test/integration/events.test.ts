import { expect } from 'chai';
import { createContainer } from '../../src/container.js';
import type { EventEnvelope } from '../../src/events/envelope.js';
import { createLogger } from '../../src/shared/logger.js';
import { createVhost, eventTap, startBroker, stopBroker } from '../support/amqp.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

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
    t = await createTestContext({ AMQP_URL: vhost.url, EVENT_RELAY_BATCH: '7' });
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
      expect(await unpublished()).to.equal(10);
      expect(await errors()).to.equal(failedBefore + 1);
    } finally {
      await startBroker();
    }
    await tap.reopen();
    await relay().drain();
    expect(await unpublished()).to.equal(0);
    const seen = (await tap.waitFor(before + 10)).slice(before);
    expect(seen.map((e) => e.aggregate.id).sort()).to.deep.equal([...placed].sort());
    expect(new Set(seen.map((e) => e.id)).size).to.equal(seen.length);
  });

  it('two relays side by side send every event once, each aggregate in order', async () => {
    await relay().drain();
    const before = tap.seen.length;
    const AGGREGATES = 40;
    const PER = 5;
    // Written as five statements, so each aggregate's events have increasing ids.
    for (let seq = 1; seq <= PER; seq++) {
      await t.container.db('domain_events').insert(
        Array.from({ length: AGGREGATES }, (_, a) => ({
          type: 'test.step',
          aggregate_type: 'test',
          aggregate_id: `agg-${a}`,
          data: { seq },
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
      const steps = seen.filter((e) => e.aggregate.id === `agg-${a}`).map((e) => e.data.seq);
      expect(steps, `agg-${a}`).to.deep.equal([1, 2, 3, 4, 5]);
    }
  });

  it('publishes a price change', async () => {
    const product = await createProduct(t.container.db, { price_cents: 1_000 });
    await relay().drain();
    const before = tap.seen.length;
    await t.container.products.applyPrices([{ sku: product.sku, price_cents: 1_250 }], 'admin:test');
    await relay().drain();
    const change = (await tap.waitFor(before + 1)).find(
      (e) => e.type === 'price.changed' && e.aggregate.id === String(product.id),
    );
    expect(change?.data).to.include({ sku: product.sku, old_price_cents: 1_000, price_cents: 1_250 });
  });
});

import { expect } from 'chai';
import { createContainer } from '../../src/container.js';
import { DELIVERY_LIMIT } from '../../src/events/topology.js';
import { createLogger } from '../../src/shared/logger.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

/**
 * Domain events with no broker (AMQP_URL unset): the relay hands them to the consumers in-process,
 * in the claim's transaction, so the demo store ships, notifies and warns of low stock on its own.
 */
describe('domain events without a broker', function () {
  this.timeout(60_000);
  let t: TestContext;

  before(async () => {
    t = await createTestContext({
      EVENT_RELAY_BATCH: '7',
      FULFILLMENT_SHIP_DELAY: '0ms',
      FULFILLMENT_DELIVER_DELAY: '1h',
    });
  });
  after(() => t?.close());

  const db = () => t.container.db;
  const relay = () => t.container.relay!;
  const waiting = async () =>
    Number((await db()('domain_events').whereNull('published_at').count('* as n').first())?.n);
  const notificationsOf = (userId: string) =>
    db()('notifications').where({ user_id: userId }).orderBy('id').select('kind', 'order_id', 'message');

  async function placeOrder(stock = 5) {
    const product = await createProduct(db(), { stock, price_cents: 2_500 });
    const shopper = await shopperWithCart(t, [{ product_id: product.id, quantity: 1 }]);
    const res = await postCheckout(t, shopper).expect(201);
    return { orderId: res.body.order_id as string, product, shopper };
  }

  it('takes a paid order to DELIVERED with a tracking URL, and tells the customer, with no broker', async () => {
    expect(t.container.config.events.amqpUrl).to.equal(null);
    const { orderId, shopper } = await placeOrder();
    await Promise.all(t.container.payments.chargeOrders([orderId]));
    await relay().drain();
    expect(await waiting()).to.equal(0);
    expect((await notificationsOf(shopper.id)).map((n) => n.kind)).to.deep.equal(['order.paid']);
    expect(await db()('shipments').where({ order_id: orderId }).first()).to.include({ state: 'pending' });

    expect((await t.container.advanceFulfillment()).shipped).to.be.at.least(1);
    const view = await t.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200);
    expect(view.body.status).to.equal('SHIPPED');
    expect(view.body.tracking_url).to.be.a('string');
    await relay().drain();
    const told = await notificationsOf(shopper.id);
    expect(told.map((n) => n.kind)).to.deep.equal(['order.paid', 'order.shipped']);
    expect(told[1]!.message).to.contain(view.body.tracking_number);

    await db()('shipments')
      .where({ order_id: orderId })
      .update({ deliver_at: db().raw("now() - interval '1 second'") });
    expect(await t.container.advanceFulfillment()).to.deep.include({ delivered: 1 });
    expect((await db()('orders').where({ id: orderId }).first()).status).to.equal('DELIVERED');
    const consumed = (await t.container.metrics.eventsConsumed.get()).values;
    expect(consumed.find((v) => v.labels.consumer === 'fulfillment' && v.labels.outcome === 'applied'))
      .to.have.property('value')
      .that.is.at.least(1);
  });

  it('delivers a replayed event once in effect (the inbox), and the low-stock warning once', async () => {
    const { orderId, shopper, product } = await placeOrder(10);
    await Promise.all(t.container.payments.chargeOrders([orderId]));
    await relay().drain();
    await db()('domain_events').where({ aggregate_id: orderId }).update({ published_at: null });
    await relay().drain();
    expect(await waiting()).to.equal(0);
    expect(await notificationsOf(shopper.id)).to.have.length(1);
    expect(await db()('shipments').where({ order_id: orderId })).to.have.length(1);
    // 10 in stock, one reserved: below the default threshold of 10, the admins hear of it once.
    const low = await db()('notifications').where({ audience: 'admins', kind: 'inventory.low' });
    expect(low.filter((n) => n.message.includes(`${product.sku} has 9 left`))).to.have.length(1);
  });

  it('with two processes delivering side by side during a burst, applies each event once', async () => {
    const other = createContainer(t.container.config, { logger: createLogger('silent') });
    try {
      const placed = await Promise.all(Array.from({ length: 16 }, () => placeOrder()));
      const ids = placed.map((p) => p.orderId);
      const charged = Promise.all(t.container.payments.chargeOrders(ids));
      // Both relays drain while the payments settle, again and again.
      for (let i = 0; i < 6; i++) {
        await Promise.all([relay().drain(), other.relay!.drain()]);
      }
      await charged;
      await Promise.all([relay().drain(), other.relay!.drain()]);
      expect(await waiting()).to.equal(0);
      const count = async (table: string) =>
        Number((await db()(table).whereIn('order_id', ids).count('* as n').first())?.n);
      expect([await count('notifications'), await count('shipments')]).to.deep.equal([16, 16]);
      const inbox = await db()('consumer_inbox')
        .join('domain_events as e', 'e.event_id', 'consumer_inbox.event_id')
        .whereIn('e.aggregate_id', ids)
        .groupBy('consumer')
        .select('consumer', db().raw('count(*)::int AS n'));
      expect(Object.fromEntries(inbox.map((r) => [r.consumer, r.n]))).to.deep.equal({
        fulfillment: 16,
        notifications: 16,
      });
    } finally {
      await other.close();
    }
  });

  it('retries a failing event with a back-off, dead-letters it past the limit, and the rest flow', async () => {
    const stranger = '00000000-0000-4000-8000-000000000001';
    const early = '00000000-0000-4000-8000-000000000002';
    // Poison: data naming no order, which breaks the event contract (the relay refuses it at once);
    // and an event for a customer not yet registered (the notification's foreign key refuses it,
    // until the customer exists).
    await db()('domain_events').insert([
      { type: 'order.paid', aggregate_type: 'order', aggregate_id: 'poison-1', data: { order_id: 'nope' } },
      {
        type: 'order.payment_failed',
        aggregate_type: 'order',
        aggregate_id: early,
        data: {
          order_id: early,
          user_id: stranger,
          from_status: 'PENDING',
          status: 'PAYMENT_FAILED',
          reason: 'card declined',
          actor: 'payments',
          total_cents: 2_500,
          currency: 'USD',
          carrier: null,
          tracking_number: null,
        },
      },
    ]);
    const { orderId, shopper } = await placeOrder();
    await Promise.all(t.container.payments.chargeOrders([orderId]));
    await relay().drain();
    // The good order went; the poison was refused, not delivered; the other failure waits for its retry.
    expect((await notificationsOf(shopper.id)).map((n) => n.kind)).to.deep.equal(['order.paid']);
    const poison = await db()('domain_events').where({ aggregate_id: 'poison-1' }).first();
    expect(poison.attempts).to.equal(1);
    expect(poison.published_at).to.be.a('date');
    expect(poison.last_error).to.contain('breaks the event contract').and.contain('order_id');
    expect(await db()('consumer_inbox').where({ event_id: poison.event_id })).to.deep.equal([]);
    const failing = () => db()('domain_events').where({ aggregate_id: early }).orderBy('id');
    let rows = await failing();
    expect(rows.map((r) => [r.attempts, r.published_at])).to.deep.equal([[1, null]]);
    expect(rows[0].last_error).to.contain('notifications:');
    expect(rows.every((r) => r.retry_at > new Date())).to.equal(true);
    // Not due: a drain leaves it.
    await relay().drain();
    expect((await failing()).map((r) => r.attempts)).to.deep.equal([1]);

    for (let i = 1; i < DELIVERY_LIMIT; i++) {
      await db()('domain_events')
        .where({ aggregate_id: early })
        .update({ retry_at: db().raw("now() - interval '1 second'") });
      await relay().drain();
    }
    rows = await failing();
    expect(rows.map((r) => r.attempts)).to.deep.equal([DELIVERY_LIMIT]);
    expect(rows.every((r) => r.published_at !== null)).to.equal(true);
    const letters = await db()('event_dead_letters').orderBy(['event_id', 'consumer']);
    expect(letters.map((l) => [l.envelope.aggregate.id, l.consumer, l.deliveries])).to.deep.equal([
      [early, 'notifications', DELIVERY_LIMIT],
    ]);
    expect((await t.container.metrics.eventDeadLetters.get()).values[0]?.value).to.equal(1);

    // On-call looks (nothing changes), then the customer registers, and a replay delivers it.
    const seen = await shopctl(t, ['events', 'dead-letters', '--json']);
    expect(seen.code, seen.stderr).to.equal(0);
    expect(seen.json().letters.map((l: { queue: string }) => l.queue)).to.deep.equal(['shop.notifications']);
    expect(seen.json().remaining).to.equal(1);
    await db()('users').insert({ id: stranger, email: `early-${process.pid}@test.local`, role: 'customer' });
    const replayed = await shopctl(t, ['events', 'dead-letters', '--replay', '--json']);
    expect(replayed.json()).to.include({ replayed: 1, remaining: 0 });
  });

  it('leaves events in PostgreSQL in a process that runs no consumers', async () => {
    const quiet = createContainer(
      { ...t.container.config, events: { ...t.container.config.events, consumers: [] } },
      {
        logger: createLogger('silent'),
      },
    );
    try {
      expect(quiet.relay).to.equal(null);
    } finally {
      await quiet.close();
    }
  });
});

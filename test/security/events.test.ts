import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { expect } from 'chai';
import pino from 'pino';
import type { DomainEvent, EventType } from '../../src/events/contract.js';
import { type DomainEventRow, type EventEnvelope, toEnvelope } from '../../src/events/envelope.js';
import { deleteExpiredEvents } from '../../src/events/queries.js';
import { DEAD_LETTER_QUEUE, EVENTS_EXCHANGE } from '../../src/events/topology.js';
import { createVhost } from '../support/amqp.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/**
 * Finding 9 of the security review: whoever can publish to the broker must not be able to drive
 * the consumers. A consumer applies an envelope only when domain_events holds that very event,
 * and acts on the order as PostgreSQL has it, not as the message tells it.
 */
describe('domain events: consumers act only on events the shop wrote', function () {
  this.timeout(60_000);

  /** A store, the lines it logged at warn and above, and helpers shared by both deliveries. */
  async function store(env: Record<string, string>) {
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const t = await createTestContext(
      { EVENT_RELAY_BATCH: '50', FULFILLMENT_SHIP_DELAY: '1h', FULFILLMENT_DELIVER_DELAY: '1h', ...env },
      { logger },
    );
    return { t, logged };
  }

  /** A metric's total over the series whose labels include `labels` (0 for a metric not registered). */
  async function counted(t: TestContext, name: string, labels: Record<string, string>) {
    const metric = t.container.metrics.registry.getSingleMetric(name);
    if (!metric) return 0;
    const { values } = await metric.get();
    return values
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((n, v) => n + v.value, 0);
  }

  async function placeOrder(t: TestContext) {
    const product = await createProduct(t.container.db, { stock: 5, price_cents: 2_500 });
    const shopper = await shopperWithCart(t, [{ product_id: product.id, quantity: 1 }]);
    const res = await postCheckout(t, shopper).expect(201);
    return { orderId: res.body.order_id as string, shopper };
  }

  const eventRow = (t: TestContext, orderId: string, type: string) =>
    t.container.db('domain_events').where({ aggregate_id: orderId, type }).first<DomainEventRow>();
  const shipmentOf = (t: TestContext, orderId: string) =>
    t.container.db('shipments').where({ order_id: orderId }).first();
  const notificationsOf = (t: TestContext, userId: string) =>
    t.container.db('notifications').where({ user_id: userId }).orderBy('id');
  const statusOf = async (t: TestContext, orderId: string) =>
    (await t.container.db('orders').where({ id: orderId }).first()).status as string;

  /** What an attacker writes: a well-formed envelope about a real order, with data of their choosing. */
  const forged = (type: string, orderId: string, data: Record<string, unknown>): EventEnvelope => ({
    id: randomUUID(),
    type,
    time: new Date().toISOString(),
    source: 'shop',
    schema_version: 1,
    aggregate: { type: 'order', id: orderId },
    data: { order_id: orderId, ...data },
  });
  /** A forged envelope as a handler is given it: these tests call handlers directly, past the contract. */
  const handed = <T extends EventType>(type: T, orderId: string, data: Record<string, unknown>) =>
    forged(type, orderId, data) as unknown as DomainEvent<T>;

  describe('over RabbitMQ', () => {
    let t: TestContext;
    let logged: Record<string, unknown>[];
    let vhost: Awaited<ReturnType<typeof createVhost>>;
    let consumers: { stop(): Promise<void> }[] = [];

    before(async () => {
      vhost = await createVhost(`shop_test_${process.pid}_forged_events`);
      ({ t, logged } = await store({ AMQP_URL: vhost.url }));
      consumers = t.container.startConsumers();
    });
    after(async () => {
      for (const c of consumers) await c.stop();
      await t?.close();
      await vhost?.drop();
    });

    const relay = () => t.container.relay!;
    /** Messages a consumer has finished with, whatever became of them. */
    const handled = async (consumer: string) =>
      (await counted(t, 'shop_events_consumed_total', { consumer })) +
      (await counted(t, 'shop_events_rejected_total', { consumer })) +
      (await counted(t, 'shop_event_consumer_errors_total', { consumer }));
    const rejected = (consumer: string, reason: string) =>
      counted(t, 'shop_events_rejected_total', { consumer, reason });

    /** Published as anyone with the broker's credentials could: straight to the exchange. */
    async function publish(envelope: EventEnvelope) {
      const conn = await amqp.connect(vhost.url);
      try {
        const ch = await conn.createConfirmChannel();
        ch.publish(EVENTS_EXCHANGE, envelope.type, Buffer.from(JSON.stringify(envelope)), {
          persistent: true,
          contentType: 'application/json',
          messageId: envelope.id,
          type: envelope.type,
        });
        await ch.waitForConfirms();
      } finally {
        await conn.close();
      }
    }

    /** Publishes `envelope` and waits until each of `consumers` has finished with it. */
    async function publishAndSettle(envelope: EventEnvelope, consumerNames: string[]) {
      const before = await Promise.all(consumerNames.map(handled));
      await publish(envelope);
      for (const [i, name] of consumerNames.entries()) {
        await until(
          () => handled(name),
          (n) => n > before[i]!,
        );
      }
    }

    /** An order placed and paid, its events relayed: it has a pending shipment and one notification. */
    async function paidOrder() {
      const placed = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([placed.orderId]));
      await relay().drain();
      await until(
        () => shipmentOf(t, placed.orderId),
        (s) => s !== undefined,
      );
      await until(
        () => notificationsOf(t, placed.shopper.id),
        (r) => r.length > 0,
      );
      return placed;
    }

    it("a forged order.cancelled leaves a paid order's shipment pending, and is counted, logged and acked", async () => {
      const { orderId, shopper } = await paidOrder();
      const before = await rejected('fulfillment', 'unknown');
      const envelope = forged('order.cancelled', orderId, {
        user_id: shopper.id,
        from_status: 'PAID',
        status: 'CANCELLED',
        reason: 'cancelled by customer',
        actor: `user:${shopper.id}`,
        total_cents: 2_500,
        currency: 'USD',
        carrier: null,
        tracking_number: null,
      });
      await publishAndSettle(envelope, ['fulfillment']);

      expect((await shipmentOf(t, orderId)).state).to.equal('pending');
      expect(await statusOf(t, orderId)).to.equal('PAID');
      expect(await rejected('fulfillment', 'unknown')).to.equal(before + 1);
      // Not recorded as had: were the id a real event's, that event must still apply when it comes.
      expect(await t.container.db('consumer_inbox').where({ event_id: envelope.id })).to.deep.equal([]);
      expect(logged.find((l) => l.event === envelope.id)).to.deep.include({
        level: 40,
        consumer: 'fulfillment',
        type: 'order.cancelled',
        reason: 'unknown',
      });
      // Acked: nothing waits to be delivered again, nothing went to the dead letters.
      const conn = await amqp.connect(vhost.url);
      try {
        const ch = await conn.createChannel();
        expect((await ch.checkQueue('shop.fulfillment')).messageCount).to.equal(0);
        expect((await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount).to.equal(0);
      } finally {
        await conn.close().catch(() => undefined);
      }
    });

    it('a forged order.shipped puts nothing in front of the customer', async () => {
      const { orderId, shopper } = await paidOrder();
      const before = await rejected('notifications', 'unknown');
      await publishAndSettle(
        forged('order.shipped', orderId, {
          user_id: shopper.id,
          from_status: 'PAID',
          status: 'SHIPPED',
          carrier: 'ups',
          tracking_number: 'ATTACKER-TEXT: call +1 555 0100 to confirm your card',
        }),
        ['notifications'],
      );
      const told = await notificationsOf(t, shopper.id);
      expect(told.map((n) => n.kind)).to.deep.equal(['order.paid']);
      expect(told.map((n) => n.message).join(' ')).to.not.contain('ATTACKER');
      expect(await rejected('notifications', 'unknown')).to.equal(before + 1);
    });

    it('a genuine envelope replayed with an altered payload is refused; the genuine one still applies', async () => {
      const { orderId, shopper } = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([orderId]));
      // Seen on the broker (or guessed from a receipt) before the consumers had it: same id, other data.
      const genuine = toEnvelope(await eventRow(t, orderId, 'order.paid'));
      const victim = await createUser(t.container);
      const altered = { ...genuine, data: { ...genuine.data, user_id: victim.id, total_cents: 1 } };
      const before = {
        fulfillment: await rejected('fulfillment', 'altered'),
        notifications: await rejected('notifications', 'altered'),
      };
      await publishAndSettle(altered, ['fulfillment', 'notifications']);
      expect(await notificationsOf(t, victim.id)).to.deep.equal([]);
      expect(await notificationsOf(t, shopper.id)).to.deep.equal([]);
      expect(await shipmentOf(t, orderId)).to.equal(undefined);
      expect(await rejected('fulfillment', 'altered')).to.equal(before.fulfillment + 1);
      expect(await rejected('notifications', 'altered')).to.equal(before.notifications + 1);

      // The relay then sends the real one, under the same id: it applies.
      await relay().drain();
      const told = await until(
        () => notificationsOf(t, shopper.id),
        (r) => r.length > 0,
      );
      expect(told.map((n) => [n.kind, n.message])).to.deep.equal([
        ['order.paid', 'Payment received: your order of 25.00 USD is confirmed.'],
      ]);
      expect(
        await until(
          () => shipmentOf(t, orderId),
          (s) => s !== undefined,
        ),
      ).to.include({ state: 'pending' });
      expect(await notificationsOf(t, victim.id)).to.deep.equal([]);
    });

    it("a genuine event's id under another type is refused", async () => {
      const { orderId } = await paidOrder();
      // order.created never goes to fulfillment, so its id is not in that consumer's inbox.
      const created = toEnvelope(await eventRow(t, orderId, 'order.created'));
      const before = await rejected('fulfillment', 'altered');
      await publishAndSettle({ ...created, type: 'order.cancelled' }, ['fulfillment']);
      expect((await shipmentOf(t, orderId)).state).to.equal('pending');
      expect(await rejected('fulfillment', 'altered')).to.equal(before + 1);
    });

    it('genuine events still apply: a shipment, a notification with the tracking number, a cancel', async () => {
      const rejectedBefore = await counted(t, 'shop_events_rejected_total', {});
      const { orderId, shopper } = await paidOrder();
      await t.container
        .db('shipments')
        .where({ order_id: orderId })
        .update({ ship_at: t.container.db.raw("now() - interval '1 second'") });
      expect((await t.container.advanceFulfillment()).shipped).to.equal(1);
      const { tracking_number } = await t.container.db('orders').where({ id: orderId }).first();
      await relay().drain();
      const told = await until(
        () => notificationsOf(t, shopper.id),
        (r) => r.length === 2,
      );
      expect(told[1]).to.include({ kind: 'order.shipped' });
      expect(told[1].message).to.contain(tracking_number);

      const other = await paidOrder();
      await t.container.orders.cancel(other.orderId, { userId: other.shopper.id, role: 'customer' });
      await relay().drain();
      expect(
        (
          await until(
            () => shipmentOf(t, other.orderId),
            (s) => s.state === 'cancelled',
          )
        ).state,
      ).to.equal('cancelled');
      expect(await counted(t, 'shop_events_rejected_total', {})).to.equal(rejectedBefore);
    });

    it('an event applied long ago and redelivered after its row was deleted is a duplicate, not a refusal', async () => {
      const { orderId, shopper } = await paidOrder();
      const paid = toEnvelope(await eventRow(t, orderId, 'order.paid'));
      await t.container.db('domain_events').where({ event_id: paid.id }).delete();
      const before = {
        duplicate: await counted(t, 'shop_events_consumed_total', { outcome: 'duplicate' }),
        rejected: await counted(t, 'shop_events_rejected_total', {}),
      };
      await publishAndSettle(paid, ['fulfillment', 'notifications']);
      expect(await counted(t, 'shop_events_consumed_total', { outcome: 'duplicate' })).to.equal(
        before.duplicate + 2,
      );
      expect(await counted(t, 'shop_events_rejected_total', {})).to.equal(before.rejected);
      expect(await notificationsOf(t, shopper.id)).to.have.length(1);
    });

    it('retention keeps an event a consumer has not applied, so a dead letter replayed after a week still applies', async () => {
      const taken = await paidOrder();
      const late = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([late.orderId]));
      // As if the relay had sent them eight days ago: `taken`'s were applied, `late`'s sat in a
      // consumer queue or the dead letters since.
      const ago = (days: number) => t.container.db.raw(`now() - make_interval(days => ?)`, [days]);
      await t.container
        .db('domain_events')
        .whereIn('aggregate_id', [taken.orderId, late.orderId])
        .update({ published_at: ago(8) });
      await t.container.db('domain_events').insert({
        type: 'order.expired',
        aggregate_type: 'order',
        aggregate_id: 'forgotten-1',
        data: { order_id: randomUUID(), user_id: randomUUID() },
        published_at: ago(31),
      });
      await deleteExpiredEvents(t.container.db, {
        relayed: true,
        consumers: t.container.config.events.deployed,
      });

      const left = async (orderId: string) =>
        (await t.container.db('domain_events').where({ aggregate_id: orderId }).orderBy('id')).map(
          (r) => r.type,
        );
      expect(await left(taken.orderId)).to.deep.equal([]);
      // order.created goes to no consumer: a week, as before.
      expect(await left(late.orderId)).to.deep.equal(['order.paid']);
      expect(await left('forgotten-1')).to.deep.equal([]);

      await publishAndSettle(toEnvelope(await eventRow(t, late.orderId, 'order.paid')), [
        'fulfillment',
        'notifications',
      ]);
      expect((await notificationsOf(t, late.shopper.id)).map((n) => n.kind)).to.deep.equal(['order.paid']);
      expect(await shipmentOf(t, late.orderId)).to.include({ state: 'pending' });
      // Taken by every consumer now: the next round of retention deletes it.
      await deleteExpiredEvents(t.container.db, {
        relayed: true,
        consumers: t.container.config.events.deployed,
      });
      expect(await left(late.orderId)).to.deep.equal([]);
    });
  });

  describe('without a broker', () => {
    let t: TestContext;
    before(async () => {
      ({ t } = await store({}));
    });
    after(() => t?.close());

    it('genuine events still apply: the relay hands the consumers rows it read from domain_events', async () => {
      expect(t.container.config.events.amqpUrl).to.equal(null);
      const { orderId, shopper } = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([orderId]));
      await t.container.relay!.drain();
      expect(await shipmentOf(t, orderId)).to.include({ state: 'pending' });
      expect((await notificationsOf(t, shopper.id)).map((n) => n.kind)).to.deep.equal(['order.paid']);
      await t.container.orders.cancel(orderId, { userId: shopper.id, role: 'customer' });
      await t.container.relay!.drain();
      expect((await shipmentOf(t, orderId)).state).to.equal('cancelled');
      expect(await counted(t, 'shop_events_rejected_total', {})).to.equal(0);
    });

    it("the fulfillment consumer goes by the order's status in PostgreSQL, not the event's", async () => {
      const paid = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([paid.orderId]));
      await t.container.relay!.drain();
      const unpaid = await placeOrder(t);
      await t.container.db.transaction((trx) =>
        t.container.handlers.fulfillment(trx, [
          handed('order.cancelled', paid.orderId, { user_id: paid.shopper.id, status: 'CANCELLED' }),
          handed('order.paid', unpaid.orderId, { user_id: unpaid.shopper.id, status: 'PAID' }),
        ]),
      );
      expect((await shipmentOf(t, paid.orderId)).state).to.equal('pending');
      expect(await shipmentOf(t, unpaid.orderId)).to.equal(undefined);
    });

    it('the notifications consumer takes the customer, the amount and the tracking number from the order', async () => {
      const { orderId, shopper } = await placeOrder(t);
      await Promise.all(t.container.payments.chargeOrders([orderId]));
      await t.container.relay!.drain();
      await t.container
        .db('shipments')
        .where({ order_id: orderId })
        .update({ ship_at: t.container.db.raw("now() - interval '1 second'") });
      await t.container.advanceFulfillment();
      await t.container.relay!.drain();
      const { tracking_number } = await t.container.db('orders').where({ id: orderId }).first();
      const victim = await createUser(t.container);
      await t.container.db.transaction((trx) =>
        t.container.handlers.notifications(trx, [
          handed('order.paid', orderId, { user_id: victim.id, total_cents: 1, currency: 'EUR' }),
          handed('order.shipped', orderId, {
            user_id: victim.id,
            carrier: 'ATTACKER',
            tracking_number: 'ATTACKER',
          }),
        ]),
      );
      expect(await notificationsOf(t, victim.id)).to.deep.equal([]);
      const told = (await notificationsOf(t, shopper.id)).map((n) => n.message);
      expect(told).to.have.length(4);
      expect(told.slice(2)).to.deep.equal(told.slice(0, 2));
      expect(told[0]).to.equal('Payment received: your order of 25.00 USD is confirmed.');
      expect(told[1]).to.contain(tracking_number);
    });
  });
});
